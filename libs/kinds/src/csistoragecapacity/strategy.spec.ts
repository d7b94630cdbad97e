import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { csiStorageCapacityStrategy as strategy } from './strategy.js';

const capacity = (fields: Record<string, unknown>): KubeObject => ({ metadata: { name: 'cap', namespace: 'default', creationTimestamp: '2026-01-02T03:04:05Z' }, storageClassName: 'standard', ...fields });

describe('csiStorageCapacityStrategy', () => {
  it('is namespaced storage.k8s.io/v1', () => {
    assert.deepEqual([strategy.info.group, strategy.info.resource, strategy.info.namespaced, strategy.info.singularName], ['storage.k8s.io', 'csistoragecapacities', true, 'csistoragecapacity']);
  });

  it('checks the class name, topology and capacity as kube does (not the maximum volume size)', () => {
    assert.deepEqual(strategy.validate(capacity({ capacity: '10Gi', maximumVolumeSize: '-2', nodeTopology: { matchLabels: { zone: 'a' } } })), []);
    const errs = strategy.validate(capacity({ storageClassName: '', capacity: '-1', nodeTopology: { matchLabels: { 'a/b/c': 'x' } } })).map(renderFieldError);
    assert.equal(errs.length, 3);
    assert.match(errs[0], /^nodeTopology\.matchLabels: Invalid value: "a\/b\/c": a qualified name/);
    assert.match(errs[1], /^storageClassName: Invalid value: "": a lowercase RFC 1123 subdomain/);
    assert.equal(errs[2], 'capacity: Invalid value: "-1": must be greater than or equal to 0');
  });

  it('keeps its class and topology; capacity may change', () => {
    assert.deepEqual(strategy.validateUpdate(capacity({ storageClassName: 'other', capacity: '1Gi' }), capacity({ capacity: '10Gi' })).map(renderFieldError), ['storageClassName: Invalid value: "other": field is immutable']);
    assert.deepEqual(strategy.validateUpdate(capacity({ capacity: '1Gi' }), capacity({ capacity: '10Gi' })), []);
  });

  it('prints NAME and CREATED AT', () => {
    assert.deepEqual(strategy.tableColumns.map((c) => [c.name, c.type]), [['Name', 'string'], ['Created At', 'date']]);
    assert.equal(strategy.tableColumns[1].cell(capacity({}), 0), '2026-01-02T03:04:05Z');
  });
});
