import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { namespaceLifecycle } from './namespace-lifecycle.js';
import { attributes, fakeContext, refusal } from './testing.fixture.js';

const ns = (name: string, phase = 'Active'): KubeObject => ({ metadata: { name }, status: { phase } });
const cm = { metadata: { name: 'cm' } };

describe('NamespaceLifecycle', () => {
  it('lets content into an active namespace, and refuses a missing one with 404 after a live lookup', async () => {
    const context = fakeContext({ cached: { namespaces: [ns('apps')] } });
    const plugin = namespaceLifecycle(context);
    assert.equal(await plugin.admit!(attributes('CREATE', 'configmaps', { namespace: 'apps', object: cm })), undefined);
    assert.deepEqual(await refusal(plugin.admit!(attributes('CREATE', 'configmaps', { namespace: 'nope', object: cm }))), [404, 'NotFound', 'namespaces "nope" not found']);
    assert.deepEqual(context.liveReads, ['get namespaces /nope']);
  });

  it('finds a namespace its informer has not seen yet by reading it live', async () => {
    const context = fakeContext({ live: { namespaces: [ns('fresh')] } });
    assert.equal(await namespaceLifecycle(context).admit!(attributes('CREATE', 'configmaps', { namespace: 'fresh', object: cm })), undefined);
  });

  it('refuses new content in a terminating namespace with kube\'s message and cause', async () => {
    const plugin = namespaceLifecycle(fakeContext({ cached: { namespaces: [ns('going', 'Terminating')] } }));
    const a = attributes('CREATE', 'configmaps', { namespace: 'going', object: { metadata: { generateName: 'cm-' } } });
    const err = await plugin.admit!(a).catch((e) => e);
    assert.equal(err.httpCode, 403);
    assert.equal(err.message, 'configmaps "cm-" is forbidden: unable to create new content in namespace going because it is being terminated');
    assert.deepEqual(err.details.causes, [{ reason: 'NamespaceTerminating', message: 'namespace going is being terminated', field: 'metadata.namespace' }]);
    // Updates and deletes of what is there go on.
    assert.equal(await plugin.admit!(attributes('UPDATE', 'configmaps', { namespace: 'going', object: cm, oldObject: cm })), undefined);
    assert.equal(await plugin.admit!(attributes('DELETE', 'configmaps', { namespace: 'going', name: 'cm', oldObject: cm })), undefined);
  });

  it('never lets the immortal namespaces be deleted', async () => {
    const plugin = namespaceLifecycle(fakeContext());
    for (const name of ['default', 'kube-system', 'kube-public']) {
      assert.deepEqual(await refusal(plugin.admit!(attributes('DELETE', 'namespaces', { name }))), [403, 'Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`]);
    }
    assert.equal(await plugin.admit!(attributes('DELETE', 'namespaces', { name: 'kube-node-lease' })), undefined);
  });

  it('reads a namespace live for a while after seeing it deleted, when its cache still says Active', async () => {
    let now = 1_000;
    const context = fakeContext({ cached: { namespaces: [ns('team')] }, live: { namespaces: [ns('team', 'Terminating')] }, now: () => now });
    const plugin = namespaceLifecycle(context);
    await plugin.admit!(attributes('DELETE', 'namespaces', { name: 'team' }));
    const create = () => plugin.admit!(attributes('CREATE', 'configmaps', { namespace: 'team', object: cm }));
    assert.equal((await refusal(create()))[0], 403);
    now += 31_000;
    assert.equal(await create(), undefined);
  });

  it('lets cluster-scoped resources and namespaces themselves through', async () => {
    const plugin = namespaceLifecycle(fakeContext());
    assert.equal(await plugin.admit!(attributes('CREATE', 'namespaces', { object: ns('new') })), undefined);
    assert.equal(await plugin.admit!(attributes('CREATE', 'nodes', { object: { metadata: { name: 'n' } } })), undefined);
  });

  it('is not ready to decide before its informer has listed', async () => {
    const plugin = namespaceLifecycle(fakeContext({ unsynced: ['namespaces'] }));
    assert.deepEqual(await refusal(plugin.admit!(attributes('CREATE', 'configmaps', { namespace: 'a', object: cm }))), [403, 'Forbidden', 'configmaps "cm" is forbidden: not yet ready to handle request']);
  });
});
