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
});

describe('resourceClaimTemplateStrategy', () => {
  it('defaults the claim it stamps out and checks it at spec.spec', () => {
    const obj = { metadata: { name: 't', namespace: 'default' }, spec: { spec: { devices: { requests: [{ name: 'gpu', exactly: { deviceClassName: '' } }] } } } };
    prepareNew(resourceClaimTemplateStrategy, obj);
    assert.deepEqual(obj.spec, { metadata: {}, spec: { devices: { requests: [{ name: 'gpu', exactly: { deviceClassName: '', allocationMode: 'ExactCount', count: 1 } }] } } });
    assert.deepEqual(resourceClaimTemplateStrategy.validate(obj).map(renderFieldError), ['spec.spec.devices.requests[0].exactly.deviceClassName: Required value']);
  });
});
