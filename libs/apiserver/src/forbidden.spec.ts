import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { forbiddenFor } from './forbidden.js';
import { parseRequestInfo } from './request-info.js';

const req = (method: string, url: string) => {
  const u = new URL(url, 'https://kapi.local');
  return parseRequestInfo(method, u.pathname, u.searchParams);
};
const wire = (v: unknown) => JSON.parse(JSON.stringify(v));

describe('forbiddenFor', () => {
  it('names the object, the verb, the resource, the group and the namespace', () => {
    const s = forbiddenFor(req('GET', '/api/v1/namespaces/ns/configmaps/x'), 'u', '').toStatus();
    assert.equal(s.code, 403);
    assert.equal(s.reason, 'Forbidden');
    assert.equal(s.message, 'configmaps "x" is forbidden: User "u" cannot get resource "configmaps" in API group "" in the namespace "ns"');
    assert.deepEqual(wire(s).details, { name: 'x', kind: 'configmaps' });
  });

  it('speaks of the cluster scope for a list across all namespaces', () => {
    const s = forbiddenFor(req('GET', '/api/v1/configmaps'), 'u', '').toStatus();
    assert.equal(s.message, 'configmaps is forbidden: User "u" cannot list resource "configmaps" in API group "" at the cluster scope');
    assert.deepEqual(wire(s).details, { kind: 'configmaps' });
  });

  it('qualifies a grouped resource', () => {
    const err = forbiddenFor(req('DELETE', '/apis/apps/v1/namespaces/ns/deployments'), 'jane', '');
    assert.equal(err.message, 'deployments.apps is forbidden: User "jane" cannot deletecollection resource "deployments" in API group "apps" in the namespace "ns"');
    assert.deepEqual(err.details, { name: undefined, group: 'apps', kind: 'deployments' });
  });

  it('appends the authorizer\'s reason', () => {
    const err = forbiddenFor(req('GET', '/api/v1/namespaces/ns/configmaps/x'), 'u', 'RBAC: role "r" not found');
    assert.equal(err.message, 'configmaps "x" is forbidden: User "u" cannot get resource "configmaps" in API group "" in the namespace "ns": RBAC: role "r" not found');
  });

  it('words a non-resource denial with the path', () => {
    const s = forbiddenFor(req('GET', '/foo'), 'system:anonymous', '').toStatus();
    assert.equal(s.code, 403);
    assert.equal(s.reason, 'Forbidden');
    assert.equal(s.message, 'forbidden: User "system:anonymous" cannot get path "/foo"');
    assert.equal(forbiddenFor(req('POST', '/healthz'), 'u', 'no').message, 'forbidden: User "u" cannot post path "/healthz": no');
  });

  it('names a subresource in the sentence but keeps the Status about the resource, as kube does', () => {
    const err = forbiddenFor(req('PUT', '/api/v1/namespaces/foo/status'), 'u', '');
    assert.equal(err.message, 'namespaces "foo" is forbidden: User "u" cannot update resource "namespaces/status" in API group "" in the namespace "foo"');
    assert.equal(err.details?.kind, 'namespaces');
    assert.equal(
      forbiddenFor(req('PUT', '/apis/apps/v1/namespaces/ns/deployments/web/scale'), 'u', '').message,
      'deployments.apps "web" is forbidden: User "u" cannot update resource "deployments/scale" in API group "apps" in the namespace "ns"',
    );
  });

  it('escapes HTML in the message, as kube\'s sanitizer does', () => {
    // The path as Go's URL.Path holds it: already percent-decoded.
    const err = forbiddenFor(parseRequestInfo('GET', '/<script>', new URLSearchParams()), 'system:anonymous', '');
    assert.equal(err.message, 'forbidden: User "system:anonymous" cannot get path "/&lt;script&gt;"');
  });
});
