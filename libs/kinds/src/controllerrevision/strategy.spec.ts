import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { controllerRevisionStrategy } from './strategy.js';

const revision = (data: unknown, extra: Partial<KubeObject> = {}): KubeObject => ({ metadata: { name: 'web-1', namespace: 'ns' }, data, revision: 1, ...extra });

describe('controllerRevisionStrategy', () => {
  it('describes apps/v1 controllerrevisions, outside the all category', () => {
    assert.deepEqual([controllerRevisionStrategy.info.group, controllerRevisionStrategy.info.resource, controllerRevisionStrategy.info.categories], ['apps', 'controllerrevisions', []]);
  });

  it('requires data and a non-negative revision', () => {
    assert.deepEqual(controllerRevisionStrategy.validate(revision(undefined, { revision: -1 })).map(renderFieldError), [
      'data: Required value: data is mandatory',
      'revision: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('keeps data immutable', () => {
    assert.deepEqual(controllerRevisionStrategy.validateUpdate(revision({ a: 1 }), revision({ a: 1 })), []);
    assert.deepEqual(controllerRevisionStrategy.validateUpdate(revision({}), revision({ a: 1 })).map(renderFieldError), [
      'data: Invalid value: runtime.RawExtension{Raw:[]uint8{0x7b, 0x7d}, Object:runtime.Object(nil)}: field is immutable',
    ]);
  });

  it('prints NAME CONTROLLER REVISION AGE', () => {
    const obj = revision({}, { metadata: { name: 'web-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }] } });
    assert.deepEqual(controllerRevisionStrategy.tableColumns.map((c) => c.name), ['Name', 'Controller', 'Revision', 'Age']);
    assert.deepEqual([controllerRevisionStrategy.tableColumns[1].cell(obj, 0), controllerRevisionStrategy.tableColumns[2].cell(obj, 0)], ['statefulset.apps/web', 1]);
    assert.equal(controllerRevisionStrategy.tableColumns[1].cell(revision({}), 0), '<none>');
  });
});
