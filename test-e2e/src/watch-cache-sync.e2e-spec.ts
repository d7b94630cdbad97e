// Lists while a watch-cache replica has not synchronised. kube-apiserver (KEP-4568) does not make a
// list wait for its initialising watch cache: a limited list without selectors is read from etcd and
// any other is refused at once with 429 "storage is (re)initializing", and the server stays ready.
// kapi first asks another watch-cache replica, which may have synchronised, and otherwise answers
// as kube does. A watch likewise goes to a replica that has synchronised.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, unary } from '@kapi/grpc';
import { METRICS_ADDRESS } from '@kapi/local-stack';
import { healthV1 } from '@kapi/proto';
import { apiRequest, collectWatch, credentialsOf, eventually, startTestStack, type TestStack } from './harness.js';

describe('lists while the watch cache synchronises', { timeout: 300_000 }, () => {
  let stack: TestStack;
  /** The front door itself, asked directly. */
  let frontDoor: string;

  const address = (instance: string) => stack.handle.processes.find((p) => p.instance === instance)!.address;

  /** Whether one watch-cache replica, asked directly, says it has synchronised. */
  const synced = async (instance: string) => {
    const health = createClient(healthV1.HealthClient, [address(instance)], credentialsOf(stack).channelTo('watch-cache'), 'watch-cache');
    try {
      return (await unary('watch-cache', 'Check', health.check.bind(health), {}, { timeoutMs: 2000, waitForReplica: false })).ready;
    } finally {
      health.close();
    }
  };

  /** How many lists or watches one watch-cache replica has answered "not ready", from its /metrics. */
  const answeredNotReady = async (instance: string, what: 'lists' | 'watches'): Promise<number> => {
    const port = Number(address(instance).split(':').at(-1));
    const res = await fetch(`http://${METRICS_ADDRESS}:${port}/metrics`);
    const metric = `kapi_watch_cache_${what}_not_ready_total`;
    const sample = new RegExp(`^${metric} (\\d+)$`, 'm').exec(await res.text());
    assert.ok(sample, `${instance} reports no ${metric}`);
    return Number(sample[1]);
  };

  const list = (path: string) => apiRequest(stack, 'GET', path, undefined, {}, frontDoor);

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1, replicas: { 'watch-cache': 2 } });
    frontDoor = address('aggregator-0');
  });

  after(async () => {
    await stack?.stop();
  });

  it('hands a list or a watch to a replica that has synchronised when the one it met has not', async () => {
    // A restarted replica cannot take its snapshot while the registry is stopped, so it stays
    // unsynchronised, while the other keeps following the event stream.
    const registry = stack.handle.processes.find((p) => p.instance === 'registry-0')!;
    process.kill(registry.pid, 'SIGSTOP');
    try {
      await stack.handle.restartInstance('watch-cache-0');
      assert.equal(await synced('watch-cache-0'), false);
      assert.equal(await synced('watch-cache-1'), true);
      // Once the front door has reconnected to the restarted replica, round-robin takes each in
      // turn, so some of these lists first meet the one that is not synchronised; every one is served.
      // (authz's RBAC reflectors may have asked it too, before this begins.)
      const listsBefore = await answeredNotReady('watch-cache-0', 'lists');
      let until = Date.now() + 30_000;
      while ((await answeredNotReady('watch-cache-0', 'lists')) < listsBefore + 2) {
        assert.ok(Date.now() < until, 'the restarted replica was not asked for a list within 30 s');
        const res = await list('/api/v1/namespaces?resourceVersion=0');
        assert.equal(res.code, 200, res.body);
        assert.ok(JSON.parse(res.body).items.some((ns: { metadata: { name: string } }) => ns.metadata.name === 'default'));
        await new Promise((r) => setTimeout(r, 100));
      }
      // Watches likewise: each one opened delivers the namespaces, never the restarted replica's "not ready".
      const watchesBefore = await answeredNotReady('watch-cache-0', 'watches');
      until = Date.now() + 30_000;
      while ((await answeredNotReady('watch-cache-0', 'watches')) < watchesBefore + 2) {
        assert.ok(Date.now() < until, 'the restarted replica was not asked for a watch within 30 s');
        const events = await collectWatch(stack, '/api/v1/namespaces?watch=1&resourceVersion=0', (seen) => seen.length >= 4, 20_000, frontDoor);
        assert.deepEqual(events.map((e) => e.type), ['ADDED', 'ADDED', 'ADDED', 'ADDED'], JSON.stringify(events));
      }
    } finally {
      process.kill(registry.pid, 'SIGCONT');
    }
    await eventually(async () => assert.equal(await synced('watch-cache-0'), true), 30_000);
    // The front door saw the stopped registry as not ready; it is ready again before the next test.
    await eventually(async () => assert.equal((await list('/readyz')).code, 200), 30_000);
  });

  it('while no replica has synchronised, reads a limited list without selectors from etcd and refuses the rest with 429', async () => {
    // Without NATS no replica can follow the event stream.
    await stack.handle.killInstance('nats');
    try {
      await eventually(async () => {
        assert.equal(await synced('watch-cache-0'), false);
        assert.equal(await synced('watch-cache-1'), false);
      }, 30_000);

      const page = await list('/api/v1/namespaces?limit=500');
      assert.equal(page.code, 200, page.body);
      assert.deepEqual(
        JSON.parse(page.body)
          .items.map((ns: { metadata: { name: string } }) => ns.metadata.name)
          .sort(),
        ['default', 'kube-node-lease', 'kube-public', 'kube-system'],
      );
      // The front door stays ready, as kube-apiserver does while its watch cache initialises, so
      // the load balancer keeps it, and kubectl (which lists in pages of 500) and writes go on.
      const ready = await list('/readyz?verbose');
      assert.equal(ready.code, 200, ready.body);
      assert.match(ready.body, /^\[\+\]watch-cache ok$/m);
      const kubectl = await stack.kubectl(['get', 'ns', '-o', 'name']);
      assert.equal(kubectl.stdout, 'namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\nnamespace/kube-system\n', kubectl.stderr);
      const created = await stack.kubectl(['create', 'configmap', 'while-nats-is-away', '-n', 'default']);
      assert.equal(created.code, 0, created.stderr);

      for (const path of ['/api/v1/namespaces', '/api/v1/namespaces?resourceVersion=0', '/api/v1/namespaces?limit=500&labelSelector=team%3Dweb']) {
        const res = await list(path);
        assert.equal(res.code, 429, `${path}: ${res.body}`);
        assert.equal(res.headers['retry-after'], '1');
        const status = JSON.parse(res.body);
        assert.deepEqual(
          { kind: status.kind, status: status.status, message: status.message, reason: status.reason, details: status.details, code: status.code },
          { kind: 'Status', status: 'Failure', message: 'storage is (re)initializing', reason: 'TooManyRequests', details: { retryAfterSeconds: 1 }, code: 429 },
        );
      }
    } finally {
      await stack.handle.restartInstance('nats');
    }
    // Once NATS is back the replicas catch up, the configmap written meanwhile among what they hold.
    await eventually(async () => {
      const res = await list('/api/v1/namespaces/default/configmaps?resourceVersion=0');
      assert.equal(res.code, 200, res.body);
      assert.ok(JSON.parse(res.body).items.some((cm: { metadata: { name: string } }) => cm.metadata.name === 'while-nats-is-away'));
    }, 30_000);
  });
  it('answers every write while NATS is killed under load, and never times a consistent list out', async () => {
    // kube-apiserver has no event bus: its writes go on whatever its watch cache does. Here a write
    // reaches etcd through the registry alone, and a consistent list the cache cannot catch up
    // with in time is read from etcd (kube's fallback), so neither waits for NATS to come back.
    let writing = true;
    const writes: { name: string; code: number; ms: number }[] = [];
    const lists: { code: number; body: string }[] = [];
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const name = `under-nats-kill-${i}`;
        const started = Date.now();
        const res = await apiRequest(stack, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { load: 'nats-kill' } } }, {}, frontDoor);
        writes.push({ name, code: res.code, ms: Date.now() - started });
      }
    })();
    const lister = (async () => {
      while (writing) lists.push(await list('/api/v1/namespaces/default/configmaps?labelSelector=load%3Dnats-kill'));
    })();
    await new Promise((r) => setTimeout(r, 1000));
    await stack.handle.killInstance('nats');
    try {
      await new Promise((r) => setTimeout(r, 6000));
    } finally {
      await stack.handle.restartInstance('nats');
    }
    await new Promise((r) => setTimeout(r, 1000));
    writing = false;
    await Promise.all([writer, lister]);

    assert.ok(writes.length > 10, `only ${writes.length} writes were answered in 8 s`);
    assert.deepEqual(writes.filter((w) => w.code !== 201), []);
    // Generous: a write is an etcd transaction; seconds would mean it waited for the event bus.
    assert.deepEqual(writes.filter((w) => w.ms > 2500), []);
    // A list is served (from the cache, or from etcd) or, once the cache knows it lost the stream,
    // refused at once as kube refuses it while its cache re-initialises; never a 504 timeout.
    for (const res of lists) assert.ok(res.code === 200 || res.code === 429, `${res.code}: ${res.body}`);
    // Once NATS is back the cache holds every configmap written meanwhile.
    await eventually(async () => {
      const res = await list('/api/v1/namespaces/default/configmaps?labelSelector=load%3Dnats-kill&resourceVersion=0');
      assert.equal(res.code, 200, res.body);
      assert.equal(JSON.parse(res.body).items.length, writes.length);
    }, 30_000);
  });
});
