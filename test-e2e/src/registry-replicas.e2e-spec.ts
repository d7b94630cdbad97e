// The registry at scale: three replicas bootstrapping at once write each bootstrap object exactly
// once, and deleting a namespace that holds 500 objects empties it. With two replicas, only the
// leader runs kapi's controllers, the other takes them over when the leader dies, and a controller
// KAPI_CONTROLLERS turns off runs nowhere.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from '@kapi/authorization';
import { readLogLines } from '@kapi/chaos';
import { logFileOf, statePaths } from '@kapi/local-stack';
import { apiRequest, eventually, startTestStack, type TestStack } from './harness.js';

describe('three registry replicas', { timeout: 300_000 }, () => {
  let stack: TestStack;
  let etcd: Etcd3;

  before(async () => {
    // The stack starts every replica of a service at the same time.
    stack = await startTestStack({ aggregatorReplicas: 1, replicas: { registry: 3 } });
    const { host, clientPort } = stack.handle.topology.etcd;
    etcd = new Etcd3({ hosts: `http://${host}:${clientPort}` });
  });

  after(async () => {
    etcd?.close();
    await stack?.stop();
  });

  it('bootstrap each object exactly once: every bootstrap key was written once', async () => {
    // The default ServiceAccounts come from a controller; wait until every system namespace has one.
    await eventually(async () => assert.equal(Object.keys(await etcd.getAll().prefix('/registry/serviceaccounts/').strings()).length, 4));
    const prefixes = [
      '/registry/namespaces/',
      '/registry/clusterroles/',
      '/registry/clusterrolebindings/',
      '/registry/roles/',
      '/registry/rolebindings/',
      '/registry/priorityclasses/',
      '/registry/serviceaccounts/',
      '/registry/services/specs/default/kubernetes',
    ];
    const counts: Record<string, number> = {};
    for (const prefix of prefixes) {
      const { kvs } = await etcd.getAll().prefix(prefix).exec();
      counts[prefix] = kvs.length;
      for (const kv of kvs) {
        const object = JSON.parse(kv.value.toString('utf8')) as { aggregationRule?: unknown };
        // Aggregated ClusterRoles are written again by the aggregation controller when it fills in their rules.
        if (object.aggregationRule) continue;
        assert.equal(kv.version, '1', `${kv.key.toString()} was written ${kv.version} times`);
      }
    }
    assert.equal(counts['/registry/namespaces/'], 4);
    assert.equal(counts['/registry/services/specs/default/kubernetes'], 1);
    assert.equal(counts['/registry/priorityclasses/'], 2);
    assert.equal(counts['/registry/clusterroles/'], bootstrapClusterRoles().length);
    assert.equal(counts['/registry/clusterrolebindings/'], bootstrapClusterRoleBindings().length);
  });

  it('delete a namespace holding 500 objects until it is empty and gone', async () => {
    const ns = 'crowded';
    assert.equal((await apiRequest(stack, 'POST', '/api/v1/namespaces', { metadata: { name: ns } })).code, 201);
    const names = Array.from({ length: 500 }, (_, i) => `item-${i}`);
    for (let i = 0; i < names.length; i += 25) {
      const results = await Promise.all(
        names.slice(i, i + 25).map((name, j) =>
          (i + j) % 2
            ? apiRequest(stack, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name }, data: { n: name } })
            : apiRequest(stack, 'POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name }, stringData: { n: name } }),
        ),
      );
      for (const res of results) assert.equal(res.code, 201, res.body);
    }
    const deleted = await stack.kubectl(['delete', 'namespace', ns, '--timeout=180s']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, `namespace "${ns}" deleted\n`);
    const gone = await apiRequest(stack, 'GET', `/api/v1/namespaces/${ns}`);
    assert.equal(gone.code, 404);
    for (const resource of ['configmaps', 'secrets', 'serviceaccounts']) {
      assert.deepEqual(await etcd.getAll().prefix(`/registry/${resource}/${ns}/`).keys(), [], `${resource} left behind`);
    }
  });
});

describe('two registry replicas, KAPI_CONTROLLERS=*,-serviceaccount', { timeout: 300_000 }, () => {
  let stack: TestStack;
  const replicas = ['registry-0', 'registry-1'];
  /** What a replica logged with `msg`, as `controller` fields (or `''`). */
  const logged = (instance: string, msg: string) =>
    readLogLines(logFileOf(statePaths(stack.handle.stateDir), instance))
      .filter((line) => line.msg === msg)
      .map((line) => String(line.controller ?? ''));
  const leaderOf = () => replicas.filter((r) => logged(r, 'elected event publisher').length > 0);
  const namespaceGoesAway = async (ns: string) => {
    assert.equal((await apiRequest(stack, 'POST', '/api/v1/namespaces', { metadata: { name: ns } })).code, 201);
    assert.equal((await apiRequest(stack, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'c' } })).code, 201);
    const deleted = await stack.kubectl(['delete', 'namespace', ns, '--timeout=60s']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal((await apiRequest(stack, 'GET', `/api/v1/namespaces/${ns}`)).code, 404);
  };

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1, replicas: { registry: 2 }, env: { KAPI_CONTROLLERS: '*,-serviceaccount' } });
  });

  after(async () => {
    await stack?.stop();
  });

  it("runs kapi's controllers on the leader only, and the one turned off nowhere", async () => {
    await eventually(() => assert.equal(leaderOf().length, 1));
    const [leader] = leaderOf();
    const standby = replicas.find((r) => r !== leader)!;
    await eventually(() =>
      assert.deepEqual(logged(leader, 'starting controller on the leader').sort(), [
        'garbage-collector-controller',
        'namespace-controller',
        'resourcequota-controller',
        'validatingadmissionpolicy-status-controller',
      ]),
    );
    assert.deepEqual(logged(standby, 'starting controller on the leader'), []);
    for (const replica of replicas) assert.deepEqual(logged(replica, 'controller disabled by KAPI_CONTROLLERS: another controller manager runs it'), ['serviceaccount-controller']);
    // Without the serviceaccount controller a new namespace gets no default ServiceAccount; the
    // namespace controller still empties and removes a deleted one.
    assert.equal((await apiRequest(stack, 'POST', '/api/v1/namespaces', { metadata: { name: 'no-accounts' } })).code, 201);
    await new Promise((r) => setTimeout(r, 3000));
    const accounts = await apiRequest(stack, 'GET', '/api/v1/namespaces/no-accounts/serviceaccounts');
    assert.equal(accounts.code, 200);
    assert.deepEqual((JSON.parse(accounts.body) as { items: unknown[] }).items, []);
    assert.equal((await apiRequest(stack, 'GET', '/api/v1/namespaces/default/serviceaccounts/default')).code, 404);
    await namespaceGoesAway('first');
  });

  it('has the other replica take the controllers over when the leader dies', async () => {
    const [leader] = leaderOf();
    const standby = replicas.find((r) => r !== leader)!;
    await stack.handle.killInstance(leader);
    await eventually(() => assert.ok(logged(standby, 'starting controller on the leader').includes('namespace-controller')));
    await namespaceGoesAway('second');
  });
});
