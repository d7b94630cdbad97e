import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { validatingAdmissionPolicyBindingStrategy as strategy } from './strategy.js';

const binding = (spec: Record<string, unknown>): KubeObject => ({ metadata: { name: 'b' }, spec });
const errors = (spec: Record<string, unknown>) => strategy.validate(binding(spec)).map(renderFieldError);

describe('validatingAdmissionPolicyBindingStrategy', () => {
  it('requires a policy name and validation actions', () => {
    assert.deepEqual(errors({}), ['spec.policyName: Required value', 'spec.validationActions: Required value: at least one validation action is required']);
    assert.deepEqual(errors({ policyName: 'p', validationActions: ['Deny'] }), []);
  });

  it('refuses unknown, repeated and contradictory actions', () => {
    assert.deepEqual(errors({ policyName: 'p', validationActions: ['Deny', 'Deny', 'Block'] }), [
      'spec.validationActions[1]: Duplicate value: "Deny"',
      'spec.validationActions[2]: Unsupported value: "Block": supported values: "Audit", "Deny", "Warn"',
    ]);
    assert.match(errors({ policyName: 'p', validationActions: ['Deny', 'Warn'] })[0], /must not contain both Deny and Warn/);
  });

  it('wants parameterNotFoundAction with a paramRef', () => {
    assert.deepEqual(errors({ policyName: 'p', validationActions: ['Audit'], paramRef: { name: 'x' } }), ['spec.paramRef.parameterNotFoundAction: Required value']);
  });

  it('prints NAME POLICYNAME PARAMREF AGE', () => {
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), ['Name', 'PolicyName', 'ParamRef', 'Age']);
    const cells = (spec: Record<string, unknown>) => strategy.tableColumns.slice(1, 3).map((c) => c.cell(binding(spec), 0));
    assert.deepEqual(cells({ policyName: 'p' }), ['p', '<unset>']);
    assert.deepEqual(cells({ policyName: 'p', paramRef: { name: 'x', namespace: 'ns' } }), ['p', 'ns/x']);
    assert.deepEqual(cells({ policyName: 'p', paramRef: { name: 'x' } }), ['p', '*/x']);
  });
});
