import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { decodeProtobufObject, invalid, renderFieldError, StatusError, type KubeObject } from '@kapi/api-machinery';
import { priorityClassStrategy, SYSTEM_PRIORITY_CLASSES } from './strategy.js';

const pc = (name: string, fields: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, ...fields });
const prepared = (name: string, fields: Partial<KubeObject> = {}) => {
  const obj = pc(name, fields);
  prepareNew(priorityClassStrategy, obj);
  return obj;
};
const errors = (name: string, fields: Partial<KubeObject> = {}) => priorityClassStrategy.validate(prepared(name, fields)).map(renderFieldError);

describe('priorityClassStrategy.info', () => {
  it('describes cluster-scoped scheduling.k8s.io/v1 priorityclasses with the short name pc', () => {
    const info = priorityClassStrategy.info;
    assert.deepEqual([info.group, info.version, info.resource, info.kind, info.namespaced], ['scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false]);
    assert.deepEqual(info.shortNames, ['pc']);
  });

  it('knows kube\'s two system classes', () => {
    assert.deepEqual(
      SYSTEM_PRIORITY_CLASSES.map((c) => [c.name, c.value]),
      [
        ['system-node-critical', 2000001000],
        ['system-cluster-critical', 2000000000],
      ],
    );
  });
});

describe('priorityClassStrategy defaults', () => {
  it('defaults preemptionPolicy, writes value 0 when absent, starts at generation 1 and omits a false globalDefault', () => {
    const obj = prepared('low', { globalDefault: false });
    assert.deepEqual(obj, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'low', generation: 1 }, value: 0, preemptionPolicy: 'PreemptLowerPriority' });
    assert.equal(prepared('never', { preemptionPolicy: 'Never' }).preemptionPolicy, 'Never');
  });

  it('answers a value that is not an int32 with the 400 kube gives at decode', () => {
    assert.throws(
      () => prepared('x', { value: 1.5 }),
      (err: unknown) =>
        err instanceof StatusError &&
        err.httpCode === 400 &&
        err.message === 'PriorityClass in version "v1" cannot be handled as a PriorityClass: json: cannot unmarshal number 1.5 into Go struct field PriorityClass.value of type int32',
    );
    assert.throws(() => prepared('x', { value: 2 ** 31 }), StatusError);
  });
});

describe('priorityClassStrategy.validate', () => {
  it('keeps user values at or below one billion', () => {
    assert.deepEqual(errors('high', { value: 1_000_000_000 }), []);
    assert.deepEqual(errors('high', { value: 1_000_000_001 }), ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']);
    assert.deepEqual(errors('negative', { value: -5 }), []);
  });

  it('reserves the system- prefix for the known system classes', () => {
    assert.deepEqual(errors('system-node-critical', { value: 2000001000, description: 'x' }), []);
    assert.deepEqual(errors('system-cluster-critical', { value: 2000000000 }), []);
    assert.deepEqual(errors('system-mine', { value: 10 }), [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
    ]);
    assert.deepEqual(errors('system-node-critical', { value: 5 }), [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000",
    ]);
    assert.deepEqual(errors('system-cluster-critical', { value: 2000000000, globalDefault: true }), [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-cluster-critical PriorityClass must be false",
    ]);
  });

  it('checks the preemption policy', () => {
    assert.deepEqual(errors('p', { preemptionPolicy: 'Sometimes' }), ['preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"']);
    assert.deepEqual(errors('p', { preemptionPolicy: '' }), ['preemptionPolicy: Required value']);
  });

  it('gives kubectl the whole message', () => {
    const obj = prepared('huge', { value: 2_000_000_000 });
    assert.equal(
      invalid('PriorityClass', 'scheduling.k8s.io', 'huge', priorityClassStrategy.validate(obj)).message,
      'PriorityClass.scheduling.k8s.io "huge" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000',
    );
  });
});

describe('priorityClassStrategy.validateUpdate', () => {
  it('keeps value and preemptionPolicy, lets description and globalDefault change', () => {
    const old = prepared('p', { value: 10 });
    assert.deepEqual(priorityClassStrategy.validateUpdate(prepared('p', { value: 10, description: 'new', globalDefault: true }), old), []);
    assert.deepEqual(priorityClassStrategy.validateUpdate(prepared('p', { value: 11 }), old).map(renderFieldError), ['value: Forbidden: may not be changed in an update.']);
    assert.deepEqual(priorityClassStrategy.validateUpdate(prepared('p', { value: 10, preemptionPolicy: 'Never' }), old).map(renderFieldError), [
      'preemptionPolicy: Invalid value: "Never": field is immutable',
    ]);
  });
});

describe('priorityClassStrategy columns and protobuf', () => {
  it('prints NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY', () => {
    assert.deepEqual(
      priorityClassStrategy.tableColumns.map((c) => [c.name, c.type, c.priority]),
      [
        ['Name', 'string', 0],
        ['Value', 'integer', 0],
        ['Global-Default', 'boolean', 0],
        ['Age', 'string', 0],
        ['PreemptionPolicy', 'string', 0],
      ],
    );
    const obj = prepared('high', { value: 1000, globalDefault: true });
    obj.metadata!.creationTimestamp = '2024-05-01T00:00:00Z';
    assert.deepEqual(priorityClassStrategy.tableColumns.map((c) => c.cell(obj, Date.parse('2024-05-03T00:00:00Z'))), ['high', 1000, true, '2d', 'PreemptLowerPriority']);
  });

  it('reads what `kubectl create priorityclass` sends, keeping a zero value', () => {
    const LD = WireType.LengthDelimited;
    const V = WireType.Varint;
    const raw = new BinaryWriter()
      .tag(1, LD).fork().tag(1, LD).string('zero').join()
      .tag(2, V).int32(0)
      .tag(3, V).bool(false)
      .tag(4, LD).string('nothing special')
      .tag(5, LD).string('Never')
      .finish();
    const envelope = new BinaryWriter().tag(1, LD).fork().tag(1, LD).string('scheduling.k8s.io/v1').tag(2, LD).string('PriorityClass').join().tag(2, LD).bytes(raw).finish();
    assert.deepEqual(decodeProtobufObject(Buffer.concat([Buffer.from('k8s\0'), envelope]), priorityClassStrategy.protobuf!), {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'zero' },
      value: 0,
      description: 'nothing special',
      preemptionPolicy: 'Never',
    });
  });
});
