import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { runtimeClassStrategy, validateTolerations } from './strategy.js';

const rc = (fields: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor' }, handler: 'runsc', ...fields });
const errors = (fields: Partial<KubeObject>) => {
  const obj = rc(fields);
  prepareNew(runtimeClassStrategy, obj);
  return runtimeClassStrategy.validate(obj).map(renderFieldError);
};

describe('runtimeClassStrategy.info', () => {
  it('describes cluster-scoped node.k8s.io/v1 runtimeclasses', () => {
    const info = runtimeClassStrategy.info;
    assert.deepEqual([info.group, info.version, info.resource, info.kind, info.namespaced], ['node.k8s.io', 'v1', 'runtimeclasses', 'RuntimeClass', false]);
    assert.deepEqual(info.shortNames, []);
  });
});

describe('runtimeClassStrategy.validate', () => {
  it('requires the handler to be a DNS label', () => {
    assert.deepEqual(errors({}), []);
    assert.deepEqual(errors({ handler: 'Run_SC' }), [
      `handler: Invalid value: "Run_SC": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ]);
  });

  it('validates the overhead as pod resources and writes it canonically', () => {
    const obj = rc({ overhead: { podFixed: { cpu: '250m', memory: '128Mi' } } });
    prepareNew(runtimeClassStrategy, obj);
    assert.deepEqual(runtimeClassStrategy.validate(obj), []);
    assert.deepEqual(errors({ overhead: { podFixed: { cpu: '-1' } } }), ['overhead.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0']);
    assert.deepEqual(errors({ overhead: { podFixed: { pods: '1' } } }), ['overhead.limits[pods]: Invalid value: "pods": must be a standard resource for containers']);
  });

  it('validates scheduling node selectors and tolerations', () => {
    assert.deepEqual(errors({ scheduling: { nodeSelector: { 'sandbox.example.com/ok': 'true' }, tolerations: [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }] } }), []);
    assert.deepEqual(errors({ scheduling: { nodeSelector: { 'bad key!': 'x' } } }).length > 0, true);
  });

  it('keeps the handler on update', () => {
    assert.deepEqual(runtimeClassStrategy.validateUpdate(rc({ handler: 'runc' }), rc()).map(renderFieldError), ['handler: Invalid value: "runc": field is immutable']);
    assert.deepEqual(runtimeClassStrategy.validateUpdate(rc(), rc()), []);
  });
});

describe('validateTolerations', () => {
  it('reports what kube reports', () => {
    const table: [unknown[], string[]][] = [
      [[{ key: 'a', operator: 'Equal', value: 'b', effect: 'NoExecute', tolerationSeconds: 10 }], []],
      [[{ operator: 'Exists' }], []],
      [[{ value: 'x' }], ['t[0].operator: Invalid value: "": operator must be Exists when `key` is empty, which means "match all values and all keys"']],
      [[{ key: 'a', tolerationSeconds: 5 }], ["t[0].effect: Invalid value: \"\": effect must be 'NoExecute' when `tolerationSeconds` is set"]],
      [[{ key: 'a', operator: 'Exists', value: 'v' }], ['t[0].operator: Invalid value: {"key":"a","operator":"Exists","value":"v"}: value must be empty when `operator` is \'Exists\'']],
      [[{ key: 'a', operator: 'Near' }], ['t[0].operator: Unsupported value: "Near": supported values: "Equal", "Exists"']],
      [[{ key: 'a', effect: 'Evict' }], ['t[0].effect: Unsupported value: "Evict": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"']],
    ];
    for (const [tolerations, expected] of table) assert.deepEqual(validateTolerations(tolerations as never, 't').map(renderFieldError), expected, JSON.stringify(tolerations));
  });
});

describe('runtimeClassStrategy columns', () => {
  it('prints NAME HANDLER AGE', () => {
    assert.deepEqual(runtimeClassStrategy.tableColumns.map((c) => c.name), ['Name', 'Handler', 'Age']);
    const obj = rc();
    obj.metadata!.creationTimestamp = '2024-05-01T12:00:00Z';
    assert.deepEqual(runtimeClassStrategy.tableColumns.map((c) => c.cell(obj, Date.parse('2024-05-01T12:00:01Z'))), ['gvisor', 'runsc', '1s']);
  });
});
