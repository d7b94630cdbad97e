import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, pruneDefaults, pruneNonNullableNullsWithoutDefaults } from './defaulting.js';
import { prune } from './pruning.js';
import { newStructural } from './structural.js';
import { validateListSetsAndMaps } from './list-types.js';
import { renderError } from './field-errors.js';

const schema = newStructural({
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        size: { type: 'integer', default: 3 },
        nul: { type: 'string', nullable: true, default: 'x' },
        plain: { type: 'string' },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'object', properties: { a: { type: 'string' } } } } },
        items: { type: 'array', items: { type: 'object', properties: { n: { type: 'integer', default: 1 } } } },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        env: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
      },
    },
  },
});

describe('pruning', () => {
  it('removes unknown fields and returns their paths sorted, keeping what preserve-unknown-fields keeps', () => {
    const obj = {
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'n' },
      spec: { b: 1, a: 2, items: [{ n: 1, z: 0 }], free: { anything: 1, known: { a: 'x', b: 'y' } }, template: { apiVersion: 'v1', kind: 'Pod', metadata: { x: 1 }, other: 1 } },
      extra: 1,
    };
    assert.deepEqual(prune(obj, schema, true), ['extra', 'spec.a', 'spec.b', 'spec.free.known.b', 'spec.items[0].z', 'spec.template.other']);
    assert.deepEqual(obj, { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'n' }, spec: { items: [{ n: 1 }], free: { anything: 1, known: { a: 'x' } }, template: { apiVersion: 'v1', kind: 'Pod', metadata: { x: 1 } } } });
  });
});

describe('defaulting', () => {
  it('fills absent fields and non-nullable nulls, keeps nullable nulls, and defaults list items', () => {
    const obj = { spec: { size: null, nul: null, plain: null, items: [{}, { n: 5 }] } };
    pruneNonNullableNullsWithoutDefaults(obj, schema);
    applyDefaults(obj, schema);
    assert.deepEqual(obj, { spec: { size: 3, nul: null, items: [{ n: 1 }, { n: 5 }] } });
  });

  it('prunes defaults as they would be pruned in an object', () => {
    const s = pruneDefaults(newStructural({ type: 'object', properties: { spec: { type: 'object', default: { a: 1, b: 2 }, properties: { a: { type: 'integer' } } } } }));
    assert.deepEqual(s.properties!.spec.default, { a: 1 });
  });
});

describe('list types', () => {
  it('refuses duplicates of sets and map lists at their second occurrence', () => {
    const errs = validateListSetsAndMaps(null, schema, { spec: { tags: ['a', 'b', 'a', 'a'], env: [{ name: 'A' }, { name: 'A' }, 'x'] } }).map(renderError);
    assert.deepEqual(errs, ['spec.tags[2]: Duplicate value: "a"', 'spec.env[2]: Invalid value: "x": must be an object for an array of list-type map']);
    assert.deepEqual(validateListSetsAndMaps(null, schema, { spec: { env: [{ name: 'A' }, { name: 'A' }] } }).map(renderError), ['spec.env[1]: Duplicate value: {"name":"A"}']);
  });
});
