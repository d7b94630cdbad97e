import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { requestAttributes } from './attributes.fixture.js';
import type { RequestAttributes } from './authorizer.js';
import { nodeAuthorizer, nodeIdentity } from './node-authorizer.js';

const kubelet = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const asNode = (over: Partial<RequestAttributes>) => nodeAuthorizer.authorize(requestAttributes({ user: kubelet, ...over }));

describe('nodeIdentity', () => {
  it('is the name after system:node: for a member of system:nodes', () => {
    assert.equal(nodeIdentity(kubelet), 'n1');
    assert.equal(nodeIdentity({ username: 'system:node:', groups: ['system:nodes'] }), '');
    assert.equal(nodeIdentity({ username: 'system:node:n1', groups: ['system:authenticated'] }), undefined);
    assert.equal(nodeIdentity({ username: 'alice', groups: ['system:nodes'] }), undefined);
  });
});

describe('nodeAuthorizer', () => {
  it('has no opinion on users that are not nodes, and names a node without a name', async () => {
    assert.deepEqual(await nodeAuthorizer.authorize(requestAttributes()), { decision: 'NoOpinion', reason: '' });
    assert.deepEqual(await nodeAuthorizer.authorize(requestAttributes({ user: { username: 'system:node:', groups: ['system:nodes'] } })), {
      decision: 'NoOpinion',
      reason: 'unknown node for user "system:node:"',
    });
  });

  it("allows what kube's node rules allow: reading services, writing events, creating reviews", async () => {
    assert.equal((await asNode({ verb: 'watch', resource: 'services', name: '' })).decision, 'Allow');
    assert.equal((await asNode({ verb: 'create', resource: 'events', name: '' })).decision, 'Allow');
    assert.equal((await asNode({ verb: 'get', resource: 'endpoints', name: 'kubernetes' })).decision, 'Allow');
    assert.equal((await asNode({ verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'subjectaccessreviews', namespace: '', name: '' })).decision, 'Allow');
    assert.equal((await asNode({ verb: 'list', apiGroup: 'node.k8s.io', resource: 'runtimeclasses', namespace: '', name: '' })).decision, 'Allow');
    assert.deepEqual(await asNode({ verb: 'delete', resource: 'services' }), { decision: 'NoOpinion', reason: '' });
    assert.deepEqual(await asNode({ verb: 'list', resource: 'namespaces', namespace: '', name: '' }), { decision: 'NoOpinion', reason: '' });
  });

  it('reads secrets and configmaps only through pods bound to the node, of which there are none', async () => {
    assert.deepEqual(await asNode({ verb: 'get', resource: 'secrets', name: 'creds' }), { decision: 'NoOpinion', reason: "no relationship found between node 'n1' and this object" });
    assert.deepEqual(await asNode({ verb: 'list', resource: 'configmaps', name: '' }), { decision: 'NoOpinion', reason: 'No Object name found' });
    assert.deepEqual(await asNode({ verb: 'delete', resource: 'configmaps' }), { decision: 'NoOpinion', reason: 'can only read resources of this type' });
    assert.deepEqual(await asNode({ verb: 'get', resource: 'secrets', namespace: '', name: 'x' }), { decision: 'NoOpinion', reason: 'can only read namespaced object of this type' });
  });

  it('creates service-account tokens only for pods bound to the node', async () => {
    assert.deepEqual(await asNode({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', name: 'default' }), {
      decision: 'NoOpinion',
      reason: "no relationship found between node 'n1' and this object",
    });
    assert.deepEqual(await asNode({ verb: 'get', resource: 'serviceaccounts', name: 'default' }), { decision: 'NoOpinion', reason: 'can only create tokens for individual service accounts' });
  });

  it('manages its own lease in kube-node-lease, and no other', async () => {
    const lease = (over: Partial<RequestAttributes>) => asNode({ apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n1', ...over });
    assert.equal((await lease({ verb: 'update' })).decision, 'Allow');
    assert.equal((await lease({ verb: 'create', name: '' })).decision, 'Allow');
    assert.deepEqual(await lease({ verb: 'get', name: 'n2' }), { decision: 'NoOpinion', reason: 'can only access node lease with the same name as the requesting node' });
    assert.deepEqual(await lease({ verb: 'get', namespace: 'default' }), { decision: 'NoOpinion', reason: 'can only access leases in the "kube-node-lease" system namespace' });
    assert.deepEqual(await lease({ verb: 'list', name: '' }), { decision: 'NoOpinion', reason: 'can only get, create, update, patch, or delete a node lease' });
  });
});
