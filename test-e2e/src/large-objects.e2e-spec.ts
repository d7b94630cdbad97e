// Objects as large as kube accepts flow through every hop: a 1.4 MiB ConfigMap is created, replaced
// three times and deleted while a raw ?watch=true stream, `kubectl get -w`, an informer of
// @kubernetes/client-node and consistent lists follow it. Every watcher gets every event with the
// right object, and what is written after it keeps flowing: on a fresh stack; with NATS taking no
// message over its default 1 MiB, so each revision goes as a marker the watch caches fill from
// etcd's history; and after every process of the stack has been killed and restarted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { METRICS_ADDRESS, statePaths } from '@kapi/local-stack';
import { apiRequest, collectWatch, eventually, startTestStack, type TestStack, type WatchEventLine } from './harness.js';

const MiB = 1024 * 1024;

/**
 * A ConfigMap of about 1.4 MiB as stored. kube allows 1 MiB of data (keys and values, in bytes);
 * as JSON text whose quotes etcd's value escapes once (and the event stream's JSON again), that
 * stores as 1.39 MiB, and an annotation brings the object to 1.4 MiB.
 */
function largeConfigMap(name: string, version: number) {
  const data = { 'dashboard.json': `["v${version}","n",`.padEnd(10, ' ') + '"abc","d",'.repeat(103_999) + '"end"]' };
  assert.ok(Buffer.byteLength(Object.keys(data)[0] + Object.values(data)[0]) <= MiB, 'within kube\'s limit on ConfigMap data');
  const object = { metadata: { name, annotations: { padding: '' } }, data };
  object.metadata.annotations.padding = 'p'.repeat(Math.max(0, 1.4 * MiB + 4096 - JSON.stringify(object).length));
  return object;
}

/** What identifies an object's content in a summary, without printing 1.4 MiB on a failure. */
const digest = (data: unknown) => createHash('sha256').update(JSON.stringify(data ?? null)).digest('hex').slice(0, 12);
const summary = (type: string, object: { metadata?: { name?: string }; data?: unknown }) => `${type} ${object.metadata?.name} ${digest(object.data)}`;

/** The value of a counter on every replica of a service, from their /metrics. */
async function counterOf(stack: TestStack, service: string, name: string): Promise<number[]> {
  const replicas = stack.handle.topology.services.filter((s) => s.service === service);
  return Promise.all(
    replicas.map(
      (replica) =>
        new Promise<number>((resolve, reject) => {
          httpRequest({ host: METRICS_ADDRESS, port: replica.listen.port, path: '/metrics' }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve(Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(body)?.[1] ?? 0)));
          })
            .on('error', reject)
            .end();
        }),
    ),
  );
}

describe('objects up to kube\'s size limit', { timeout: 900_000 }, () => {
  let stack: TestStack;
  let kc: KubeConfig;
  let core: CoreV1Api;

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1, replicas: { registry: 2, 'watch-cache': 2 } });
    kc = new KubeConfig();
    kc.loadFromFile(stack.handle.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
  });

  after(async () => {
    await stack?.stop();
  });

  const logOf = (instance: string) => readFileSync(join(stack.handle.stateDir, 'logs', `${instance}.log`), 'utf8');

  /**
   * In a namespace of its own: the large ConfigMap's life, then a small one written after it, with
   * every watcher started first and a consistent list after each write; then what each saw.
   */
  async function lifeOfALargeObject(ns: string): Promise<void> {
    const path = `/api/v1/namespaces/${ns}/configmaps`;
    await core.createNamespace({ body: { metadata: { name: ns } } });

    const informed: string[] = [];
    const informerErrors: unknown[] = [];
    const informer = makeInformer(kc, path, () => core.listNamespacedConfigMap({ namespace: ns }));
    informer.on('add', (o) => informed.push(summary('ADDED', o)));
    informer.on('update', (o) => informed.push(summary('MODIFIED', o)));
    informer.on('delete', (o) => informed.push(summary('DELETED', o)));
    informer.on('error', (err) => informerErrors.push(err));
    await informer.start();
    const kubectl = stack.kubectlStream(['-n', ns, 'get', 'configmaps', '--watch', '--output-watch-events']);
    const listed = JSON.parse((await apiRequest(stack, 'GET', path)).body) as { metadata: { resourceVersion: string } };
    const afterwards = `after-${ns}`;
    const raw = collectWatch(
      stack,
      `${path}?watch=true&resourceVersion=${listed.metadata.resourceVersion}`,
      (events) => events.some((e) => e.type === 'ADDED' && e.object.metadata?.name === afterwards),
      300_000,
    );

    try {
      const expected: string[] = [];
      const versions: string[] = [];
      /** A consistent list (no resourceVersion) holds exactly what was last written. */
      const consistentListHolds = async (name: string, object: V1ConfigMap | undefined) => {
        const res = await apiRequest(stack, 'GET', path);
        assert.equal(res.code, 200, res.body.slice(0, 500));
        const list = JSON.parse(res.body) as { metadata: { resourceVersion: string }; items: V1ConfigMap[] };
        const found = list.items.find((o) => o.metadata?.name === name);
        if (!object) return assert.equal(found, undefined, `${name} is gone from the list`);
        assert.ok(found, `the list holds ${name}`);
        assert.equal(found.metadata?.resourceVersion, object.metadata?.resourceVersion);
        assert.equal(digest(found.data), digest(object.data));
        assert.ok(Number(list.metadata.resourceVersion) >= Number(object.metadata?.resourceVersion));
      };
      const written = async (res: { code: number; body: string }, type: string) => {
        assert.ok(res.code === 200 || res.code === 201, `${res.code} ${res.body.slice(0, 500)}`);
        const object = JSON.parse(res.body) as V1ConfigMap;
        expected.push(summary(type, object));
        versions.push(object.metadata!.resourceVersion!);
        await consistentListHolds(object.metadata!.name!, object);
        return object;
      };

      let big = await written(await apiRequest(stack, 'POST', path, largeConfigMap('big', 0)), 'ADDED');
      assert.ok(JSON.stringify(big).length > 1.4 * MiB, 'the object is over 1.4 MiB');
      for (let version = 1; version <= 3; version++) {
        const { data } = largeConfigMap('big', version);
        big = await written(await apiRequest(stack, 'PUT', `${path}/big`, { ...big, data }), 'MODIFIED');
      }
      const deleted = await apiRequest(stack, 'DELETE', `${path}/big`);
      assert.equal(deleted.code, 200, deleted.body.slice(0, 500));
      // A watcher sees the object as it was last, at the revision of its deletion.
      expected.push(summary('DELETED', big));
      await consistentListHolds('big', undefined);
      await written(await apiRequest(stack, 'POST', path, { metadata: { name: afterwards }, data: { v: '1' } }), 'ADDED');

      const events = (await raw) as (WatchEventLine & { object: { data?: unknown } })[];
      assert.deepEqual(
        events.map((e) => summary(e.type, e.object)),
        expected,
        'the raw watch got every event, each with its object',
      );
      const rvs = events.map((e) => e.object.metadata?.resourceVersion ?? '');
      assert.deepEqual([...rvs.slice(0, 4), rvs[5]], [...versions.slice(0, 4), versions[4]]);
      assert.ok(Number(rvs[4]) > Number(versions[3]) && Number(rvs[4]) < Number(versions[4]), 'the deletion sits between the last replace and the next create');
      await eventually(() => assert.deepEqual(informed, expected, 'the informer got every event, each with its object'), 120_000);
      assert.deepEqual(informerErrors, []);
      await kubectl.waitFor(new RegExp(`ADDED\\s+${afterwards}\\s`), 120_000);
      const lines = kubectl.output().trim().split('\n');
      assert.match(lines[0], /^EVENT\s+NAME\s+DATA\s+AGE$/);
      assert.deepEqual(
        lines.slice(1).map((line) => line.split(/\s+/).slice(0, 2).join(' ')),
        ['ADDED big', 'MODIFIED big', 'MODIFIED big', 'MODIFIED big', 'DELETED big', `ADDED ${afterwards}`],
        'kubectl -w printed every event and nothing else',
      );
      assert.equal(kubectl.child.exitCode, null, 'kubectl -w is still watching');
    } finally {
      await informer.stop();
      kubectl.child.kill();
    }
  }

  it('flows through watches, an informer and consistent lists, and what follows it flows too', async () => {
    await lifeOfALargeObject('large-fresh');
    // Nothing needed a marker: every revision fitted a message.
    assert.deepEqual(await counterOf(stack, 'registry', 'kapi_event_publisher_unpublishable_batches_total'), [0, 0]);
  });

  it('flows when NATS takes no message over 1 MiB: each revision goes as a marker filled from etcd history', async () => {
    const config = statePaths(stack.handle.stateDir).natsConfigFile;
    const original = readFileSync(config, 'utf8');
    assert.match(original, /^max_payload: \d+$/m);
    writeFileSync(config, original.replace(/^max_payload: \d+$/m, `max_payload: ${MiB}`));
    const synchronisations = (instance: string) => logOf(instance).match(/"msg":"watch cache (caught up from etcd history|synchronised from snapshot)"/g)?.length ?? 0;
    const before = ['watch-cache-0', 'watch-cache-1'].map(synchronisations);
    try {
      await stack.handle.restartInstance('nats');
      // Each watch cache catches up from etcd history after NATS's restart (until then a consistent
      // list gets 429). Both must follow the stream again before the object is written, or one that
      // catches up afterwards reads the object's revisions from history and never meets a marker.
      await eventually(() => assert.deepEqual(['watch-cache-0', 'watch-cache-1'].map((w, i) => synchronisations(w) > before[i]), [true, true]), 120_000);
      await eventually(async () => assert.equal((await apiRequest(stack, 'GET', '/api/v1/configmaps')).code, 200), 120_000);
      await lifeOfALargeObject('large-marked');
    } finally {
      writeFileSync(config, original);
    }
    // The create and the three replaces could not be published whole.
    const unpublishable = await counterOf(stack, 'registry', 'kapi_event_publisher_unpublishable_batches_total');
    assert.equal(unpublishable.reduce((a, b) => a + b, 0), 4);
    assert.match(logOf('registry-0') + logOf('registry-1'), /"level":"error","msg":"a revision cannot be published whole; publishing a marker/);
    for (const markers of await counterOf(stack, 'watch-cache', 'kapi_watch_cache_history_markers_total')) assert.ok(markers >= 1);
    assert.match(logOf('watch-cache-0'), /was too large for the event stream/);
  });

  it('flows the same after every process of the stack was killed and restarted', async () => {
    for (const { instance } of [...stack.handle.processes]) {
      await stack.handle.killInstance(instance, 'SIGKILL');
      await stack.handle.restartInstance(instance);
    }
    // What was written before the restarts is served as it was.
    await eventually(async () => {
      const res = await apiRequest(stack, 'GET', '/api/v1/namespaces/large-marked/configmaps');
      assert.equal(res.code, 200, res.body.slice(0, 500));
      assert.deepEqual((JSON.parse(res.body) as { items: V1ConfigMap[] }).items.map((o) => o.metadata?.name), ['after-large-marked']);
    }, 120_000);
    await lifeOfALargeObject('large-restarted');
  });
});
