import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { validatingAdmissionPolicyStrategy as strategy } from './strategy.js';

const policy = (spec: Record<string, unknown>): KubeObject => ({ metadata: { name: 'p' }, spec, status: { observedGeneration: 9 } });
const rules = { resourceRules: [{ operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] }] };
const prepared = (spec: Record<string, unknown>) => {
  const obj = policy(spec);
  prepareNew(strategy, obj);
  return obj;
};
const errors = (spec: Record<string, unknown>) => strategy.validate(prepared(spec)).map(renderFieldError);

describe('validatingAdmissionPolicyStrategy', () => {
  it('serves status and tracks generation', () => {
    assert.deepEqual([strategy.info.resource, strategy.info.subresources, strategy.info.tracksGeneration], ['validatingadmissionpolicies', ['status'], true]);
  });

  it('defaults failurePolicy and the match constraints, and drops a client status', () => {
    const obj = prepared({ matchConstraints: rules, validations: [{ expression: 'object.spec.replicas < 5' }] });
    assert.equal(obj.status, undefined);
    assert.deepEqual(obj.spec, {
      failurePolicy: 'Fail',
      matchConstraints: { ...rules, resourceRules: [{ ...rules.resourceRules[0], scope: '*' }], namespaceSelector: {}, objectSelector: {}, matchPolicy: 'Equivalent' },
      validations: [{ expression: 'object.spec.replicas < 5' }],
    });
    assert.deepEqual(strategy.validate(obj), []);
  });

  it('requires match constraints with resource rules, validations and expressions', () => {
    const either = 'Required value: validations or auditAnnotations must contain at least one item';
    assert.deepEqual(errors({}), ['spec.matchConstraints: Required value', `spec.validations: ${either}`, `spec.auditAnnotations: ${either}`]);
    assert.deepEqual(errors({ matchConstraints: {}, validations: [{ expression: ' ' }] }), [
      'spec.matchConstraints.resourceRules: Required value',
      'spec.validations[0].expression: Required value: expression is not specified',
    ]);
  });

  it('checks the expression warnings a status carries', () => {
    const obj = prepared({ matchConstraints: rules, validations: [{ expression: 'true' }] });
    assert.deepEqual(strategy.validate({ ...obj, status: { typeChecking: { expressionWarnings: [{ fieldRef: 'spec.validations[0].expression', warning: 'w' }] } } }), []);
    assert.deepEqual(strategy.validate({ ...obj, status: { typeChecking: { expressionWarnings: [{}] } } }).map(renderFieldError), [
      'status.typeChecking.expressionWarnings[0].warning: Required value',
      'status.typeChecking.expressionWarnings[0].fieldRef: Required value',
    ]);
  });

  it('prints NAME VALIDATIONS PARAMKIND AGE', () => {
    const obj = { ...policy({ validations: [{ expression: 'true' }], paramKind: { apiVersion: 'v1', kind: 'ConfigMap' } }) };
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), ['Name', 'Validations', 'ParamKind', 'Age']);
    assert.deepEqual(strategy.tableColumns.slice(1, 3).map((c) => c.cell(obj, 0)), [1, 'v1/ConfigMap']);
    assert.equal(strategy.tableColumns[2].cell(policy({}), 0), '<unset>');
  });
});
