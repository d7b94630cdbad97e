import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CustomResourceStructure } from './structure.js';
import { newStructural } from './structural.js';

const structure = new CustomResourceStructure(
  newStructural({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port', 'protocol'], items: { type: 'object', properties: { port: { type: 'integer' }, protocol: { type: 'string' } } } },
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          args: { type: 'array', items: { type: 'string' } },
          selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', additionalProperties: { type: 'string' } },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    },
  }),
);

describe("server-side apply's view of a custom resource", () => {
  it('reads list types and map keys from the schema; lists are atomic by default', () => {
    assert.deepEqual(structure.listTypeAt(['spec', 'ports']), { type: 'map', keys: ['port', 'protocol'] });
    assert.deepEqual(structure.listTypeAt(['spec', 'tags']), { type: 'set' });
    assert.deepEqual(structure.listTypeAt(['spec', 'args']), { type: 'atomic' });
    assert.deepEqual(structure.listFactsAt('spec.ports'), { listType: 'map', mapKeys: ['port', 'protocol'] });
  });

  it('reads map types: structs, granular maps by default, atomic when declared', () => {
    assert.equal(structure.mapTypeAt(['spec']), 'struct');
    assert.equal(structure.mapTypeAt(['spec', 'labels']), 'granular');
    assert.equal(structure.mapTypeAt(['spec', 'selector']), 'atomic');
  });

  it("treats the metadata of the resource and of embedded resources as ObjectMeta", () => {
    assert.deepEqual(structure.listTypeAt(['metadata', 'finalizers']), { type: 'set' });
    assert.deepEqual(structure.listTypeAt(['spec', 'template', 'metadata', 'ownerReferences']), { type: 'map', keys: ['uid'] });
    assert.equal(structure.mapTypeAt(['metadata', 'labels']), 'granular');
  });

  it('lists the fields an object may have, none for open objects', () => {
    assert.deepEqual(structure.fieldsAt(['spec', 'ports']), ['port', 'protocol']);
    // The root has type and object meta, whatever its schema lists.
    assert.deepEqual(structure.fieldsAt([])?.slice(0, 3), ['apiVersion', 'kind', 'metadata']);
    assert.equal(structure.fieldsAt(['spec', 'template']), undefined);
  });
});
