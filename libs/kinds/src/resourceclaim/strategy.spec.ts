import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { prepareNew } from '../strategy.js';
import { resourceClaimStrategy as strategy } from './strategy.js';

const claim = (requests: unknown[], status?: unknown): KubeObject => ({ metadata: { name: 'claim', namespace: 'default' }, spec: { devices: { requests } }, status });
const LABEL = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe('resourceClaimStrategy', () => {
  it('is namespaced resource.k8s.io/v1 with status', () => {
    assert.deepEqual([strategy.info.group, strategy.info.version, strategy.info.resource, strategy.info.namespaced, strategy.info.subresources], ['resource.k8s.io', 'v1', 'resourceclaims', true, ['status']]);
  });

  it('defaults a request to one device and starts with an empty status', () => {
    const obj = claim([{ name: 'gpu', exactly: { deviceClassName: 'gpu.example.com' } }], { allocation: {} });
    prepareNew(strategy, obj);
    assert.deepEqual(obj.spec, { devices: { requests: [{ name: 'gpu', exactly: { deviceClassName: 'gpu.example.com', allocationMode: 'ExactCount', count: 1 } }] } });
    assert.deepEqual(obj.status, {});
    assert.deepEqual(strategy.validate(obj), []);
  });

  it('reports bad requests in kube-apiserver words and order', () => {
    const obj = claim([{ name: '' }, { name: 'a', exactly: { deviceClassName: '' } }, { name: 'a', exactly: { deviceClassName: 'x', allocationMode: 'Bad' } }, { name: 'b', exactly: { deviceClassName: 'x', allocationMode: 'All', count: 2 } }]);
    prepareNew(strategy, obj);
    assert.deepEqual(strategy.validate(obj).map(renderFieldError), [
      `spec.devices.requests[0].name: Invalid value: "": ${LABEL}`,
      'spec.devices.requests[0]: Required value: exactly one of `exactly` or `firstAvailable` is required',
      'spec.devices.requests[1].exactly.deviceClassName: Required value',
      'spec.devices.requests[2].exactly.allocationMode: Unsupported value: "Bad": supported values: "All", "ExactCount"',
      "spec.devices.requests[3].exactly.count: Invalid value: 2: must not be specified when allocationMode is 'All'",
      'spec.devices.requests[2].name: Duplicate value: "a"',
    ]);
  });

  it('takes an unset count as one device, and refuses both kinds of request at once', () => {
    const obj = claim([{ name: 'a', exactly: { deviceClassName: 'x', count: 0 } }, { name: 'b', exactly: { deviceClassName: 'x' }, firstAvailable: [{ name: 's', deviceClassName: 'x' }] }]);
    prepareNew(strategy, obj);
    assert.deepEqual(strategy.validate(obj).map(renderFieldError), ['spec.devices.requests[1]: Invalid value: null: exactly one of `exactly` or `firstAvailable` is required, but multiple fields are set']);
  });

  it('never changes its spec', () => {
    assert.match(renderFieldError(strategy.validateUpdate(claim([{ name: 'b' }]), claim([{ name: 'a' }]))[0]), /^spec: Invalid value: .*: field is immutable$/);
  });

  it('prints the state: pending, allocated, reserved', () => {
    const state = strategy.tableColumns.find((c) => c.name === 'State')!;
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), ['Name', 'State', 'Age']);
    assert.equal(state.cell(claim([], {}), 0), 'pending');
    assert.equal(state.cell(claim([], { allocation: {} }), 0), 'allocated');
    assert.equal(state.cell(claim([], { allocation: {}, reservedFor: [{ name: 'p' }] }), 0), 'allocated,reserved');
  });
});
