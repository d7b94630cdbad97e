import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileBinding, reconcileRole, uncoveredRules } from './reconcile.js';
import type { ClusterRole, RoleBinding } from './types.js';

describe('uncoveredRules (kube validation.Covers)', () => {
  it('breaks what is not granted down to one verb of one resource', () => {
    const owner = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }];
    assert.deepEqual(uncoveredRules(owner, [{ apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['get', 'watch'] }]), [
      { apiGroups: [''], resources: ['pods'], verbs: ['watch'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['watch'] },
    ]);
  });

  it('counts wildcards, */subresource, resource names and URL prefixes as kube does', () => {
    assert.deepEqual(uncoveredRules([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }]), []);
    assert.deepEqual(uncoveredRules([{ apiGroups: ['apps'], resources: ['*/scale'], verbs: ['get'] }], [{ apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get'] }]), []);
    // A named grant does not cover every name; an unnamed one covers a named one.
    assert.equal(uncoveredRules([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'], verbs: ['get'] }], [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]).length, 1);
    assert.deepEqual(uncoveredRules([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }], [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'], verbs: ['get'] }]), []);
    assert.deepEqual(uncoveredRules([{ nonResourceURLs: ['/api/*'], verbs: ['get'] }], [{ nonResourceURLs: ['/api/v1', '/healthz'], verbs: ['get'] }]), [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }]);
  });
});

describe('reconcileRole and reconcileBinding', () => {
  const expected: ClusterRole & { metadata: { annotations: Record<string, string> } } = {
    metadata: { name: 'r', labels: { a: '1' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
  };

  it('changes nothing when the stored role holds the bootstrap one, extras included', () => {
    const stored = { ...structuredClone(expected), rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }] };
    assert.equal(reconcileRole(stored, expected).operation, 'none');
  });

  it('keeps the stored labels and values, adding the missing keys, rules and selectors', () => {
    const stored: ClusterRole = { metadata: { name: 'r', labels: { a: 'mine', b: '2' } }, rules: [] };
    const { operation, object } = reconcileRole(stored, { ...expected, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] } });
    assert.equal(operation, 'update');
    assert.deepEqual(object.metadata, { name: 'r', labels: { a: 'mine', b: '2' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } });
    assert.deepEqual(object.rules, expected.rules);
    assert.deepEqual(object.aggregationRule, { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] });
  });

  it('leaves an object annotated autoupdate=false alone', () => {
    const stored = { metadata: { name: 'r', annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, rules: [] };
    assert.deepEqual(reconcileRole(stored, expected), { operation: 'protected', object: stored });
  });

  it('adds missing subjects once, and replaces a binding whose roleRef differs', () => {
    const binding: RoleBinding = { metadata: { name: 'b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'r' }, subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'g' }] };
    const stored: RoleBinding = { ...structuredClone(binding), subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'u' }] };
    assert.deepEqual(reconcileBinding(stored, binding).object.subjects?.map((s) => s.name), ['u', 'g']);
    assert.equal(reconcileBinding(structuredClone(binding), binding).operation, 'none');
    const other: RoleBinding = { ...structuredClone(binding), roleRef: { ...binding.roleRef, name: 'other' } };
    assert.deepEqual(reconcileBinding(other, binding), { operation: 'recreate', object: binding });
  });
});
