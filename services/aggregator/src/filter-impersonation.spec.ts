import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '@kapi/api-machinery';
import { answerWith, exchange } from '@kapi/apiserver';
import { authzV1, type commonV1 } from '@kapi/proto';
import { impersonationCheck, impersonationFilter } from './filter-impersonation.js';
import { aliceUser, authzAnswering } from './testing-neighbours.js';

const asAlice = { prepare: (r: { user?: commonV1.UserInfo }) => (r.user = aliceUser) };

describe('impersonationFilter', () => {
  it('leaves the authenticated user when nothing is impersonated, without asking authz', async () => {
    const authz = authzAnswering({ decision: authzV1.Decision.DECISION_ALLOW });
    const answered = await exchange<commonV1.UserInfo>([impersonationFilter(impersonationCheck(authz.client)), answerWith('ok')], { path: '/api/v1/pods', ...asAlice });
    assert.deepEqual(answered.request.user, aliceUser);
    assert.equal(authz.authorize.calls.length, 0);
  });

  it('runs the rest of the chain as the impersonated user once authz allows it', async () => {
    const authz = authzAnswering({ decision: authzV1.Decision.DECISION_ALLOW });
    const answered = await exchange<commonV1.UserInfo>([impersonationFilter(impersonationCheck(authz.client)), answerWith('ok')], {
      path: '/api/v1/pods',
      headers: { 'Impersonate-User': 'bob', 'Impersonate-Group': 'testers' },
      ...asAlice,
    });
    assert.deepEqual(answered.request.user, { username: 'bob', uid: '', groups: ['testers', 'system:authenticated'], extra: {} });
    assert.deepEqual(
      authz.authorize.calls.map((c) => [c.user?.username, c.verb, c.resource, c.name]),
      [
        ['alice', 'impersonate', 'users', 'bob'],
        ['alice', 'impersonate', 'groups', 'testers'],
      ],
    );
  });

  it('refuses with kube\'s 403 when the user may not impersonate', async () => {
    const authz = authzAnswering({ decision: authzV1.Decision.DECISION_DENY });
    const answered = await exchange<commonV1.UserInfo>([impersonationFilter(impersonationCheck(authz.client)), answerWith('ok')], { path: '/api/v1/pods', headers: { 'Impersonate-User': 'bob' }, ...asAlice });
    assert.ok(isStatusError(answered.error));
    assert.equal(answered.error.httpCode, 403);
    assert.equal(answered.error.message, 'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope');
  });
});
