import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { volumeAttributesClassStrategy as strategy } from './strategy.js';

const vac = (fields: Record<string, unknown>): KubeObject => ({ metadata: { name: 'gold' }, ...fields });

describe('volumeAttributesClassStrategy', () => {
  it('is cluster-scoped storage.k8s.io/v1, short name vac', () => {
    assert.deepEqual([strategy.info.resource, strategy.info.namespaced, strategy.info.shortNames], ['volumeattributesclasses', false, ['vac']]);
  });

  it('requires a driver and at least one parameter', () => {
    assert.deepEqual(strategy.validate(vac({ driverName: 'csi.example.com', parameters: { iops: '1000' } })), []);
    assert.deepEqual(strategy.validate(vac({})).map(renderFieldError), ['driverName: Required value', 'parameters: Required value: must contain at least one key/value pair']);
    assert.deepEqual(strategy.validate(vac({ driverName: 'Bad_Driver', parameters: { '': 'x' } })).map(renderFieldError), ['parameters: Invalid value: "": field can not be empty.']);
  });

  it('forbids changing the driver or the parameters', () => {
    const old = vac({ driverName: 'csi.example.com', parameters: { iops: '1000' } });
    assert.deepEqual(strategy.validateUpdate(vac({ driverName: 'other.com', parameters: { x: 'y' } }), old).map(renderFieldError), [
      'driverName: Forbidden: updates to driverName are forbidden.',
      'parameters: Forbidden: updates to parameters are forbidden.',
    ]);
  });

  it('prints NAME DRIVERNAME AGE', () => {
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), ['Name', 'DriverName', 'Age']);
  });
});
