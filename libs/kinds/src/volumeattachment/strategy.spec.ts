import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { volumeAttachmentStrategy as strategy } from './strategy.js';

const attachment = (spec: Record<string, unknown>, status?: unknown): KubeObject => ({ metadata: { name: 'va' }, spec, status });
const spec = { attacher: 'csi.example.com', nodeName: 'node-1', source: { persistentVolumeName: 'pv-1' } };

describe('volumeAttachmentStrategy', () => {
  it('is cluster-scoped storage.k8s.io/v1 with status', () => {
    assert.deepEqual([strategy.info.group, strategy.info.resource, strategy.info.namespaced, strategy.info.subresources], ['storage.k8s.io', 'volumeattachments', false, ['status']]);
  });

  it('starts unattached and requires attacher, node and exactly one source', () => {
    const obj = attachment(spec, { attached: true });
    prepareNew(strategy, obj);
    assert.deepEqual(obj.status, { attached: false });
    assert.deepEqual(strategy.validate(obj), []);
    assert.deepEqual(strategy.validate(attachment({ source: {} })).map(renderFieldError), [
      'spec.attacher: Required value',
      'spec.nodeName: Required value',
      'spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName',
    ]);
  });

  it('never changes its spec', () => {
    assert.match(strategy.validateUpdate(attachment({ ...spec, nodeName: 'node-2' }), attachment(spec)).map(renderFieldError)[0], /^spec: Invalid value: .*: field is immutable$/);
  });

  it('prints NAME ATTACHER PV NODE ATTACHED AGE', () => {
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), ['Name', 'Attacher', 'PV', 'Node', 'Attached', 'Age']);
    assert.deepEqual(strategy.tableColumns.slice(0, 5).map((c) => c.cell(attachment(spec, { attached: true }), 0)), ['va', 'csi.example.com', 'pv-1', 'node-1', true]);
  });
});
