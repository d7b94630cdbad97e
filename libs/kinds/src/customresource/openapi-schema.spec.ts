import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { customResourceSchemaForOpenApi } from './openapi-schema.js';

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['mode', 'maybe'],
      properties: {
        mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
        port: { 'x-kubernetes-int-or-string': true },
        maybe: { type: 'string', nullable: true },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { x: { type: 'string' } } },
        list: { type: 'array', 'x-kubernetes-preserve-unknown-fields': true, items: { type: 'string' } },
        choice: { type: 'object', properties: { a: { type: 'string' } }, oneOf: [{ required: ['a'] }] },
        embedded: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  },
};
const spec = (s: unknown) => (s as { properties: { spec: { properties: Record<string, Record<string, unknown>>; required?: string[] } } }).properties.spec;

describe('a CRD schema in the OpenAPI documents', () => {
  it('v3 keeps the schema, unfolds int-or-string into its anyOf and gives embedded resources their meta', () => {
    const v3 = spec(customResourceSchemaForOpenApi(schema, false));
    assert.deepEqual(v3.properties.port, { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] });
    assert.deepEqual(v3.properties.mode, { type: 'string', enum: ['a', 'b'], default: 'a' });
    assert.deepEqual(v3.properties.choice.oneOf, [{ required: ['a'] }]);
    assert.deepEqual(v3.properties.embedded.required, ['kind', 'apiVersion']);
    assert.deepEqual(Object.keys(v3.properties.embedded.properties as object), ['apiVersion', 'kind', 'metadata']);
    assert.deepEqual(v3.required, ['mode', 'maybe']);
  });

  it('v2 drops junctors, defaults, the types and nested schemas kubectl cannot validate, and nullable fields from required', () => {
    const v2 = spec(customResourceSchemaForOpenApi(schema, true));
    assert.deepEqual(v2.properties.port, { 'x-kubernetes-int-or-string': true });
    assert.deepEqual(v2.properties.mode, { type: 'string', enum: ['a', 'b'] });
    assert.deepEqual(v2.properties.maybe, {});
    assert.deepEqual(v2.properties.free, { 'x-kubernetes-preserve-unknown-fields': true });
    assert.deepEqual(v2.properties.list, { 'x-kubernetes-preserve-unknown-fields': true });
    assert.deepEqual(v2.properties.choice, { type: 'object', properties: { a: { type: 'string' } } });
    assert.deepEqual(v2.properties.embedded, { 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true });
    assert.deepEqual(v2.required, ['mode']);
  });

  it('v2 publishes a schema that keeps unknown fields at its root as a bare object', () => {
    assert.equal(customResourceSchemaForOpenApi({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, true), undefined);
    assert.deepEqual(customResourceSchemaForOpenApi({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, false), { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  });
});
