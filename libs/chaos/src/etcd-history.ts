// The ground truth: etcd's own history of configmaps, recorded by a direct etcd watch that starts
// before the churn. Every watcher's history is checked against this, filtered by what it watches.
import { Etcd3, type IKeyValue, type IWatchResponse, type Watcher } from 'etcd3';
import { matcherOf, type WatchFilter } from './filter.js';

export const CONFIGMAP_PREFIX = '/registry/configmaps/';

export interface EtcdEvent {
  revision: number;
  type: 'PUT' | 'DELETE';
  /** `<namespace>/<name>` */
  key: string;
  namespace: string;
  /** The object as stored after the change (absent for a delete). */
  value?: KubeObject;
  /** The object as stored before the change, when it existed. */
  prevValue?: KubeObject;
  /** When the direct etcd watch received it (ms since the epoch). */
  at: number;
}

export interface KubeObject {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** What a watcher with a filter must see for one etcd event, by kube-apiserver's watch-cache rules. */
export interface ExpectedEvent {
  revision: number;
  key: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** The object the event carries, with metadata.resourceVersion the event's revision. */
  object: KubeObject;
  /** When the direct etcd watch received the change. */
  at: number;
}

export class EtcdHistory {
  readonly events: EtcdEvent[] = [];
  private waiters: Array<() => void> = [];
  private watchErrors: string[] = [];

  private constructor(
    /** The first revision recorded: everything from here on is in `events`. */
    readonly startRevision: number,
    private readonly client?: Etcd3,
    private readonly watcher?: Watcher,
  ) {}

  /** A history that is given rather than watched, for testing the checks themselves. */
  static of(startRevision: number, events: EtcdEvent[]): EtcdHistory {
    const history = new EtcdHistory(startRevision);
    history.events.push(...events);
    return history;
  }

  static async start(endpoint: string): Promise<EtcdHistory> {
    // The endpoint may be a Service in front of several members (the chart's etcd-client): when
    // the member behind it goes, keepalive notices a connection that was not closed, and etcd3
    // resumes the watch from its last revision on whichever member answers next.
    const client = new Etcd3({ hosts: endpoint, grpcOptions: { 'grpc.keepalive_time_ms': 10_000, 'grpc.keepalive_timeout_ms': 5_000 } });
    const current = Number((await client.get(CONFIGMAP_PREFIX).exec()).header.revision);
    const startRevision = current + 1;
    const watcher = await client.watch().prefix(CONFIGMAP_PREFIX).withPreviousKV().startRevision(String(startRevision)).create();
    const history = new EtcdHistory(startRevision, client, watcher);
    watcher.on('data', (res) => history.record(res));
    watcher.on('error', (err) => history.watchErrors.push(String(err)));
    return history;
  }

  /** The revision of the newest recorded event (startRevision - 1 when there is none). */
  get lastRevision(): number {
    return this.events.length ? this.events[this.events.length - 1].revision : this.startRevision - 1;
  }

  get errors(): readonly string[] {
    return this.watchErrors;
  }

  private record(res: IWatchResponse): void {
    const at = Date.now();
    for (const event of res.events) {
      const kv = event.kv as IKeyValue;
      const revision = Number(kv.mod_revision);
      const path = kv.key.toString('utf8').slice(CONFIGMAP_PREFIX.length);
      const namespace = path.split('/')[0];
      const recorded: EtcdEvent = { revision, type: event.type === 'Delete' ? 'DELETE' : 'PUT', key: path, namespace, at };
      if (recorded.type === 'PUT') recorded.value = JSON.parse(kv.value.toString('utf8')) as KubeObject;
      if (event.prev_kv) recorded.prevValue = JSON.parse((event.prev_kv as IKeyValue).value.toString('utf8')) as KubeObject;
      this.events.push(recorded);
    }
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves true once an event at `revision` or later was recorded, false after `timeoutMs`. */
  async waitFor(revision: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.lastRevision < revision) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /** etcd's history after `afterRevision`, as a watcher with `filter` must see it. */
  expected(filter: WatchFilter, afterRevision = 0): ExpectedEvent[] {
    const matches = matcherOf(filter);
    const out: ExpectedEvent[] = [];
    for (const e of this.events) {
      if (e.revision <= afterRevision) continue;
      const now = e.value !== undefined && matches(e.namespace, e.value);
      const before = e.prevValue !== undefined && matches(e.namespace, e.prevValue);
      const at = (object: KubeObject) => withResourceVersion(object, e.revision);
      const base = { revision: e.revision, key: e.key, at: e.at };
      if (now && before) out.push({ ...base, type: 'MODIFIED', object: at(e.value!) });
      else if (now) out.push({ ...base, type: 'ADDED', object: at(e.value!) });
      // Deleted, or changed so that it no longer matches: kube sends the last state that matched.
      else if (before) out.push({ ...base, type: 'DELETED', object: at(e.prevValue!) });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.watcher?.cancel().catch(() => undefined);
    this.client?.close();
  }
}

export function withResourceVersion(object: KubeObject, revision: number): KubeObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } };
}
