import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { decodeProtobufObject, invalid, renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { DEFAULT_STORAGE_CLASS_ANNOTATION, storageClassStrategy } from './strategy.js';

const sc = (fields: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'csi.example.com', ...fields });
const prepared = (fields: Partial<KubeObject> = {}) => {
  const obj = sc(fields);
  prepareNew(storageClassStrategy, obj);
  return obj;
};
const errors = (fields: Partial<KubeObject>) => storageClassStrategy.validate(prepared(fields)).map(renderFieldError);

describe('storageClassStrategy.info', () => {
  it('describes cluster-scoped storage.k8s.io/v1 storageclasses with the short name sc', () => {
    const info = storageClassStrategy.info;
    assert.deepEqual([info.group, info.version, info.resource, info.kind, info.namespaced], ['storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false]);
    assert.deepEqual(info.shortNames, ['sc']);
  });
});

describe('storageClassStrategy defaults', () => {
  it('defaults reclaimPolicy to Delete and volumeBindingMode to Immediate', () => {
    const obj = prepared();
    assert.deepEqual([obj.reclaimPolicy, obj.volumeBindingMode], ['Delete', 'Immediate']);
    const kept = prepared({ reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' });
    assert.deepEqual([kept.reclaimPolicy, kept.volumeBindingMode], ['Retain', 'WaitForFirstConsumer']);
  });
});

describe('storageClassStrategy.validate', () => {
  it('reports what kube reports', () => {
    const table: [Partial<KubeObject>, string[]][] = [
      [{ parameters: { type: 'ssd' }, mountOptions: ['ro'], allowVolumeExpansion: true }, []],
      [{ provisioner: '' }, ['provisioner: Required value']],
      [{ provisioner: 'Bad Provisioner' }, [`provisioner: Invalid value: "bad provisioner": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`]],
      [{ reclaimPolicy: 'Recycle' }, ['reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"']],
      [{ volumeBindingMode: 'Later' }, ['volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"']],
      [{ parameters: { '': 'x' } }, ['parameters: Invalid value: "": field can not be empty.']],
      [{ parameters: { big: 'x'.repeat(256 * 1024) } }, ['parameters: Too long: may not be more than 262144 bytes']],
      [
        { allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['a', 'a'] }] }, { matchLabelExpressions: [{ key: 'zone', values: ['a'] }] }] },
        ['allowedTopologies[0].matchLabelExpressions[0].values[1]: Duplicate value: "a"', 'allowedTopologies[1].matchLabelExpressions: Duplicate value: ""'],
      ],
      [{ allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone' }] }] }, ['allowedTopologies[0].matchLabelExpressions[0].values: Required value']],
    ];
    for (const [fields, expected] of table) assert.deepEqual(errors(fields), expected, JSON.stringify(fields).slice(0, 200));
  });
});

describe('storageClassStrategy.validateUpdate', () => {
  it('forbids changing parameters, provisioner, reclaimPolicy and volumeBindingMode, in kube\'s words', () => {
    const old = prepared({ parameters: { type: 'ssd' } });
    assert.deepEqual(storageClassStrategy.validateUpdate(prepared({ parameters: { type: 'ssd' }, allowVolumeExpansion: true }), old), []);
    const errs = storageClassStrategy.validateUpdate(
      prepared({ provisioner: 'other.example.com', parameters: { type: 'hdd' }, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' }),
      old,
    );
    assert.equal(
      invalid('StorageClass', 'storage.k8s.io', 'fast', errs).message,
      'StorageClass.storage.k8s.io "fast" is invalid: [parameters: Forbidden: updates to parameters are forbidden., provisioner: Forbidden: updates to provisioner are forbidden., reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden., volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable]',
    );
  });
});

describe('storageClassStrategy columns and protobuf', () => {
  it('prints NAME PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE ALLOWVOLUMEEXPANSION AGE, marking the default class', () => {
    assert.deepEqual(storageClassStrategy.tableColumns.map((c) => c.name), ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age']);
    const obj = prepared({ metadata: { name: 'fast', annotations: { [DEFAULT_STORAGE_CLASS_ANNOTATION]: 'true' } } });
    obj.metadata!.creationTimestamp = '2024-05-01T12:00:00Z';
    assert.deepEqual(storageClassStrategy.tableColumns.map((c) => c.cell(obj, Date.parse('2024-05-01T12:00:09Z'))), ['fast (default)', 'csi.example.com', 'Delete', 'Immediate', false, '9s']);
  });

  it('reads a StorageClass sent as protobuf', () => {
    const LD = WireType.LengthDelimited;
    const raw = new BinaryWriter()
      .tag(1, LD).fork().tag(1, LD).string('slow').join()
      .tag(2, LD).string('csi.example.com')
      .tag(3, LD).fork().tag(1, LD).string('type').tag(2, LD).string('hdd').join()
      .tag(4, LD).string('Retain')
      .tag(6, WireType.Varint).bool(false)
      .tag(8, LD).fork().tag(1, LD).fork().tag(1, LD).string('zone').tag(2, LD).string('a').join().join()
      .finish();
    const envelope = new BinaryWriter().tag(1, LD).fork().tag(1, LD).string('storage.k8s.io/v1').tag(2, LD).string('StorageClass').join().tag(2, LD).bytes(raw).finish();
    assert.deepEqual(decodeProtobufObject(Buffer.concat([Buffer.from('k8s\0'), envelope]), storageClassStrategy.protobuf!), {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'slow' },
      provisioner: 'csi.example.com',
      parameters: { type: 'hdd' },
      reclaimPolicy: 'Retain',
      allowVolumeExpansion: false,
      allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['a'] }] }],
    });
  });
});
