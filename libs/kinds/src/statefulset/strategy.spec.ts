import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { statefulSetStrategy } from './strategy.js';

const template = () => ({ metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:17' }] } });
const prepared = (spec: Record<string, unknown>) => {
  const obj: KubeObject = { metadata: { name: 'db', namespace: 'ns' }, spec };
  prepareNew(statefulSetStrategy, obj);
  return obj;
};
const errors = (spec: Record<string, unknown>) => statefulSetStrategy.validate(prepared(spec)).map(renderFieldError);
const valid = () => ({ selector: { matchLabels: { app: 'db' } }, template: template() });

describe('statefulSetStrategy', () => {
  it('describes apps/v1 statefulsets (sts) with scale and status, named by DNS labels', () => {
    const { resource, shortNames, categories, subresources } = statefulSetStrategy.info;
    assert.deepEqual([resource, shortNames, categories, subresources], ['statefulsets', ['sts'], ['all'], ['scale', 'status']]);
    assert.notDeepEqual(statefulSetStrategy.validateName('a.b'), []);
  });

  it('applies kube defaults and leaves serviceName optional', () => {
    const spec = prepared(valid()).spec as Record<string, unknown>;
    assert.equal(spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.deepEqual([spec.replicas, spec.revisionHistoryLimit, 'serviceName' in spec], [1, 10, false]);
    assert.deepEqual(errors(valid()), []);
  });

  it('defaults claim templates as PersistentVolumeClaims', () => {
    const claim = { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    const spec = prepared({ ...valid(), volumeClaimTemplates: [claim] }).spec as Record<string, any>;
    assert.deepEqual(spec.volumeClaimTemplates, [
      { metadata: { name: 'data', creationTimestamp: null }, spec: { ...claim.spec, volumeMode: 'Filesystem' }, status: { phase: 'Pending' } },
    ]);
  });

  it('validates as kube does', () => {
    assert.deepEqual(errors({ ...valid(), podManagementPolicy: 'Random', updateStrategy: { type: 'Sometimes' } }), [
      `spec.podManagementPolicy: Invalid value: "Random": must be 'OrderedReady' or 'Parallel'`,
      `spec.updateStrategy: Invalid value: apps.StatefulSetUpdateStrategy{Type:"Sometimes", RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}: must be 'RollingUpdate' or 'OnDelete'`,
    ]);
    assert.deepEqual(errors({ ...valid(), updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } } }), [
      'spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0',
    ]);
    assert.deepEqual(errors({ ...valid(), selector: {} }), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset',
    ]);
    assert.deepEqual(errors({ ...valid(), persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep' } }), [
      'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
    ]);
  });

  it('allows only some spec fields to change', () => {
    const old = prepared(valid());
    const scaled = prepared({ ...valid(), replicas: 3 });
    assert.deepEqual(statefulSetStrategy.validateUpdate(scaled, old), []);
    const renamed = prepared({ ...valid(), serviceName: 'other' });
    assert.deepEqual(statefulSetStrategy.validateUpdate(renamed, old).map(renderFieldError), [
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });

  it('prints NAME READY AGE, and wide CONTAINERS IMAGES', () => {
    const obj = prepared(valid());
    obj.status = { replicas: 1, readyReplicas: 1 };
    assert.deepEqual(statefulSetStrategy.tableColumns.map((c) => [c.name, c.priority]), [['Name', 0], ['Ready', 0], ['Age', 0], ['Containers', 1], ['Images', 1]]);
    assert.equal(statefulSetStrategy.tableColumns[1].cell(obj, 0), '1/1');
  });
});
