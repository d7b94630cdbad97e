// Garbage collection by ownerReferences with each propagation policy, through kubectl.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiRequest, eventually, startTestStack, type TestStack } from './harness.js';

describe('garbage collection', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1 });
    await stack.kubectl(['create', 'namespace', 'gc']);
  });

  after(async () => {
    await stack?.stop();
  });

  const uidOf = async (name: string) => JSON.parse((await stack.kubectl(['-n', 'gc', 'get', 'cm', name, '-o', 'json'])).stdout).metadata.uid as string;
  const exists = async (name: string) => (await stack.kubectl(['-n', 'gc', 'get', 'cm', name, '-o', 'name'])).code === 0;
  const createOwned = async (name: string, owners: { name: string; uid: string }[]) => {
    const res = await stack.kubectl(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: 'gc', ownerReferences: owners.map((o) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: o.name, uid: o.uid, blockOwnerDeletion: true })) },
      }),
    });
    assert.equal(res.code, 0, res.stderr);
  };
  const owner = async (name: string) => {
    await stack.kubectl(['-n', 'gc', 'create', 'configmap', name]);
    return { name, uid: await uidOf(name) };
  };

  it('deletes the dependents of a deleted owner (Background, kubectl\'s default)', async () => {
    const o = await owner('bg-owner');
    await createOwned('bg-a', [o]);
    await createOwned('bg-b', [o]);
    assert.equal((await stack.kubectl(['-n', 'gc', 'delete', 'cm', 'bg-owner'])).stdout, 'configmap "bg-owner" deleted\n');
    await eventually(async () => {
      assert.equal(await exists('bg-a'), false);
      assert.equal(await exists('bg-b'), false);
    });
  });

  it('keeps a dependent that still has a live owner, without the dead one', async () => {
    const dead = await owner('two-dead');
    const live = await owner('two-live');
    await createOwned('two-dep', [dead, live]);
    await stack.kubectl(['-n', 'gc', 'delete', 'cm', 'two-dead']);
    await eventually(async () => {
      const dep = JSON.parse((await stack.kubectl(['-n', 'gc', 'get', 'cm', 'two-dep', '-o', 'json'])).stdout);
      assert.deepEqual(dep.metadata.ownerReferences.map((r: { name: string }) => r.name), ['two-live']);
    });
  });

  it('orphans the dependents with --cascade=orphan', async () => {
    const o = await owner('orphan-owner');
    await createOwned('orphan-dep', [o]);
    const res = await stack.kubectl(['-n', 'gc', 'delete', 'cm', 'orphan-owner', '--cascade=orphan']);
    assert.equal(res.stdout, 'configmap "orphan-owner" deleted\n', res.stderr);
    assert.equal(await exists('orphan-owner'), false);
    const dep = JSON.parse((await stack.kubectl(['-n', 'gc', 'get', 'cm', 'orphan-dep', '-o', 'json'])).stdout);
    assert.equal(dep.metadata.ownerReferences, undefined);
  });

  it('orphans by default where kube does for compatibility: a v1 ReplicationController, a batch/v1 Job with a warning', async () => {
    const rc = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'legacy', namespace: 'gc' }, spec: { replicas: 0, selector: { app: 'legacy' }, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } };
    const created = await apiRequest(stack, 'POST', '/api/v1/namespaces/gc/replicationcontrollers', rc);
    assert.equal(created.code, 201, created.body);
    const uid = JSON.parse(created.body).metadata.uid as string;
    const dep = await stack.kubectl(['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rc-dep', namespace: 'gc', ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'legacy', uid }] } }),
    });
    assert.equal(dep.code, 0, dep.stderr);
    // No propagationPolicy in the request: kube's default for core/v1 ReplicationControllers is to orphan.
    const deleted = await apiRequest(stack, 'DELETE', '/api/v1/namespaces/gc/replicationcontrollers/legacy');
    assert.equal(deleted.code, 200, deleted.body);
    await eventually(async () => assert.equal((await stack.kubectl(['-n', 'gc', 'get', 'rc', 'legacy', '-o', 'name'])).code, 1));
    const orphan = JSON.parse((await stack.kubectl(['-n', 'gc', 'get', 'cm', 'rc-dep', '-o', 'json'])).stdout);
    assert.equal(orphan.metadata.ownerReferences, undefined);

    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'legacy-job', namespace: 'gc' }, spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } };
    assert.equal((await apiRequest(stack, 'POST', '/apis/batch/v1/namespaces/gc/jobs', job)).code, 201);
    const jobDeleted = await apiRequest(stack, 'DELETE', '/apis/batch/v1/namespaces/gc/jobs/legacy-job');
    assert.equal(jobDeleted.code, 200, jobDeleted.body);
    assert.match(String(jobDeleted.headers.warning), /^299 - "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning"$/);
    assert.deepEqual(JSON.parse(jobDeleted.body).metadata.finalizers, ['orphan']);
  });

  it('deletes the dependents before the owner with --cascade=foreground, down a chain', async () => {
    const o = await owner('fg-owner');
    await createOwned('fg-child', [o]);
    await createOwned('fg-grandchild', [{ name: 'fg-child', uid: await uidOf('fg-child') }]);
    const res = await stack.kubectl(['-n', 'gc', 'delete', 'cm', 'fg-owner', '--cascade=foreground']);
    assert.equal(res.stdout, 'configmap "fg-owner" deleted\n', res.stderr);
    for (const name of ['fg-owner', 'fg-child', 'fg-grandchild']) assert.equal(await exists(name), false, name);
  });

  it('collects a dependent whose owner never existed', async () => {
    await createOwned('stray', [{ name: 'nobody', uid: '00000000-0000-4000-8000-000000000000' }]);
    await eventually(async () => assert.equal(await exists('stray'), false));
  });
});
