import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { isStatusError } from '@kapi/api-machinery';
import { impersonatedUser } from './impersonation.js';

const admin = { username: 'admin', uid: '', groups: ['system:masters', 'system:authenticated'], extra: {} };
const req = (headers: Record<string, string | string[]>) => ({ headers }) as unknown as IncomingMessage;

describe('impersonatedUser', () => {
  it('leaves a request without impersonation headers as it is', async () => {
    assert.equal(await impersonatedUser(req({}), admin, async () => false), admin);
  });

  it('acts as the impersonated user, groups and extras, checking each with the impersonate verb', async () => {
    const checked: string[] = [];
    const user = await impersonatedUser(
      req({ 'impersonate-user': 'jane', 'impersonate-group': ['devs', 'ops'], 'impersonate-extra-scopes': 'view' }),
      admin,
      async (_u, t) => {
        checked.push(`${t.resource}/${t.subresource}:${t.name}`);
        return true;
      },
    );
    assert.deepEqual(checked, ['users/:jane', 'groups/:devs', 'groups/:ops', 'userextras/scopes:view']);
    assert.deepEqual(user, { username: 'jane', uid: '', groups: ['devs', 'ops', 'system:authenticated'], extra: { scopes: { values: ['view'] } } });
  });

  it('checks a service account in its namespace and gives it the service account groups', async () => {
    const user = await impersonatedUser(req({ 'impersonate-user': 'system:serviceaccount:ns:bot' }), admin, async (_u, t) => t.resource === 'serviceaccounts' && t.namespace === 'ns');
    assert.deepEqual(user.groups, ['system:serviceaccounts', 'system:serviceaccounts:ns', 'system:authenticated']);
  });

  it('refuses in kube words when the verb is not granted', async () => {
    await assert.rejects(impersonatedUser(req({ 'impersonate-user': 'root' }), { ...admin, username: 'jane' }, async () => false), (err: unknown) => {
      assert.ok(isStatusError(err));
      assert.equal(err.httpCode, 403);
      assert.equal(err.message, 'users "root" is forbidden: User "jane" cannot impersonate resource "users" in API group "" at the cluster scope');
      return true;
    });
  });

  it('refuses groups without a user', async () => {
    await assert.rejects(impersonatedUser(req({ 'impersonate-group': 'devs' }), admin, async () => true), (err: unknown) => isStatusError(err) && err.httpCode === 400);
  });
});
