import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '@kapi/api-machinery';
import { answerWith, exchange, InternalError } from '@kapi/apiserver';
import { authzV1, type commonV1 } from '@kapi/proto';
import { authorizationFilter } from './filter-authorization.js';
import { aliceUser, authzAnswering } from './testing-neighbours.js';

const asAlice = { prepare: (r: { user?: commonV1.UserInfo }) => (r.user = aliceUser) };

describe('authorizationFilter', () => {
  it('asks authz with the request\'s attributes and runs the rest when allowed', async () => {
    const authz = authzAnswering({ decision: authzV1.Decision.DECISION_ALLOW });
    const answered = await exchange<commonV1.UserInfo>([authorizationFilter(authz.client), answerWith('ok')], { method: 'PATCH', path: '/apis/apps/v1/namespaces/a/deployments/d/scale', ...asAlice });
    assert.equal(answered.body, 'ok');
    assert.deepEqual(authz.authorize.calls, [
      { user: aliceUser, verb: 'patch', resourceRequest: true, apiGroup: 'apps', apiVersion: 'v1', resource: 'deployments', subresource: 'scale', namespace: 'a', name: 'd', path: '/apis/apps/v1/namespaces/a/deployments/d/scale' },
    ]);
  });

  it('refuses with kube\'s 403 wording when nobody allows', async () => {
    const authz = authzAnswering({ decision: authzV1.Decision.DECISION_DENY, reason: '' });
    const answered = await exchange<commonV1.UserInfo>([authorizationFilter(authz.client), answerWith('ok')], { path: '/api/v1/namespaces', ...asAlice });
    assert.ok(isStatusError(answered.error));
    assert.equal(answered.error.httpCode, 403);
    assert.equal(answered.error.message, 'namespaces is forbidden: User "alice" cannot list resource "namespaces" in API group "" at the cluster scope');
  });

  it('names a non-resource path as kube does', async () => {
    const authz = authzAnswering({ decision: authzV1.Decision.DECISION_NO_OPINION });
    const answered = await exchange<commonV1.UserInfo>([authorizationFilter(authz.client), answerWith('ok')], { path: '/metrics', ...asAlice });
    assert.ok(isStatusError(answered.error));
    assert.equal(answered.error.message, 'forbidden: User "alice" cannot get path "/metrics"');
  });

  it('is kube\'s internal error when an authorizer could not decide and nobody allowed', async () => {
    const authz = authzAnswering({ decision: authzV1.Decision.DECISION_NO_OPINION, evaluationError: 'webhook: connection refused' });
    const answered = await exchange<commonV1.UserInfo>([authorizationFilter(authz.client), answerWith('ok')], { path: '/api/v1/pods', ...asAlice });
    assert.ok(answered.error instanceof InternalError);
    assert.equal(answered.error.message, 'webhook: connection refused');
  });
});
