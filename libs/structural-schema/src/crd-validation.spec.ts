import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderError } from './field-errors.js';
import { unrecognizedFormatWarnings, validateCustomResourceDefinitionSchemas } from './crd-validation.js';
import type { JSONSchemaProps } from './json-schema-props.js';

const version = (schema: JSONSchemaProps, name = 'v1') => ({ name, schema: { openAPIV3Schema: schema } });
const withRule = (rule: string, items: JSONSchemaProps): JSONSchemaProps => ({
  type: 'object',
  properties: { spec: { type: 'object', properties: { x: { type: 'array', maxItems: 2000, items, 'x-kubernetes-validations': [{ rule }] } } } },
});

describe("a CRD's schemas", () => {
  it("refuses a rule whose estimated cost passes kube's limit, with kube's factor", () => {
    const errs = validateCustomResourceDefinitionSchemas({ versions: [version(withRule('self.all(a, self.all(b, a >= 0))', { type: 'integer' }))] });
    assert.deepEqual(errs.map(renderError), [
      'spec.validation.openAPIV3Schema.properties[spec].properties[x].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of 2.0x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)',
    ]);
  });

  it('does not hold an unchanged schema to the per-expression limit on an update', () => {
    const spec = { versions: [version(withRule('self.all(a, self.all(b, a >= 0))', { type: 'integer' }))] };
    assert.deepEqual(validateCustomResourceDefinitionSchemas(spec, structuredClone(spec)), []);
  });

  it('reports a rule that does not compile, with the rule as kube prints it', () => {
    const errs = validateCustomResourceDefinitionSchemas({ versions: [version(withRule('self.y', { type: 'integer' }))] }).map(renderError);
    assert.equal(errs.length, 1);
    assert.ok(errs[0].startsWith('spec.validation.openAPIV3Schema.properties[spec].properties[x].x-kubernetes-validations[0].rule: Invalid value: {"Rule":"self.y","Message":"","MessageExpression":"","Reason":null,"FieldPath":"","OptionalOldSelf":null}: compilation failed: ERROR: <input>:1:5: '));
  });

  it('warns of string formats kube does not validate, once per new one', () => {
    const spec = { versions: [version({ type: 'object', properties: { a: { type: 'string', format: 'k8s-short-name' }, b: { type: 'integer', format: 'int32' } } })] };
    assert.deepEqual(unrecognizedFormatWarnings(spec), ['unrecognized format "k8s-short-name"']);
    assert.deepEqual(unrecognizedFormatWarnings(spec, spec), []);
  });
});
