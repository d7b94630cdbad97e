import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isExemptAdmissionConfigurationResource, requestNamespace, ruleMatches, type RuleTarget } from './rules.js';
import type { RuleWithOperations } from './types.js';

const pods: RuleTarget = { operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'pods' }, subresource: '', namespace: 'team' };
const rule = (overrides: Partial<RuleWithOperations> = {}): RuleWithOperations => ({
  operations: ['CREATE'],
  apiGroups: [''],
  apiVersions: ['v1'],
  resources: ['pods'],
  scope: '*',
  ...overrides,
});

describe('ruleMatches', () => {
  it('matches when operation, group, version and resource all do', () => {
    assert.equal(ruleMatches(rule(), pods), true);
    assert.equal(ruleMatches(rule({ operations: ['UPDATE'] }), pods), false);
    assert.equal(ruleMatches(rule({ apiGroups: ['apps'] }), pods), false);
    assert.equal(ruleMatches(rule({ apiVersions: ['v2'] }), pods), false);
    assert.equal(ruleMatches(rule({ resources: ['services'] }), pods), false);
  });

  it('takes * for any operation, group, version and resource', () => {
    const any = rule({ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] });
    assert.equal(ruleMatches(any, { ...pods, operation: 'DELETE', resource: { group: 'apps', version: 'v1', resource: 'deployments' } }), true);
    // `*` alone names no subresource.
    assert.equal(ruleMatches(any, { ...pods, subresource: 'status' }), false);
  });

  it('matches subresources by name, by resource/* and by */subresource; */* matches everything', () => {
    const status = { ...pods, subresource: 'status' };
    assert.equal(ruleMatches(rule({ resources: ['pods/status'] }), status), true);
    assert.equal(ruleMatches(rule({ resources: ['pods/status'] }), pods), false);
    assert.equal(ruleMatches(rule({ resources: ['pods'] }), status), false);
    assert.equal(ruleMatches(rule({ resources: ['pods/*'] }), status), true);
    assert.equal(ruleMatches(rule({ resources: ['pods/*'] }), pods), true);
    assert.equal(ruleMatches(rule({ resources: ['*/status'] }), status), true);
    assert.equal(ruleMatches(rule({ resources: ['*/status'] }), { ...status, subresource: 'binding' }), false);
    assert.equal(ruleMatches(rule({ resources: ['*/*'] }), { ...status, subresource: 'binding' }), true);
    assert.equal(ruleMatches(rule({ resources: ['*/*'] }), pods), true);
  });

  it('scopes Namespaced to namespaced objects and Cluster to the others, a Namespace being cluster-scoped', () => {
    const node: RuleTarget = { ...pods, resource: { group: '', version: 'v1', resource: 'nodes' }, namespace: '' };
    const namespace: RuleTarget = { ...pods, resource: { group: '', version: 'v1', resource: 'namespaces' }, namespace: 'team' };
    const any = rule({ resources: ['*'] });
    assert.equal(ruleMatches({ ...any, scope: 'Namespaced' }, pods), true);
    assert.equal(ruleMatches({ ...any, scope: 'Namespaced' }, node), false);
    assert.equal(ruleMatches({ ...any, scope: 'Namespaced' }, namespace), false);
    assert.equal(ruleMatches({ ...any, scope: 'Cluster' }, pods), false);
    assert.equal(ruleMatches({ ...any, scope: 'Cluster' }, node), true);
    assert.equal(ruleMatches({ ...any, scope: 'Cluster' }, namespace), true);
    assert.equal(ruleMatches({ ...any, scope: undefined }, node), true);
    assert.equal(ruleMatches({ ...any, scope: 'Elsewhere' }, node), false);
  });

  it('matches no operation, group or resource when the rule lists none', () => {
    assert.equal(ruleMatches(rule({ operations: [] }), pods), false);
    assert.equal(ruleMatches(rule({ apiGroups: undefined }), pods), false);
    assert.equal(ruleMatches(rule({ resources: [] }), pods), false);
  });
});

describe('requestNamespace', () => {
  it("is the request's namespace, and a Namespace's own name for namespaces, as kube-apiserver sends it", () => {
    assert.equal(requestNamespace({ resource: { group: '', version: 'v1', resource: 'pods', namespace: 'team' }, name: 'p' }), 'team');
    assert.equal(requestNamespace({ resource: { group: '', version: 'v1', resource: 'nodes', namespace: '' }, name: 'n' }), '');
    assert.equal(requestNamespace({ resource: { group: '', version: 'v1', resource: 'namespaces', namespace: '' }, name: 'team' }), 'team');
  });
});

describe('isExemptAdmissionConfigurationResource', () => {
  it('exempts webhook configurations and admission policies, nothing else', () => {
    for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding']) {
      assert.equal(isExemptAdmissionConfigurationResource({ group: 'admissionregistration.k8s.io', version: 'v1', kind }), true, kind);
    }
    assert.equal(isExemptAdmissionConfigurationResource({ group: 'admissionregistration.k8s.io', version: 'v1', kind: 'Other' }), false);
    assert.equal(isExemptAdmissionConfigurationResource({ group: 'example.com', version: 'v1', kind: 'ValidatingWebhookConfiguration' }), false);
  });
});
