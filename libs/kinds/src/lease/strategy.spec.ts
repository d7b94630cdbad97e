import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew, prepareChanged } from '../strategy.js';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { decodeProtobufObject, renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { leaseStrategy } from './strategy.js';

const lease = (spec: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'leader', namespace: 'kube-system' }, spec });
const errors = (spec: Record<string, unknown>) => leaseStrategy.validate(lease(spec)).map(renderFieldError);

describe('leaseStrategy.info', () => {
  it('describes coordination.k8s.io/v1 leases', () => {
    const info = leaseStrategy.info;
    assert.deepEqual([info.group, info.version, info.resource, info.kind, info.namespaced], ['coordination.k8s.io', 'v1', 'leases', 'Lease', true]);
    assert.deepEqual(info.shortNames, []);
  });
});

describe('leaseStrategy.validate', () => {
  it('validates durations, transitions and strategies as kube does', () => {
    const table: [Record<string, unknown>, string[]][] = [
      [{ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 }, []],
      [{ leaseDurationSeconds: 0 }, ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']],
      [{ leaseTransitions: -1 }, ['spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0']],
      [{ strategy: 'OldestEmulationVersion', preferredHolder: 'x' }, []],
      [{ strategy: 'Newest' }, ['spec.strategy.strategy: Unsupported value: "Newest": supported values: "OldestEmulationVersion"']],
      [{ strategy: 'example.com/mine' }, []],
      [{ preferredHolder: 'x' }, ['spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined']],
    ];
    for (const [spec, expected] of table) assert.deepEqual(errors(spec), expected, JSON.stringify(spec));
  });

  it('drops strategy and preferredHolder, as kube 1.33 does without CoordinatedLeaderElection, unless already in use', () => {
    const created = lease({ holderIdentity: 'a', strategy: 'OldestEmulationVersion', preferredHolder: 'b' });
    prepareNew(leaseStrategy, created);
    assert.deepEqual(created.spec, { holderIdentity: 'a' });
    const old = lease({ strategy: 'OldestEmulationVersion' });
    const next = lease({ strategy: 'OldestEmulationVersion', preferredHolder: 'b' });
    prepareChanged(leaseStrategy, next, old);
    assert.deepEqual(next.spec, { strategy: 'OldestEmulationVersion', preferredHolder: 'b' });
  });
});

describe('leaseStrategy columns and protobuf', () => {
  it('prints NAME HOLDER AGE', () => {
    assert.deepEqual(leaseStrategy.tableColumns.map((c) => c.name), ['Name', 'Holder', 'Age']);
    const obj = lease({ holderIdentity: 'node-1' });
    obj.metadata!.creationTimestamp = '2024-05-01T12:00:00Z';
    assert.deepEqual(leaseStrategy.tableColumns.map((c) => c.cell(obj, Date.parse('2024-05-01T13:00:00Z'))), ['leader', 'node-1', '60m']);
    assert.equal(leaseStrategy.tableColumns[1].cell(lease(), 0), '');
  });

  it('reads what client-go\'s leader election sends', () => {
    const LD = WireType.LengthDelimited;
    const V = WireType.Varint;
    const t = Date.parse('2024-05-01T12:00:00Z') / 1000;
    const raw = new BinaryWriter()
      .tag(1, LD).fork().tag(1, LD).string('leader').tag(3, LD).string('kube-system').join()
      .tag(2, LD).fork()
      .tag(1, LD).string('me_1')
      .tag(2, V).int32(15)
      .tag(3, LD).fork().tag(1, V).int64(t).tag(2, V).int32(500000).join()
      .tag(4, LD).fork().tag(1, V).int64(t).tag(2, V).int32(0).join()
      .tag(5, V).int32(0)
      .join()
      .finish();
    const envelope = new BinaryWriter().tag(1, LD).fork().tag(1, LD).string('coordination.k8s.io/v1').tag(2, LD).string('Lease').join().tag(2, LD).bytes(raw).finish();
    assert.deepEqual(decodeProtobufObject(Buffer.concat([Buffer.from('k8s\0'), envelope]), leaseStrategy.protobuf!), {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'leader', namespace: 'kube-system' },
      spec: {
        holderIdentity: 'me_1',
        leaseDurationSeconds: 15,
        acquireTime: '2024-05-01T12:00:00.000500Z',
        renewTime: '2024-05-01T12:00:00.000000Z',
        leaseTransitions: 0,
      },
    });
  });
});
