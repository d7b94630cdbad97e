import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { resourceSliceStrategy as strategy } from './strategy.js';

const slice = (spec: Record<string, unknown>): KubeObject => ({ metadata: { name: 'slice' }, spec });
const good = { driver: 'gpu.example.com', nodeName: 'node-a', pool: { name: 'node-a', generation: 1, resourceSliceCount: 1 }, devices: [{ name: 'gpu-0' }] };

describe('resourceSliceStrategy', () => {
  it('is cluster-scoped resource.k8s.io/v1 with generations', () => {
    assert.deepEqual([strategy.info.resource, strategy.info.namespaced, strategy.info.tracksGeneration], ['resourceslices', false, true]);
  });

  it('accepts a node-local pool', () => {
    assert.deepEqual(strategy.validate(slice(good)), []);
  });

  it('reports a missing driver, pool and node choice in kube-apiserver words', () => {
    const errs = strategy.validate(slice({})).map(renderFieldError);
    assert.equal(errs[0], 'spec.driver: Required value');
    assert.match(errs[1], /^spec\.driver: Invalid value: "": a lowercase RFC 1123 subdomain/);
    assert.deepEqual(errs.slice(2), [
      'spec.pool.name: Required value',
      'spec.pool.resourceSliceCount: Invalid value: 0: must be greater than zero',
      'spec: Required value: exactly one of `nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection` is required',
    ]);
    assert.ok(
      strategy
        .validate(slice({ ...good, allNodes: true, pool: { name: 'p', generation: -1, resourceSliceCount: 1 } }))
        .map(renderFieldError)
        .includes('spec: Invalid value: "{`nodeName`, `allNodes`}": exactly one of `nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection` is required, but multiple fields are set'),
    );
  });

  it('names the bad part of a pool name, checks the node name and finds duplicate devices', () => {
    const errs = strategy.validate(slice({ ...good, nodeName: 'Bad_Node', pool: { name: 'a/Bad_/c', resourceSliceCount: 1 }, devices: [{ name: 'x' }, { name: 'x' }] })).map(renderFieldError);
    assert.match(errs[0], /^spec\.pool\.name: Invalid value: "Bad_": a lowercase RFC 1123 subdomain/);
    assert.match(errs[1], /^spec\.nodeName: Invalid value: "Bad_Node": a lowercase RFC 1123 subdomain/);
    assert.equal(errs[2], 'spec.devices[1].name: Duplicate value: "x"');
    assert.equal(errs.length, 3);
  });

  it('never changes its driver', () => {
    assert.deepEqual(strategy.validateUpdate(slice({ ...good, driver: 'other.com' }), slice(good)).map(renderFieldError), ['spec.driver: Invalid value: "other.com": field is immutable']);
  });

  it('is selected by node and driver, and prints them with the pool', () => {
    assert.deepEqual(strategy.selectableFields(slice(good)), { 'metadata.name': 'slice', 'spec.nodeName': 'node-a', 'spec.driver': 'gpu.example.com' });
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), ['Name', 'Node', 'Driver', 'Pool', 'Age']);
    assert.deepEqual(strategy.tableColumns.slice(1, 4).map((c) => c.cell(slice(good), 0)), ['node-a', 'gpu.example.com', 'node-a']);
  });
});
