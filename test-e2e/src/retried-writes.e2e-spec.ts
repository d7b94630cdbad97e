// Writes through HAProxy while registry replicas are SIGKILLed mid-write. A registry that dies
// after etcd committed a write but before it answered makes the front door retry the call on the
// other replica; that retry must answer with the write already made: never 409 for the request's
// own object, never a second object for one generateName create, never a JSON patch `add` applied
// twice, never a Conflict for an update's own write.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpGet, METRICS_ADDRESS } from '@kapi/local-stack';
import { ApiClient, requestWithRetries, type Endpoint, type RetriedResponse } from '@kapi/chaos';
import { startTestStack, type TestStack } from './harness.js';

const WRITERS = 16;
const KILLS = 6;
const NS = 'retried';

interface WriterLog {
  generated: string[];
  finalizersAdded: string[];
  lastPinned?: number;
  /** op → final answers that were not the success the writer expected (status, or the transport error). */
  failures: string[];
  /** Final answers that may or may not have written (5xx after every retry, or a reset write). */
  unknown: { op: string; value: string }[];
  operations: number;
}

describe('writes retried after a registry replica died mid-write', { timeout: 600_000 }, () => {
  let stack: TestStack;
  let client: ApiClient;
  let lb: Endpoint;

  before(async () => {
    stack = await startTestStack({ replicas: { registry: 2 } });
    client = new ApiClient(stack.handle.tls);
    lb = { name: 'lb', url: stack.handle.serverUrl };
    const ns = await requestWithRetries(client, lb, 'POST', '/api/v1/namespaces', { body: { metadata: { name: NS } } });
    assert.equal(ns.status, 201, ns.text);
  });

  after(async () => {
    client?.close();
    await stack?.stop();
  });

  /** kapi_registry_retried_writes_answered_total of each registry process seen, by pid (a killed one keeps its last count). */
  const answeredByPid = new Map<number, number>();
  async function scrapeRetriesAnswered(): Promise<void> {
    for (const process of stack.handle.processes.filter((p) => p.instance.startsWith('registry-'))) {
      const port = stack.handle.topology.services.find((s) => s.instance === process.instance)!.listen.port;
      try {
        const { body } = await httpGet(`http://${METRICS_ADDRESS}:${port}/metrics`, { timeoutMs: 2000 });
        const total = [...body.matchAll(/^kapi_registry_retried_writes_answered_total(?:\{[^}]*\})? (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
        answeredByPid.set(process.pid, total);
      } catch {
        // down at this moment; its last count stands
      }
    }
  }

  async function writer(i: number, stop: () => boolean): Promise<WriterLog> {
    const log: WriterLog = { generated: [], finalizersAdded: [], failures: [], unknown: [], operations: 0 };
    const collection = `/api/v1/namespaces/${NS}/configmaps`;
    const judge = (op: string, value: string, response: RetriedResponse, expected: number) => {
      log.operations++;
      if (response.status === expected) return true;
      log.failures.push(`${op} ${value}: ${response.status || response.text}${response.status ? ` ${response.text.slice(0, 200)}` : ''}`);
      if (response.status === 0 || response.status >= 500) log.unknown.push({ op, value });
      return false;
    };
    for (const name of [`w${i}-list`, `w${i}-pinned`]) {
      const created = await requestWithRetries(client, lb, 'POST', collection, { body: { metadata: { name, finalizers: [] }, data: { k: '0' } } });
      assert.equal(created.status, 201, created.text);
    }
    for (let k = 1; !stop(); k++) {
      const generated = await requestWithRetries(client, lb, 'POST', collection, {
        body: { metadata: { generateName: `w${i}-gen-`, labels: { writer: `w${i}` } }, data: { k: String(k) } },
      });
      if (judge('generateName create', String(k), generated, 201)) log.generated.push((generated.body as { metadata: { name: string } }).metadata.name);

      judge('create', `w${i}-n${k}`, await requestWithRetries(client, lb, 'POST', collection, { body: { metadata: { name: `w${i}-n${k}` }, data: { k: String(k) } } }), 201);

      const finalizer = `example.com/w${i}-${k}`;
      const added = await requestWithRetries(client, lb, 'PATCH', `${collection}/w${i}-list`, {
        body: [{ op: 'add', path: '/metadata/finalizers/-', value: finalizer }],
        contentType: 'application/json-patch+json',
      });
      if (judge('json patch add', finalizer, added, 200)) log.finalizersAdded.push(finalizer);

      const current = await requestWithRetries(client, lb, 'GET', `${collection}/w${i}-pinned`);
      if (!judge('get', `w${i}-pinned`, current, 200)) continue;
      const object = current.body as { metadata: Record<string, unknown>; data: Record<string, string> };
      const updated = await requestWithRetries(client, lb, 'PUT', `${collection}/w${i}-pinned`, { body: { ...object, data: { k: String(k) } } });
      if (judge('pinned update', String(k), updated, 200)) log.lastPinned = k;
    }
    return log;
  }

  it('answers every retried write with its first write: no 409 for its own object, nothing applied twice', async () => {
    let chaosOver = false;
    const writers = Array.from({ length: WRITERS }, (_, i) => writer(i, () => chaosOver));
    const kills: string[] = [];
    try {
      for (let n = 0; n < KILLS; n++) {
        await sleep(2500);
        const instance = `registry-${n % 2}`;
        await scrapeRetriesAnswered();
        await stack.handle.killInstance(instance, 'SIGKILL');
        kills.push(instance);
        await sleep(500);
        await stack.handle.restartInstance(instance);
      }
      await sleep(2000);
    } finally {
      chaosOver = true;
    }
    const logs = await Promise.all(writers);
    await scrapeRetriesAnswered();
    const answered = [...answeredByPid.values()].reduce((a, b) => a + b, 0);
    const operations = logs.reduce((n, l) => n + l.operations, 0);
    const failures = logs.flatMap((l, i) => l.failures.map((f) => `w${i} ${f}`));
    console.log(`${operations} writes and reads by ${WRITERS} writers; registry replicas SIGKILLed: ${kills.join(', ')}; retried writes the registry answered from their first attempt: ${answered}; final failures: ${failures.length ? failures.join('; ') : 'none'}`);

    assert.deepEqual(failures.filter((f) => / 409\b/.test(f)), [], 'no write was refused for its own effect');

    for (const [i, log] of logs.entries()) {
      const listed = await requestWithRetries(client, lb, 'GET', `/api/v1/namespaces/${NS}/configmaps?labelSelector=writer%3Dw${i}`);
      assert.equal(listed.status, 200, listed.text);
      const names = (listed.body as { items: { metadata: { name: string } }[] }).items.map((item) => item.metadata.name).sort();
      const unknownCreates = log.unknown.filter((u) => u.op === 'generateName create').length;
      for (const name of log.generated) assert.ok(names.includes(name), `w${i}: ${name} was answered 201 and exists`);
      assert.ok(
        names.length <= log.generated.length + unknownCreates,
        `w${i}: ${names.length} objects for ${log.generated.length} creates answered 201 (and ${unknownCreates} without a known outcome): a create was applied twice`,
      );

      const list = await requestWithRetries(client, lb, 'GET', `/api/v1/namespaces/${NS}/configmaps/w${i}-list`);
      const finalizers = (list.body as { metadata: { finalizers?: string[] } }).metadata.finalizers ?? [];
      assert.equal(new Set(finalizers).size, finalizers.length, `w${i}: a JSON patch add was applied twice: ${finalizers.join(', ')}`);
      for (const added of log.finalizersAdded) assert.ok(finalizers.includes(added), `w${i}: ${added} was answered 200 and is there`);
    }
  });
});
