import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { daemonSetStrategy } from './strategy.js';

const template = () => ({ metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'agent:1' }], nodeSelector: { os: 'linux' } } });
const prepared = (spec: Record<string, unknown>) => {
  const obj: KubeObject = { metadata: { name: 'agent', namespace: 'ns' }, spec };
  prepareNew(daemonSetStrategy, obj);
  return obj;
};
const errors = (spec: Record<string, unknown>) => daemonSetStrategy.validate(prepared(spec)).map(renderFieldError);
const valid = () => ({ selector: { matchLabels: { app: 'agent' } }, template: template() });

describe('daemonSetStrategy', () => {
  it('describes apps/v1 daemonsets (ds) with status only', () => {
    const { resource, shortNames, categories, subresources } = daemonSetStrategy.info;
    assert.deepEqual([resource, shortNames, categories, subresources], ['daemonsets', ['ds'], ['all'], ['status']]);
    assert.equal(daemonSetStrategy.scale, undefined);
  });

  it('defaults RollingUpdate with maxUnavailable 1 and maxSurge 0', () => {
    const spec = prepared(valid()).spec as Record<string, unknown>;
    assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.deepEqual(errors(valid()), []);
  });

  it('validates as kube does', () => {
    assert.deepEqual(errors({ template: template() }), ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"agent"}: `selector` does not match template `labels`']);
    assert.deepEqual(errors({ ...valid(), updateStrategy: { rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } }), [
      'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero',
    ]);
    assert.deepEqual(errors({ ...valid(), updateStrategy: { rollingUpdate: { maxUnavailable: 0 } } }), [
      'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0',
    ]);
    assert.deepEqual(errors({ ...valid(), updateStrategy: { type: 'Never' } }), [
      'spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{Type:"Never", RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "RollingUpdate", "OnDelete"',
    ]);
  });

  it('prints NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE', () => {
    const obj = prepared(valid());
    assert.deepEqual(daemonSetStrategy.tableColumns.filter((c) => c.priority === 0).map((c) => c.name), ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age']);
    assert.deepEqual(daemonSetStrategy.tableColumns.filter((c) => c.priority === 1).map((c) => c.name), ['Containers', 'Images', 'Selector']);
    assert.deepEqual(daemonSetStrategy.tableColumns.slice(1, 7).map((c) => c.cell(obj, 0)), [0, 0, 0, 0, 0, 'os=linux']);
  });
});
