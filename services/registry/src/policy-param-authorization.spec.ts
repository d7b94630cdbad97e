// Who may point an admission policy at params: the questions asked of the authorizer and the
// refusals, in the words kube-apiserver v1.34.2 used for a user without the permission.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError, toStatus, type KubeObject } from '@kapi/api-machinery';
import type { UserInfo, WriteContext } from '@kapi/generic-registry';
import { KindCatalogue, servedStrategies } from '@kapi/kinds';
import { bindingParamHooks, goUser, policyParamHooks } from './policy-param-authorization.js';

const alice: UserInfo = { username: 'alice', uid: '', groups: ['dev', 'system:authenticated'], extra: {} };
const ctx = (user: UserInfo): WriteContext => ({ user, dryRun: false, fieldManager: 'kubectl' });
const catalogue = new KindCatalogue(servedStrategies({}));
const policy = (paramKind?: object): KubeObject => ({ metadata: { name: 'p' }, spec: { ...(paramKind ? { paramKind } : {}) } });
const binding = (paramRef: object, policyName = 'p'): KubeObject => ({ metadata: { name: 'b' }, spec: { policyName, paramRef } });

async function refusal(check: Promise<void> | undefined): Promise<string | undefined> {
  try {
    await check;
    return undefined;
  } catch (err) {
    if (isStatusError(err)) return toStatus(err).message;
    throw err;
  }
}

describe('param authorization of admission policies', () => {
  it('prints the user as kube prints its user.DefaultInfo', () => {
    assert.equal(goUser(alice), '&{alice  [dev system:authenticated] map[]}');
    assert.equal(goUser({ ...alice, uid: 'u1', extra: { scopes: { values: ['a', 'b'] }, az: { values: ['x'] } } }), '&{alice u1 [dev system:authenticated] map[az:[x] scopes:[a b]]}');
  });

  it('asks for "get" on every object of a new paramKind, and refuses in kube\'s words', async () => {
    const asked: unknown[] = [];
    const hooks = policyParamHooks('ValidatingAdmissionPolicy', catalogue, async (_u, a) => (asked.push(a), false));
    const paramKind = { apiVersion: 'v1', kind: 'ConfigMap' };
    assert.equal(
      await refusal(hooks.checkWrite!(policy(paramKind), undefined, ctx(alice))),
      'ValidatingAdmissionPolicy.admissionregistration.k8s.io "p" is invalid: spec.paramKind: Forbidden: user &{alice  [dev system:authenticated] map[]} must have "get" permission on all objects of the referenced paramKind (kind=ConfigMap, apiVersion=v1)',
    );
    assert.deepEqual(asked, [{ verb: 'get', resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource: 'configmaps', subresource: '', namespace: '*', name: '*', path: '' }]);
    // Nothing to ask without a paramKind, or when it is unchanged.
    assert.equal(await refusal(hooks.checkWrite!(policy(), undefined, ctx(alice))), undefined);
    assert.equal(await refusal(hooks.checkWrite!(policy(paramKind), policy(paramKind), ctx(alice))), undefined);
    assert.equal(asked.length, 1);
  });

  it('asks for "get" on the named param, or "list" for a selector, in the bound policy\'s param kind', async () => {
    const asked: unknown[] = [];
    const withParams = policy({ apiVersion: 'v1', kind: 'ConfigMap' });
    const hooks = bindingParamHooks('ValidatingAdmissionPolicyBinding', catalogue, async (_u, a) => (asked.push(a), false), async (name) => (name === 'p' ? withParams : undefined));
    assert.equal(
      await refusal(hooks.checkWrite!(binding({ name: 'x', namespace: 'default', parameterNotFoundAction: 'Allow' }), undefined, ctx(alice))),
      'ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io "b" is invalid: spec.paramRef: Forbidden: user &{alice  [dev system:authenticated] map[]} does not have "get" permission on the object referenced by paramRef',
    );
    assert.equal(
      await refusal(hooks.checkWrite!(binding({ selector: {}, parameterNotFoundAction: 'Allow' }, 'nope'), undefined, ctx(alice))),
      'ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io "b" is invalid: spec.paramRef: Forbidden: unable to get policy nope to determine minimum required permissions and user &{alice  [dev system:authenticated] map[]} does not have "list" permission for all groups, versions and resources',
    );
    assert.deepEqual(asked, [
      { verb: 'get', resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource: 'configmaps', subresource: '', namespace: 'default', name: 'x', path: '' },
      { verb: 'list', resourceRequest: true, apiGroup: '*', apiVersion: '*', resource: '*', subresource: '', namespace: '', name: '', path: '' },
    ]);
  });

  it('lets the write through when the authorizer allows it', async () => {
    const hooks = policyParamHooks('MutatingAdmissionPolicy', catalogue, async () => true);
    assert.equal(await refusal(hooks.checkWrite!(policy({ apiVersion: 'example.com/v1', kind: 'Widget' }), undefined, ctx(alice))), undefined);
  });
});
