import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderFieldError } from '@kapi/api-machinery';
import { deviceClassStrategy as strategy } from './strategy.js';
import { resourceClaimTemplateStrategy } from '../resourceclaimtemplate/strategy.js';
import { prepareNew } from '../strategy.js';

describe('deviceClassStrategy', () => {
  it('is cluster-scoped resource.k8s.io/v1 with generations, printing NAME AGE', () => {
    assert.deepEqual([strategy.info.resource, strategy.info.namespaced, strategy.info.tracksGeneration], ['deviceclasses', false, true]);
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), ['Name', 'Age']);
  });

  it('requires a CEL selector in each selector', () => {
    assert.deepEqual(strategy.validate({ metadata: { name: 'gpu' }, spec: { selectors: [{ cel: { expression: 'true' } }] } }), []);
    assert.deepEqual(strategy.validate({ metadata: { name: 'gpu' }, spec: { selectors: [{}] } }).map(renderFieldError), ['spec.selectors[0].cel: Required value']);
  });

  it('compiles the selectors against `device`, failing in cel-go\'s words', () => {
    const errors = (...expressions: string[]) => strategy.validate({ metadata: { name: 'gpu' }, spec: { selectors: expressions.map((expression) => ({ cel: { expression } })) } }).map(renderFieldError);
    assert.deepEqual(errors('device.driver == "gpu.example.com"', 'device.attributes["gpu.example.com"].model == "a100"', 'device.capacity["x"].memory.compareTo(quantity("1Gi")) >= 0'), []);
    const expecting = "Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}";
    assert.deepEqual(errors('', 'device.foo +', '1', 'device.nope'), [
      `spec.selectors[0].cel.expression: Invalid value: "": compilation failed: ERROR: <input>:1:0: ${expecting}`,
      `spec.selectors[1].cel.expression: Invalid value: "device.foo +": compilation failed: ERROR: <input>:1:13: ${expecting}\n | device.foo +\n | ............^`,
      'spec.selectors[2].cel.expression: Invalid value: "1": must evaluate to bool or the unknown type, not int',
      "spec.selectors[3].cel.expression: Invalid value: \"device.nope\": compilation failed: ERROR: <input>:1:7: undefined field 'nope'\n | device.nope\n | ......^",
    ]);
  });
});

describe('resourceClaimTemplateStrategy', () => {
  it('defaults the claim it stamps out and checks it at spec.spec', () => {
    const obj = { metadata: { name: 't', namespace: 'default' }, spec: { spec: { devices: { requests: [{ name: 'gpu', exactly: { deviceClassName: '' } }] } } } };
    prepareNew(resourceClaimTemplateStrategy, obj);
    assert.deepEqual(obj.spec, { metadata: {}, spec: { devices: { requests: [{ name: 'gpu', exactly: { deviceClassName: '', allocationMode: 'ExactCount', count: 1 } }] } } });
    assert.deepEqual(resourceClaimTemplateStrategy.validate(obj).map(renderFieldError), ['spec.spec.devices.requests[0].exactly.deviceClassName: Required value']);
  });
});
