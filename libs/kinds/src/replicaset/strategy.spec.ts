import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { scaleOf } from '../scale.js';
import { replicaSetStrategy } from './strategy.js';

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } };
const prepared = (spec: Record<string, unknown>) => {
  const obj: KubeObject = { metadata: { name: 'web', namespace: 'ns' }, spec };
  prepareNew(replicaSetStrategy, obj);
  return obj;
};
const errors = (spec: Record<string, unknown>) => replicaSetStrategy.validate(prepared(spec)).map(renderFieldError);

describe('replicaSetStrategy', () => {
  it('describes apps/v1 replicasets (rs) with scale and status', () => {
    const { group, resource, shortNames, categories, subresources } = replicaSetStrategy.info;
    assert.deepEqual([group, resource, shortNames, categories, subresources], ['apps', 'replicasets', ['rs'], ['all'], ['scale', 'status']]);
  });

  it('defaults one replica, the pod template, and an empty status', () => {
    const obj = prepared({ selector: { matchLabels: { app: 'web' } }, template: structuredClone(template) });
    assert.equal((obj.spec as { replicas: number }).replicas, 1);
    assert.deepEqual(obj.status, { replicas: 0 });
    assert.equal((obj.spec as any).template.spec.dnsPolicy, 'ClusterFirst');
  });

  it('validates as kube does', () => {
    assert.deepEqual(errors({ selector: { matchLabels: { app: 'web' } }, template: structuredClone(template) }), []);
    assert.deepEqual(errors({ template: structuredClone(template) }), ['spec.selector: Required value']);
    assert.deepEqual(errors({ selector: { matchLabels: { app: 'x' } }, template: structuredClone(template), replicas: -2 }), [
      'spec.replicas: Invalid value: -2: must be greater than or equal to 0',
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]);
    assert.deepEqual(errors({ selector: { matchExpressions: [{ key: 'app', operator: 'Near' }] }, template: structuredClone(template) }), [
      'spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator',
    ]);
  });

  it('prints NAME DESIRED CURRENT READY AGE, and wide CONTAINERS IMAGES SELECTOR', () => {
    const obj = prepared({ replicas: 3, selector: { matchLabels: { app: 'web' } }, template: structuredClone(template) });
    obj.status = { replicas: 2, readyReplicas: 1 };
    const cols = replicaSetStrategy.tableColumns.filter((c) => c.name !== 'Age');
    assert.deepEqual(replicaSetStrategy.tableColumns.map((c) => c.name), ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector']);
    assert.deepEqual(cols.map((c) => c.cell(obj, 0)), ['web', 3, 2, 1, 'nginx', 'nginx:1.27', 'app=web']);
    assert.deepEqual(scaleOf(replicaSetStrategy.scale!, obj).status, { replicas: 2, selector: 'app=web' });
  });
});

describe('replicaSetStrategy field selectors', () => {
  it('selects by status.replicas, as kube does', () => {
    const obj = prepared({ selector: { matchLabels: { app: 'web' } }, template: structuredClone(template) });
    assert.deepEqual(replicaSetStrategy.selectableFields(obj), { 'metadata.name': 'web', 'metadata.namespace': 'ns', 'status.replicas': '0' });
  });
});
