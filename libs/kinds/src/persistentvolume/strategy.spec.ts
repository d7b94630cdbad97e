import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { accessModesCell, persistentVolumeStrategy } from './strategy.js';

const NOW = Date.parse('2026-01-01T00:00:30Z');
const pv = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1', creationTimestamp: '2026-01-01T00:00:00Z' }, spec });
const hostPath = { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } };

describe('persistentVolumeStrategy', () => {
  it('defaults reclaim policy and volume mode and starts Pending', () => {
    const obj = pv({ ...hostPath });
    prepareNew(persistentVolumeStrategy, obj);
    assert.equal((obj.spec as { persistentVolumeReclaimPolicy: string }).persistentVolumeReclaimPolicy, 'Retain');
    assert.equal((obj.spec as { volumeMode: string }).volumeMode, 'Filesystem');
    assert.equal((obj.status as { phase: string }).phase, 'Pending');
    assert.deepEqual(persistentVolumeStrategy.validate(obj), []);
  });

  it('keeps capacity in canonical quantities and prints the annotated storage class first', () => {
    const obj = pv({ ...hostPath, capacity: { storage: '1024Mi' }, storageClassName: 'fast' });
    obj.metadata = { ...obj.metadata, annotations: { 'volume.beta.kubernetes.io/storage-class': 'legacy' } };
    prepareNew(persistentVolumeStrategy, obj);
    assert.deepEqual((obj.spec as { capacity: unknown }).capacity, { storage: '1Gi' });
    assert.deepEqual(persistentVolumeStrategy.tableColumns.filter((c) => ['Capacity', 'StorageClass'].includes(c.name)).map((c) => c.cell(obj, NOW)), ['1Gi', 'legacy']);
  });

  it('wants capacity, access modes and exactly one source', () => {
    const obj = pv({ accessModes: ['ReadWriteEverywhere'], nfs: { server: 's', path: '/' }, hostPath: { path: '/' } });
    prepareNew(persistentVolumeStrategy, obj);
    assert.deepEqual(persistentVolumeStrategy.validate(obj).map(renderFieldError), [
      'spec.accessModes: Unsupported value: "ReadWriteEverywhere": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
      'spec.capacity: Required value',
      'spec.capacity: Unsupported value: core.ResourceList{}: supported values: "storage"',
      'spec.nfs: Forbidden: may not specify more than 1 volume type',
    ]);
    const none = pv({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] });
    prepareNew(persistentVolumeStrategy, none);
    assert.deepEqual(persistentVolumeStrategy.validate(none).map(renderFieldError), ['spec: Required value: must specify a volume type']);
  });

  it('prints kube columns, VOLUMEMODE for -o wide', () => {
    assert.deepEqual(persistentVolumeStrategy.tableColumns.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Capacity', 0], ['Access Modes', 0], ['Reclaim Policy', 0], ['Status', 0], ['Claim', 0], ['StorageClass', 0],
      ['VolumeAttributesClass', 0], ['Reason', 0], ['Age', 0], ['VolumeMode', 1],
    ]);
    const obj = pv({ ...hostPath, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], claimRef: { namespace: 'ns', name: 'data' }, storageClassName: 'fast' });
    prepareNew(persistentVolumeStrategy, obj);
    assert.deepEqual(persistentVolumeStrategy.tableColumns.map((c) => c.cell(obj, NOW)), ['pv-1', '1Gi', 'RWO,RWX', 'Retain', 'Pending', 'ns/data', 'fast', '<unset>', '', '30s', 'Filesystem']);
    assert.equal(accessModesCell(['ReadWriteOncePod', 'ReadOnlyMany']), 'ROX,RWOP');
  });
});
