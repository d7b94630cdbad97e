import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { nodeStrategy } from './strategy.js';

const NOW = Date.parse('2026-01-01T01:00:00Z');
const node = (extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1', creationTimestamp: '2026-01-01T00:00:00Z', labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/etcd': '' } },
  status: {
    conditions: [{ type: 'Ready', status: 'True' }],
    addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
    nodeInfo: { kubeletVersion: 'v1.33.1', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.7.0' },
  },
  ...extra,
});

describe('nodeStrategy', () => {
  it('is cluster-scoped with status and proxy subresources', () => {
    const info = nodeStrategy.info;
    assert.deepEqual([info.resource, info.namespaced, info.shortNames, info.subresources], ['nodes', false, ['no'], ['proxy', 'status']]);
  });

  it('prints NAME STATUS ROLES AGE VERSION, and the addresses and system info for -o wide', () => {
    assert.deepEqual(nodeStrategy.tableColumns.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Status', 0], ['Roles', 0], ['Age', 0], ['Version', 0],
      ['Internal-IP', 1], ['External-IP', 1], ['OS-Image', 1], ['Kernel-Version', 1], ['Container-Runtime', 1],
    ]);
    assert.deepEqual(nodeStrategy.tableColumns.map((c) => c.cell(node(), NOW)), [
      'n1', 'Ready', 'control-plane,etcd', '60m', 'v1.33.1', '10.0.0.1', '<none>', 'Debian GNU/Linux 12', '6.1.0', 'containerd://1.7.0',
    ]);
    const cordoned = node({ spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'False' }] } });
    assert.deepEqual(nodeStrategy.tableColumns.slice(1, 3).map((c) => c.cell(cordoned, NOW)), ['NotReady,SchedulingDisabled', 'control-plane,etcd']);
    assert.equal(nodeStrategy.tableColumns[1].cell(node({ status: {} }), NOW), 'Unknown');
  });

  it('selects by spec.unschedulable', () => {
    assert.deepEqual(nodeStrategy.selectableFields(node({ spec: { unschedulable: true } })), { 'metadata.name': 'n1', 'spec.unschedulable': 'true' });
  });

  it('keeps the status a kubelet registers with, allocatable defaulting to capacity', () => {
    const obj = node({ status: { capacity: { cpu: '2' } } });
    prepareNew(nodeStrategy, obj);
    assert.deepEqual(obj.status, { capacity: { cpu: '2' }, allocatable: { cpu: '2' } });
  });

  it('validates taints', () => {
    const errs = nodeStrategy.validate(node({ spec: { taints: [{ key: 'a', effect: 'Sometimes' }, { key: 'b' }] } })).map(renderFieldError);
    assert.deepEqual(errs, ['spec.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"', 'spec.taints[1].effect: Required value']);
  });
});
