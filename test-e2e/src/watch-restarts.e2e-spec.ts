// Long-lived watches through the restarts of what serves them: `kubectl get -w`, an informer of
// @kubernetes/client-node and a raw ?watch=true stream stay open and exact while NATS, the event
// publisher (a registry replica) and each watch-cache replica are killed and restarted. The watch
// cache repairs what it missed from etcd history rather than dropping its watches, and the front
// door resumes a broken stream on another watch-cache replica from the last resourceVersion.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, makeInformer, type Informer, type ObjectCache, type V1ConfigMap } from '@kubernetes/client-node';
import { apiRequest, collectWatch, eventually, startTestStack, type TestStack, type WatchEventLine } from './harness.js';

const NS = 'steady';
const PATH = `/api/v1/namespaces/${NS}/configmaps`;
// Every create of the test: 7 phases of 3 and one while NATS is down.
const TOTAL = 22;

describe('watches through restarts', { timeout: 300_000 }, () => {
  let stack: TestStack;
  let core: CoreV1Api;
  let informer: Informer<V1ConfigMap> & ObjectCache<V1ConfigMap>;
  const informerErrors: unknown[] = [];
  let kubectl: ReturnType<TestStack['kubectlStream']>;
  let raw: Promise<WatchEventLine[]>;
  const created: string[] = [];

  const create = async (name: string) => {
    await eventually(async () => {
      const res = await apiRequest(stack, 'POST', PATH, { metadata: { name }, data: { v: '1' } });
      // A retry after a lost answer finds its own earlier create.
      assert.ok(res.code === 201 || res.code === 409, `${res.code} ${res.body}`);
    }, 30_000);
    created.push(name);
  };
  /** Writes a few objects and waits until every watcher has them. */
  const phase = async (prefix: string) => {
    for (let i = 0; i < 3; i++) await create(`${prefix}-${i}`);
    await eventually(() => {
      const names = new Set(informer.list(NS).map((o) => o.metadata?.name));
      for (const name of created) assert.ok(names.has(name), `the informer lacks ${name}`);
      for (const name of created) assert.match(kubectl.output(), new RegExp(`^ADDED\\s+${name}\\s`, 'm'), `kubectl -w lacks ${name}`);
    }, 60_000);
  };
  const logOf = (instance: string) => readFileSync(join(stack.handle.stateDir, 'logs', `${instance}.log`), 'utf8');
  const restart = async (instance: string) => {
    await stack.handle.killInstance(instance, 'SIGKILL');
    await stack.handle.restartInstance(instance);
  };

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1, replicas: { registry: 2, 'watch-cache': 2 } });
    const kc = new KubeConfig();
    kc.loadFromFile(stack.handle.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    informer = makeInformer(kc, PATH, () => core.listNamespacedConfigMap({ namespace: NS }));
    informer.on('error', (err) => informerErrors.push(err));
    await informer.start();
    kubectl = stack.kubectlStream(['-n', NS, 'get', 'configmaps', '--watch', '--output-watch-events']);
    const list = JSON.parse((await apiRequest(stack, 'GET', PATH)).body) as { metadata: { resourceVersion: string } };
    raw = collectWatch(stack, `${PATH}?watch=true&resourceVersion=${list.metadata.resourceVersion}`, (events) => events.length >= TOTAL, 240_000);
    await phase('before');
  });

  after(async () => {
    await informer?.stop();
    kubectl?.child.kill();
    await stack?.stop();
  });

  it('keep every watcher open and exact through a NATS restart', async () => {
    await stack.handle.killInstance('nats', 'SIGKILL');
    // Written while the event stream is away: the watch cache gets them from etcd's history.
    await create('during-nats-0');
    await stack.handle.restartInstance('nats');
    await phase('after-nats');
    // Each replica repairs the outage from etcd's history, keeping its state and its watches (the
    // watchers above may all be served by the replica that got there first).
    for (const instance of ['watch-cache-0', 'watch-cache-1']) {
      await eventually(() => assert.match(logOf(instance), /"msg":"watch cache caught up from etcd history"/), 60_000);
      assert.equal(logOf(instance).match(/"msg":"watch cache synchronised from snapshot"/g)?.length, 1);
    }
  });

  it('through the restart of each registry replica, the publisher among them', async () => {
    await restart('registry-0');
    await phase('after-registry-0');
    await restart('registry-1');
    await phase('after-registry-1');
  });

  it('through the restart of each watch-cache replica, resuming on the other one', async () => {
    await stack.handle.killInstance('watch-cache-0', 'SIGKILL');
    await phase('without-cache-0');
    await stack.handle.restartInstance('watch-cache-0');
    await phase('after-cache-0');
    await restart('watch-cache-1');
    await phase('after-cache-1');
    // The streams on the killed replicas were resumed by the front door.
    assert.match(logOf('aggregator-0'), /"msg":"resuming a watch on another watch-cache replica"/);
  });

  it('delivered each object once, in order, without an error, to every watcher', async () => {
    assert.equal(created.length, TOTAL);
    assert.deepEqual(informerErrors, []);
    const events = await raw;
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.object.metadata?.name}`),
      created.map((name) => `ADDED ${name}`),
    );
    const versions = events.map((e) => Number(e.object.metadata?.resourceVersion));
    assert.deepEqual([...versions].sort((a, b) => a - b), versions);
    const lines = kubectl.output().trim().split('\n');
    assert.match(lines[0], /^EVENT\s+NAME\s+DATA\s+AGE$/);
    assert.deepEqual(
      lines.slice(1).map((line) => line.split(/\s+/).slice(0, 2).join(' ')),
      created.map((name) => `ADDED ${name}`),
      'kubectl -w printed exactly the creates, nothing else (no error, no repeat)',
    );
    assert.equal(kubectl.child.exitCode, null, 'kubectl -w is still running');
    const fresh = await core.listNamespacedConfigMap({ namespace: NS });
    assert.deepEqual(
      informer
        .list(NS)
        .map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`)
        .sort(),
      fresh.items.map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`).sort(),
    );
  });
});
