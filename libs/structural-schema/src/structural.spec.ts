import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderError } from './field-errors.js';
import { newStructural, StructuralSchemaError } from './structural.js';
import { validateStructural } from './structural-validation.js';
import { validateCustomResourceDefinitionSchemas } from './crd-validation.js';

describe('structural schemas', () => {
  it('refuses what a structural schema cannot hold', () => {
    assert.throws(() => newStructural({ type: 'object', properties: { x: { $ref: '#/x' } } }), new StructuralSchemaError("OpenAPIV3Schema '$ref' is not supported"));
    assert.throws(() => newStructural({ type: 'array', items: [{ type: 'string' }] }), /'items' must be a schema, but is an array/);
    assert.throws(() => newStructural({ type: 'object', 'x-kubernetes-preserve-unknown-fields': false }), /must be true or undefined/);
  });

  it("reports a schema that is not structural with kube's messages, sorted", () => {
    const s = newStructural({
      type: 'object',
      properties: { spec: { type: 'object', properties: { a: {}, b: { type: 'array' }, c: { type: 'string', anyOf: [{ type: 'string', description: 'd' }] } } } },
    });
    assert.deepEqual(validateStructural('root', s).map(renderError), [
      'root.properties[spec].properties[a].type: Required value: must not be empty for specified object fields',
      'root.properties[spec].properties[b].items: Required value: must be specified',
      'root.properties[spec].properties[c].anyOf[0].description: Forbidden: must be empty to be structural',
      'root.properties[spec].properties[c].anyOf[0].type: Forbidden: must be empty to be structural',
    ]);
  });

  it('accepts int-or-string with its anyOf pattern, and metadata restricting name only', () => {
    const s = newStructural({
      type: 'object',
      properties: {
        metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 } } },
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
      },
    });
    assert.deepEqual(validateStructural(null, s), []);
  });

  it('reports at spec.versions[i] when versions have different schemas, at spec.validation when they share one', () => {
    const bad = { type: 'object', properties: { spec: { type: 'object', properties: { x: {} } } } };
    const good = { type: 'object', properties: { spec: { type: 'object' } } };
    const per = validateCustomResourceDefinitionSchemas({
      versions: [
        { name: 'v1', schema: { openAPIV3Schema: bad } },
        { name: 'v2', schema: { openAPIV3Schema: good } },
      ],
    });
    assert.deepEqual(per.map(renderError), ['spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[x].type: Required value: must not be empty for specified object fields']);
    const shared = validateCustomResourceDefinitionSchemas({ versions: [{ name: 'v1', schema: { openAPIV3Schema: { type: 'object', properties: { spec: {} } } } }] });
    assert.deepEqual(shared.map(renderError), ['spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields']);
  });
});
