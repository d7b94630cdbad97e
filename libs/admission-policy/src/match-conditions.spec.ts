import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AdmissionAttributes } from '@kapi/admission-chain';
import { CelMatchConditionEvaluator, matchConditionEvaluator } from './match-conditions.js';

const attributes: AdmissionAttributes = {
  operation: 'CREATE',
  kind: { group: '', version: 'v1', kind: 'ConfigMap' },
  resource: { group: '', version: 'v1', resource: 'configmaps', namespace: 'ns' },
  subresource: '',
  name: 'c',
  user: { username: 'alice', groups: ['dev'] },
  dryRun: false,
};
const request = {
  kind: { group: '', version: 'v1', kind: 'ConfigMap' },
  resource: { group: '', version: 'v1', resource: 'configmaps' },
  requestKind: { group: '', version: 'v1', kind: 'ConfigMap' },
  requestResource: { group: '', version: 'v1', resource: 'configmaps' },
  name: 'c',
  namespace: 'ns',
  operation: 'CREATE',
  userInfo: { username: 'alice', groups: ['dev'] },
  dryRun: false,
  options: null,
};
const input = { object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { tier: 'web' } } }, oldObject: undefined, request, attributes };

describe('CelMatchConditionEvaluator', () => {
  it('gives one result per condition: its value, or its error in kube\'s words', async () => {
    const conditions = [
      { name: 'web', expression: "object.metadata.labels.tier == 'web'" },
      { name: 'user', expression: "request.userInfo.username == 'bob'" },
      { name: 'broken', expression: 'object.metadata.labels.missing == "x"' },
      { name: 'not-bool', expression: '1 + 1' },
    ];
    assert.deepEqual(await new CelMatchConditionEvaluator().evaluate(conditions, input), [
      { name: 'web', value: true },
      { name: 'user', value: false },
      { name: 'broken', error: `expression 'object.metadata.labels.missing == "x"' resulted in error: no such key: missing` },
      { name: 'not-bool', error: 'compilation error: must evaluate to bool but got int' },
    ]);
  });

  it('asks the authorizer for checks, as the requesting user', async () => {
    const evaluator = new CelMatchConditionEvaluator({ authorize: async (r) => ({ decision: r.user.groups.includes('dev') && r.verb === 'get' ? 'Allow' : 'Deny', reason: '' }) });
    const results = await evaluator.evaluate([{ name: 'authz', expression: "authorizer.group('').resource('secrets').namespace('ns').check('get').allowed()" }], input);
    assert.deepEqual(results, [{ name: 'authz', value: true }]);
  });

  it('is made ready for the webhook plugins from the admission service\'s authorizer', async () => {
    const asked: string[] = [];
    const authorizer = { decide: async (r: { user: { username: string }; verb: string; resource?: string }) => (asked.push(`${r.user.username} ${r.verb} ${r.resource}`), { decision: 'Deny' as const, reason: 'no rule' }) };
    const condition = [{ name: 'authz', expression: "authorizer.group('').resource('secrets').check('list').reason() == 'no rule'" }];
    assert.deepEqual(await matchConditionEvaluator(authorizer).evaluate(condition, input), [{ name: 'authz', value: true }]);
    assert.deepEqual(asked, ['alice list secrets']);
    const [unauthorized] = await matchConditionEvaluator().evaluate(condition, input);
    assert.ok('error' in unauthorized);
  });
});
