// The registry at scale: three replicas bootstrapping at once write each bootstrap object exactly
// once, and deleting a namespace that holds 500 objects empties it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from '@kapi/authorization';
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
