import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { persistentVolumeClaimStrategy } from './strategy.js';

const NOW = Date.parse('2026-01-01T00:00:30Z');
const claim = (spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec,
  ...(status ? { status } : {}),
});
const basic = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } };

describe('persistentVolumeClaimStrategy', () => {
  it('defaults the volume mode and starts Pending', () => {
    const obj = claim({ ...basic });
    prepareNew(persistentVolumeClaimStrategy, obj);
    assert.equal((obj.spec as { volumeMode: string }).volumeMode, 'Filesystem');
    assert.deepEqual(obj.status, { phase: 'Pending' });
    assert.deepEqual(persistentVolumeClaimStrategy.validate(obj), []);
  });

  it('wants access modes and a storage request', () => {
    assert.deepEqual(persistentVolumeClaimStrategy.validate(claim({})).map(renderFieldError), ['spec.accessModes: Required value: at least 1 access mode is required', 'spec.resources[storage]: Required value']);
  });

  it('refuses a zero request and ReadWriteOncePod with other modes', () => {
    assert.deepEqual(persistentVolumeClaimStrategy.validate(claim({ accessModes: ['ReadWriteOncePod', 'ReadWriteOnce'], resources: { requests: { storage: '0' } } })).map(renderFieldError), [
      'spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes',
      'spec.resources[storage]: Invalid value: "0": must be greater than zero',
    ]);
  });

  it('lets only a bound claim grow its request', () => {
    const pending = claim({ ...basic, volumeMode: 'Filesystem' }, { phase: 'Pending' });
    const grown = claim({ ...basic, volumeMode: 'Filesystem', resources: { requests: { storage: '2Gi' } } }, { phase: 'Pending' });
    const [refused] = persistentVolumeClaimStrategy.validateUpdate(grown, pending).map(renderFieldError);
    assert.ok(refused.startsWith('spec: Forbidden: spec is immutable after creation except resources.requests for bound claims\n'), refused);
    const bound = claim({ ...basic, volumeMode: 'Filesystem', volumeName: 'pv-1' }, { phase: 'Bound', capacity: { storage: '1Gi' } });
    const boundGrown = claim({ ...basic, volumeMode: 'Filesystem', volumeName: 'pv-1', resources: { requests: { storage: '2Gi' } } }, { phase: 'Bound' });
    assert.deepEqual(persistentVolumeClaimStrategy.validateUpdate(boundGrown, bound), []);
    const shrunk = claim({ ...basic, volumeMode: 'Filesystem', volumeName: 'pv-1', resources: { requests: { storage: '500Mi' } } }, { phase: 'Bound' });
    assert.deepEqual(persistentVolumeClaimStrategy.validateUpdate(shrunk, bound).map(renderFieldError), ['spec.resources.requests.storage: Forbidden: field can not be less than status.capacity']);
  });

  it('prints kube columns, capacity and modes once bound', () => {
    assert.deepEqual(persistentVolumeClaimStrategy.tableColumns.map((c) => c.name), ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode']);
    const bound = claim({ ...basic, volumeName: 'pv-1', volumeMode: 'Filesystem', storageClassName: 'fast' }, { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] });
    assert.deepEqual(persistentVolumeClaimStrategy.tableColumns.map((c) => c.cell(bound, NOW)), ['data', 'Bound', 'pv-1', '1Gi', 'RWO', 'fast', '<unset>', '30s', 'Filesystem']);
  });
});
