import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { nodeRestriction } from './node-restriction.js';
import { attributes, fakeContext, refusal } from './testing.fixture.js';

const kubelet = { username: 'system:node:node-1', groups: ['system:nodes', 'system:authenticated'] };
const nodes = [{ metadata: { name: 'node-1', uid: 'node-1-uid' } }];
const pods = [
  { metadata: { name: 'mine', namespace: 'ns', uid: 'mine-uid' }, spec: { nodeName: 'node-1' } },
  { metadata: { name: 'theirs', namespace: 'ns', uid: 'theirs-uid' }, spec: { nodeName: 'node-2' } },
];
const plugin = () => nodeRestriction(fakeContext({ live: { nodes, pods } }));
const mirror = (spec: Record<string, unknown> = {}, owner: Record<string, unknown> = {}): KubeObject => ({
  metadata: {
    name: 'static-web',
    namespace: 'ns',
    annotations: { 'kubernetes.io/config.mirror': 'hash' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: 'node-1-uid', controller: true, ...owner }],
  },
  spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }], ...spec },
});
const asNode = (a: ReturnType<typeof attributes>) => ({ ...a, user: kubelet });
const message = async (p: Promise<unknown>) => (await refusal(p))[2];

describe('NodeRestriction', () => {
  it('lets a node create its own mirror pods, and nothing else', async () => {
    const p = plugin();
    await p.admit!(asNode(attributes('CREATE', 'pods', { namespace: 'ns', object: mirror() })));
    assert.equal(await message(p.admit!(asNode(attributes('CREATE', 'pods', { namespace: 'ns', object: { metadata: { name: 'x' }, spec: {} } })))), 'pods "x" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node-1" can only create mirror pods');
    assert.equal(await message(p.admit!(asNode(attributes('CREATE', 'pods', { namespace: 'ns', object: mirror({ nodeName: 'node-2' }) })))), 'pods "static-web" is forbidden: node "node-1" can only create pods with spec.nodeName set to itself');
    assert.equal(await message(p.admit!(asNode(attributes('CREATE', 'pods', { namespace: 'ns', object: mirror({}, { uid: 'other' }) })))), 'pods "static-web" is forbidden: node node-1 UID mismatch: expected other got node-1-uid');
    assert.equal(await message(p.admit!(asNode(attributes('CREATE', 'pods', { namespace: 'ns', object: mirror({ volumes: [{ name: 'c', configMap: { name: 'cfg' } }] }) })))), 'pods "static-web" is forbidden: node "node-1" can not create pods that reference configmaps');
    assert.equal(await message(p.admit!(asNode(attributes('UPDATE', 'pods', { namespace: 'ns', name: 'mine', object: pods[0], oldObject: pods[0] })))), 'pods "mine" is forbidden: unexpected operation "UPDATE", node "node-1" can only create and delete mirror pods');
  });

  it('lets a node touch only the pods bound to it: delete, status, eviction', async () => {
    const p = plugin();
    await p.admit!(asNode(attributes('DELETE', 'pods', { namespace: 'ns', name: 'mine', oldObject: pods[0] })));
    assert.equal(await message(p.admit!(asNode(attributes('DELETE', 'pods', { namespace: 'ns', name: 'theirs', oldObject: pods[1] })))), 'pods "theirs" is forbidden: node "node-1" can only delete pods with spec.nodeName set to itself');
    const status = (pod: KubeObject, labels?: Record<string, string>) => ({ ...asNode(attributes('UPDATE', 'pods', { namespace: 'ns', name: pod.metadata!.name, object: { ...pod, metadata: { ...pod.metadata, labels } }, oldObject: pod })), subresource: 'status' });
    await p.admit!(status(pods[0]));
    assert.equal(await message(p.admit!(status(pods[1]))), 'pods "theirs" is forbidden: node "node-1" can only update pod status for pods with spec.nodeName set to itself');
    assert.equal(await message(p.admit!(status(pods[0], { a: 'b' }))), 'pods "mine" is forbidden: node "node-1" cannot update labels through pod status');
    const evict = (name: string) => ({ ...asNode(attributes('CREATE', 'pods', { namespace: 'ns', name, object: { metadata: { name } } })), subresource: 'eviction' });
    await p.admit!(evict('mine'));
    assert.equal(await message(p.admit!(evict('theirs'))), 'pods "theirs" is forbidden: node node-1 can only evict pods with spec.nodeName set to itself');
  });

  it('lets a node write its own Node, without taints or labels a kubelet does not own', async () => {
    const p = plugin();
    const node = (labels: Record<string, string>, taints?: unknown[]) => ({ metadata: { name: 'node-1', labels }, spec: taints ? { taints } : {} });
    await p.admit!(asNode(attributes('CREATE', 'nodes', { object: node({ 'kubernetes.io/hostname': 'node-1', 'node.kubernetes.io/exclude-from-external-load-balancers': '' }) })));
    assert.equal(await message(p.admit!(asNode(attributes('CREATE', 'nodes', { object: node({ 'node-role.kubernetes.io/control-plane': '', 'node-restriction.kubernetes.io/pool': 'a' }) })))), 'nodes "node-1" is forbidden: node "node-1" is not allowed to set the following labels: node-restriction.kubernetes.io/pool, node-role.kubernetes.io/control-plane');
    assert.equal(await message(p.admit!(asNode(attributes('UPDATE', 'nodes', { name: 'node-2', object: node({}), oldObject: node({}) })))), 'nodes "node-2" is forbidden: node "node-1" is not allowed to modify node "node-2"');
    assert.equal(await message(p.admit!(asNode(attributes('UPDATE', 'nodes', { name: 'node-1', object: node({}, []), oldObject: node({}, [{ key: 'a', effect: 'NoSchedule' }]) })))), 'nodes "node-1" is forbidden: node "node-1" is not allowed to modify taints');
    assert.equal(await message(p.admit!(asNode(attributes('UPDATE', 'nodes', { name: 'node-1', object: node({ 'kubernetes.io/role': 'x' }), oldObject: node({}) })))), 'nodes "node-1" is forbidden: is not allowed to modify labels: kubernetes.io/role');
  });

  it('asks tokens to be bound to a pod on the node, and leases, CSINodes and ResourceSlices to be its own', async () => {
    const p = plugin();
    const token = (boundObjectRef?: Record<string, string>) => ({ ...asNode(attributes('CREATE', 'serviceaccounts', { namespace: 'ns', name: 'default', object: { spec: { boundObjectRef } } })), subresource: 'token' });
    await p.admit!(token({ apiVersion: 'v1', kind: 'Pod', name: 'mine', uid: 'mine-uid' }));
    assert.equal(await message(p.admit!(token())), 'serviceaccounts "default" is forbidden: node requested token not bound to a pod');
    assert.equal(await message(p.admit!(token({ apiVersion: 'v1', kind: 'Pod', name: 'mine' }))), 'serviceaccounts "default" is forbidden: node requested token with a pod binding without a uid');
    assert.equal(await message(p.admit!(token({ apiVersion: 'v1', kind: 'Pod', name: 'theirs', uid: 'theirs-uid' }))), 'serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node');
    await p.admit!(asNode(attributes('CREATE', 'leases', { namespace: 'kube-node-lease', object: { metadata: { name: 'node-1' } } })));
    assert.equal(await message(p.admit!(asNode(attributes('UPDATE', 'leases', { namespace: 'default', name: 'node-1', object: {}, oldObject: {} })))), 'leases.coordination.k8s.io "node-1" is forbidden: can only access leases in the "kube-node-lease" system namespace');
    assert.equal(await message(p.admit!(asNode(attributes('UPDATE', 'leases', { namespace: 'kube-node-lease', name: 'node-2', object: {}, oldObject: {} })))), 'leases.coordination.k8s.io "node-2" is forbidden: can only access node lease with the same name as the requesting node');
    assert.equal(await message(p.admit!(asNode(attributes('DELETE', 'csinodes', { name: 'node-2' })))), 'csinodes.storage.k8s.io "node-2" is forbidden: can only access CSINode with the same name as the requesting node');
    assert.equal(await message(p.admit!(asNode(attributes('CREATE', 'resourceslices', { object: { metadata: { name: 's' }, spec: { nodeName: 'node-2' } } })))), 'resourceslices.resource.k8s.io "s" is forbidden: can only create ResourceSlice with the same NodeName as the requesting node');
  });

  it('lets everyone else through, and refuses a node user without a name', async () => {
    const p = plugin();
    assert.equal(await p.admit!(attributes('CREATE', 'pods', { namespace: 'ns', object: { metadata: { name: 'x' } } })), undefined);
    const nameless = { username: 'system:node:', groups: ['system:nodes'] };
    assert.equal(await message(p.admit!({ ...attributes('CREATE', 'pods', { namespace: 'ns', object: { metadata: { name: 'x' } } }), user: nameless })), 'pods "x" is forbidden: could not determine node from user "system:node:"');
  });
});
