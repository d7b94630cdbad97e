// Writers that create, get, patch, update (with the resourceVersion they read), list and delete
// configmaps, every request with client-go's retries, remembering what they were told: which writes
// were acknowledged (at which revision, with which value) and what they believe exists. Used by the
// rolling-restart test and by the failover load test; etcd, not the writers, is the ground truth.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient, Endpoint } from './api-client.js';
import type { EtcdHistory, KubeObject } from './etcd-history.js';
import type { Random } from './random.js';
import { requestWithRetries, type RetriedResponse } from './retrying-client.js';

/** A write the API acknowledged: its key, and for a create, update or patch the revision and value it reported. */
export interface Acknowledged {
  key: string;
  op: 'create' | 'update' | 'patch' | 'delete';
  revision?: number;
  value?: string;
}

/** One request as the client saw it, retries included. */
export interface RequestRecord {
  /** When it was sent (ms since the epoch). */
  at: number;
  op: 'create' | 'get' | 'patch' | 'update' | 'list' | 'delete';
  /** The final status; 0 when no answer came. */
  status: number;
  /** Whether it got the answer it expected. */
  ok: boolean;
  latencyMs: number;
  /** What was retried before the final answer, as client-go would. */
  retried: string[];
  /** The transport error when status is 0. */
  error?: string;
}

export interface Traffic {
  /** Prefixes the names its writers own. */
  prefix: string;
  requests: number;
  /** Requests that needed client-go's retries, by what was retried. */
  retried: Map<string, number>;
  failures: string[];
  acknowledged: Acknowledged[];
  /** What the writers believe: name → value, for the names that exist. */
  believed: Map<string, string>;
}

export interface TrafficOptions {
  client: ApiClient;
  /** Where every request goes: the load balancer. */
  endpoint: Endpoint;
  namespace: string;
  /** Names are `<prefix>-w<writer>-<n>`. */
  prefix: string;
  random: Random;
  stop: () => boolean;
  writers: number;
  namesPerWriter?: number;
  /** Pause between two operations of one writer, in ms. */
  pauseMs?: [number, number];
  /** The `team` label values; watchers select on them. */
  teams?: readonly string[];
  /** Pads each created object with a data key of this many bytes. */
  paddingBytes?: number;
  onRequest?: (record: RequestRecord) => void;
}

export function runTraffic(options: TrafficOptions): { traffic: Traffic; done: Promise<void> } {
  const { client, endpoint, namespace, prefix, stop } = options;
  const teams = options.teams ?? ['blue', 'red'];
  const pauseMs = options.pauseMs ?? [0, 30];
  const namesPerWriter = options.namesPerWriter ?? 8;
  const padding = options.paddingBytes ? { padding: 'x'.repeat(options.paddingBytes) } : {};
  const traffic: Traffic = { prefix, requests: 0, retried: new Map(), failures: [], acknowledged: [], believed: new Map() };
  const collection = `/api/v1/namespaces/${namespace}/configmaps`;
  const send = async (op: RequestRecord['op'], what: string, method: string, path: string, expected: number, body?: Parameters<typeof requestWithRetries>[4]): Promise<RetriedResponse | undefined> => {
    const at = Date.now();
    const response = await requestWithRetries(client, endpoint, method, path, body);
    traffic.requests++;
    for (const reason of response.retried) {
      const kind = reason.replace(/\d{2,}/g, 'N').replace(/^error: .*/, 'reset or early end (GET)');
      traffic.retried.set(kind, (traffic.retried.get(kind) ?? 0) + 1);
    }
    const ok = response.status === expected;
    options.onRequest?.({ at, op, status: response.status, ok, latencyMs: Date.now() - at, retried: response.retried, ...(response.status === 0 ? { error: response.text } : {}) });
    if (ok) return response;
    traffic.failures.push(`${what}: ${response.status ? `${response.status} ${response.text.slice(0, 200)}` : response.text}${response.retried.length ? ` (after retrying ${response.retried.join(', ')})` : ''}`);
    return undefined;
  };
  const rvOf = (response: RetriedResponse) => Number((response.body as KubeObject).metadata?.resourceVersion);
  const valueOf = (response: RetriedResponse) => (response.body as { data: { value: string } }).data.value;
  /** After a write whose outcome is unknown (its connection was reset), what is there is what the writer believes. */
  const resync = async (name: string) => {
    const got = await requestWithRetries(client, endpoint, 'GET', `${collection}/${name}`);
    if (got.status === 200) traffic.believed.set(name, valueOf(got));
    else if (got.status === 404) traffic.believed.delete(name);
  };
  const writer = async (w: number) => {
    const rng = options.random.fork(`writer:${w}`);
    const names = Array.from({ length: namesPerWriter }, (_, i) => `${prefix}-w${w}-${i}`);
    for (let n = 0; !stop(); n++) {
      const name = rng.pick(names);
      const key = `${namespace}/${name}`;
      const value = `${prefix}-w${w}-${n}`;
      const team = rng.pick(teams);
      if (!traffic.believed.has(name)) {
        const created = await send('create', `create ${name}`, 'POST', collection, 201, { body: { metadata: { name, labels: { team } }, data: { value, ...padding } } });
        if (created) {
          traffic.acknowledged.push({ key, op: 'create', revision: rvOf(created), value });
          traffic.believed.set(name, value);
        } else await resync(name);
      } else {
        const roll = rng.int(0, 99);
        if (roll < 20) {
          const got = await send('get', `get ${name}`, 'GET', `${collection}/${name}`, 200);
          if (got && valueOf(got) !== traffic.believed.get(name)) {
            traffic.failures.push(`get ${name}: read ${valueOf(got)}, the last acknowledged write was ${traffic.believed.get(name)}`);
          }
        } else if (roll < 50) {
          const patched = await send('patch', `patch ${name}`, 'PATCH', `${collection}/${name}`, 200, {
            body: { metadata: { labels: { team } }, data: { value } },
            contentType: 'application/merge-patch+json',
          });
          if (patched) {
            traffic.acknowledged.push({ key, op: 'patch', revision: rvOf(patched), value });
            traffic.believed.set(name, value);
          } else await resync(name);
        } else if (roll < 70) {
          const got = await send('get', `get ${name} for an update`, 'GET', `${collection}/${name}`, 200);
          if (!got) continue;
          const object = got.body as KubeObject & { data?: Record<string, string> };
          const updated = await send('update', `update ${name}`, 'PUT', `${collection}/${name}`, 200, { body: { ...object, data: { ...object.data, value } } });
          if (updated) {
            traffic.acknowledged.push({ key, op: 'update', revision: rvOf(updated), value });
            traffic.believed.set(name, value);
          } else await resync(name);
        } else if (roll < 80) {
          await send('list', 'list', 'GET', `${collection}?labelSelector=team%3D${team}`, 200);
        } else {
          const deleted = await send('delete', `delete ${name}`, 'DELETE', `${collection}/${name}`, 200);
          if (deleted) {
            traffic.acknowledged.push({ key, op: 'delete' });
            traffic.believed.delete(name);
          } else await resync(name);
        }
      }
      await sleep(rng.int(...pauseMs));
    }
  };
  return { traffic, done: Promise.all(Array.from({ length: options.writers }, (_, w) => writer(w))).then(() => undefined) };
}

/**
 * The acknowledged writes etcd's history does not have: a create, update or patch must be a PUT at
 * the revision it was acknowledged with and carry its value; a delete must be a DELETE after the
 * key's previous acknowledged write.
 */
export function lostAcknowledgedWrites(acknowledged: readonly Acknowledged[], history: EtcdHistory): string[] {
  const lost: string[] = [];
  const byKey = new Map<string, Acknowledged[]>();
  for (const ack of acknowledged) {
    if (!byKey.has(ack.key)) byKey.set(ack.key, []);
    byKey.get(ack.key)!.push(ack);
  }
  const eventsOf = new Map<string, EtcdHistory['events'][number][]>();
  for (const e of history.events) {
    if (!byKey.has(e.key)) continue;
    if (!eventsOf.has(e.key)) eventsOf.set(e.key, []);
    eventsOf.get(e.key)!.push(e);
  }
  for (const [key, acks] of byKey) {
    const events = eventsOf.get(key) ?? [];
    let previous = 0;
    for (const ack of acks) {
      if (ack.op === 'delete') {
        const deletedAt = events.find((e) => e.type === 'DELETE' && e.revision > previous);
        if (!deletedAt) lost.push(`delete of ${key} after ${previous}`);
        else previous = deletedAt.revision;
        continue;
      }
      const event = events.find((e) => e.revision === ack.revision && e.type === 'PUT');
      if (!event || (event.value?.data as { value?: string } | undefined)?.value !== ack.value) lost.push(`${ack.op} of ${key} at ${ack.revision} (${ack.value})`);
      previous = ack.revision!;
    }
  }
  return lost;
}
