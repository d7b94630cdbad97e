// Garbage collection by ownerReferences with each propagation policy, through kubectl.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startTestStack, type TestStack } from './harness.js';

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
