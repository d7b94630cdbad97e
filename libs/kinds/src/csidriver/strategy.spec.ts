import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { csiDriverStrategy } from './strategy.js';

const driver = (spec?: Record<string, unknown>): KubeObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'csi.example.com' }, ...(spec ? { spec } : {}) });
const prepared = (spec?: Record<string, unknown>) => {
  const obj = driver(spec);
  prepareNew(csiDriverStrategy, obj);
  return obj;
};
const errors = (spec: Record<string, unknown>) => csiDriverStrategy.validate(prepared(spec)).map(renderFieldError);

describe('csiDriverStrategy.info', () => {
  it('describes cluster-scoped storage.k8s.io/v1 csidrivers', () => {
    const info = csiDriverStrategy.info;
    assert.deepEqual([info.group, info.version, info.resource, info.kind, info.namespaced], ['storage.k8s.io', 'v1', 'csidrivers', 'CSIDriver', false]);
  });
});

describe('csiDriverStrategy defaults', () => {
  it('fills in kube\'s defaults, even without a spec', () => {
    assert.deepEqual(prepared().spec, {
      attachRequired: true,
      podInfoOnMount: false,
      storageCapacity: false,
      fsGroupPolicy: 'ReadWriteOnceWithFSType',
      volumeLifecycleModes: ['Persistent'],
      requiresRepublish: false,
      seLinuxMount: false,
    });
    const kept = prepared({ attachRequired: false, volumeLifecycleModes: ['Ephemeral'], fsGroupPolicy: 'File' }).spec as Record<string, unknown>;
    assert.deepEqual([kept.attachRequired, kept.volumeLifecycleModes, kept.fsGroupPolicy], [false, ['Ephemeral'], 'File']);
  });
});

describe('csiDriverStrategy.validate', () => {
  it('reports what kube reports', () => {
    const table: [Record<string, unknown>, string[]][] = [
      [{ tokenRequests: [{ audience: 'a', expirationSeconds: 3600 }, { audience: '' }] }, []],
      [{ fsGroupPolicy: 'Sometimes' }, ['spec.fsGroupPolicy: Unsupported value: "Sometimes": supported values: "File", "None", "ReadWriteOnceWithFSType"']],
      [{ volumeLifecycleModes: ['Forever'] }, ['spec.volumeLifecycleModes: Unsupported value: "Forever": supported values: "Persistent", "Ephemeral"']],
      [{ tokenRequests: [{ audience: 'a' }, { audience: 'a' }] }, ['spec.tokenRequests[1].audience: Duplicate value: "a"']],
      [{ tokenRequests: [{ audience: 'a', expirationSeconds: 60 }] }, ['spec.tokenRequests[0].expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes']],
      [{ nodeAllocatableUpdatePeriodSeconds: 5 }, ['spec.nodeAllocatableUpdatePeriodSeconds: Invalid value: 5: must be greater than or equal to 10 seconds']],
    ];
    for (const [spec, expected] of table) assert.deepEqual(errors(spec), expected, JSON.stringify(spec));
  });

  it('keeps attachRequired and volumeLifecycleModes on update (kube spells the first path attachedRequired)', () => {
    const old = prepared();
    assert.deepEqual(csiDriverStrategy.validateUpdate(prepared({ podInfoOnMount: true }), old), []);
    assert.deepEqual(csiDriverStrategy.validateUpdate(prepared({ attachRequired: false, volumeLifecycleModes: ['Ephemeral'] }), old).map(renderFieldError), [
      'spec.attachedRequired: Invalid value: false: field is immutable',
      'spec.volumeLifecycleModes: Invalid value: ["Ephemeral"]: field is immutable',
    ]);
  });
});

describe('csiDriverStrategy columns', () => {
  it('prints kube\'s columns', () => {
    assert.deepEqual(
      csiDriverStrategy.tableColumns.map((c) => [c.name, c.type]),
      [
        ['Name', 'string'],
        ['AttachRequired', 'boolean'],
        ['PodInfoOnMount', 'boolean'],
        ['StorageCapacity', 'boolean'],
        ['TokenRequests', 'string'],
        ['RequiresRepublish', 'boolean'],
        ['Modes', 'string'],
        ['Age', 'string'],
      ],
    );
    const obj = prepared({ tokenRequests: [{ audience: 'vault' }, { audience: 'gcp' }] });
    obj.metadata!.creationTimestamp = '2024-05-01T12:00:00Z';
    assert.deepEqual(csiDriverStrategy.tableColumns.map((c) => c.cell(obj, Date.parse('2024-05-01T12:00:02Z'))), ['csi.example.com', true, false, false, 'vault,gcp', false, 'Persistent', '2s']);
    assert.equal(csiDriverStrategy.tableColumns[4].cell(prepared(), 0), '<unset>');
  });
});
