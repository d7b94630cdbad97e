import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admissionRequest } from './admission-review.js';
import { evaluateMatchConditions, type MatchConditionEvaluator, type MatchConditionResult } from './match-conditions.js';
import { configMap, request, testMetrics } from './test-support.fixture.js';

const conditions = [
  { name: 'first', expression: 'a' },
  { name: 'second', expression: 'b' },
];
const evaluator = (results: MatchConditionResult[] | Error): MatchConditionEvaluator => ({
  evaluate: async () => {
    if (results instanceof Error) throw results;
    return results;
  },
});

function run(e: MatchConditionEvaluator | undefined, failurePolicy: string) {
  const m = testMetrics();
  const attributes = request('CREATE', configMap());
  const input = {
    object: attributes.object,
    oldObject: undefined,
    request: admissionRequest(attributes, { kind: attributes.kind, resource: { group: '', version: 'v1', resource: 'configmaps' }, subresource: '' }),
    attributes,
  };
  let t = 0;
  const outcome = evaluateMatchConditions(e, conditions, input, { webhookName: 'w.example.com', failurePolicy, step: 'validating', metrics: m.metrics, now: () => (t += 2) });
  return { outcome, m };
}

describe('evaluateMatchConditions', () => {
  it('matches when every condition is true, observing no time (as kube)', async () => {
    const { outcome, m } = run(evaluator([{ name: 'first', value: true }, { name: 'second', value: true }]), 'Fail');
    assert.deepEqual(await outcome, { matches: true });
    assert.deepEqual(m.lines('apiserver_admission_match_condition_evaluation_seconds_count'), []);
  });

  it('skips the webhook on a false condition, even beside errors and under Fail', async () => {
    const { outcome, m } = run(evaluator([{ name: 'first', error: "expression 'a' resulted in error: no such key: a" }, { name: 'second', value: false }]), 'Fail');
    assert.deepEqual(await outcome, { matches: false, failedCondition: 'second' });
    assert.deepEqual(m.lines('apiserver_admission_match_condition_evaluation_errors_total'), [
      'apiserver_admission_match_condition_evaluation_errors_total{kind="webhook",name="w.example.com",operation="CREATE",type="validating"} 1',
    ]);
    assert.deepEqual(m.lines('apiserver_admission_match_condition_evaluation_seconds_count'), [
      'apiserver_admission_match_condition_evaluation_seconds_count{kind="webhook",name="w.example.com",operation="CREATE",type="validating"} 1',
    ]);
  });

  it('fails under Fail with the errors aggregated, and skips under Ignore', async () => {
    const errors: MatchConditionResult[] = [
      { name: 'first', error: "expression 'object.metadata.labels.nokey == 'x'' resulted in error: no such key: nokey" },
      { name: 'second', error: "expression 'object.data.zzz == 'y'' resulted in error: no such key: zzz" },
    ];
    // As a reference kube-apiserver words two failing conditions.
    assert.deepEqual(await run(evaluator(errors), 'Fail').outcome, {
      error: "[expression 'object.metadata.labels.nokey == 'x'' resulted in error: no such key: nokey, expression 'object.data.zzz == 'y'' resulted in error: no such key: zzz]",
    });
    assert.deepEqual(await run(evaluator(errors.slice(0, 1)), 'Fail').outcome, { error: "expression 'object.metadata.labels.nokey == 'x'' resulted in error: no such key: nokey" });
    assert.deepEqual(await run(evaluator(errors), 'Ignore').outcome, { matches: false });
  });

  it('follows the failure policy when the conditions cannot be evaluated at all, or no evaluator is configured', async () => {
    const budget = new Error('validation failed due to running out of cost budget, no further validation rules will be run');
    assert.deepEqual(await run(evaluator(budget), 'Fail').outcome, { error: budget.message });
    assert.deepEqual(await run(evaluator(budget), 'Ignore').outcome, { matches: false });
    assert.deepEqual(await run(undefined, 'Fail').outcome, { error: 'match conditions cannot be evaluated: no CEL evaluator is configured' });
  });
});
