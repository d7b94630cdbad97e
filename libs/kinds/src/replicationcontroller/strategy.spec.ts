import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { storageKey } from '../catalogue.js';
import { scaleOf } from '../scale.js';
import { replicationControllerStrategy } from './strategy.js';

const template = () => ({ metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } });
const prepared = (spec: Record<string, unknown>) => {
  const obj: KubeObject = { metadata: { name: 'web', namespace: 'ns' }, spec };
  prepareNew(replicationControllerStrategy, obj);
  return obj;
};

describe('replicationControllerStrategy', () => {
  it('describes core v1 replicationcontrollers (rc), stored under /registry/controllers', () => {
    const info = replicationControllerStrategy.info;
    assert.deepEqual([info.group, info.shortNames, info.subresources], ['', ['rc'], ['scale', 'status']]);
    assert.equal(storageKey(info, 'ns', 'web'), '/registry/controllers/ns/web');
  });

  it('takes its selector and labels from the template when empty', () => {
    const obj = prepared({ template: template() });
    assert.deepEqual((obj.spec as Record<string, unknown>).selector, { app: 'web', tier: 'fe' });
    assert.deepEqual(obj.metadata?.labels, { app: 'web', tier: 'fe' });
    assert.equal((obj.spec as Record<string, unknown>).replicas, 1);
    assert.deepEqual(replicationControllerStrategy.validate(obj), []);
    assert.deepEqual(scaleOf(replicationControllerStrategy.scale!, obj).status, { replicas: 0, selector: 'app=web,tier=fe' });
  });

  it('validates as kube does', () => {
    const errors = (spec: Record<string, unknown>) => replicationControllerStrategy.validate(prepared(spec)).map(renderFieldError);
    assert.deepEqual(errors({}), ['spec.selector: Required value', 'spec.template: Required value']);
    assert.deepEqual(errors({ selector: { app: 'other' }, template: template() }), [
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web", "tier":"fe"}: `selector` does not match template `labels`',
    ]);
  });

  it('prints NAME DESIRED CURRENT READY AGE, and wide CONTAINERS IMAGES SELECTOR', () => {
    const obj = prepared({ template: template() });
    assert.deepEqual(replicationControllerStrategy.tableColumns.map((c) => c.name), ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector']);
    assert.equal(replicationControllerStrategy.tableColumns[7].cell(obj, 0), 'app=web,tier=fe');
  });
});
