import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderError } from './field-errors.js';
import type { JSONSchemaProps } from './json-schema-props.js';
import { newStructural } from './structural.js';
import { CorrelatedObject } from './correlation.js';
import { CustomResourceValueValidator } from './value-validation.js';

const spec = (properties: Record<string, JSONSchemaProps>): JSONSchemaProps => ({ type: 'object', properties: { spec: { type: 'object', properties } } });
const errorsOf = (schema: JSONSchemaProps, obj: unknown) => new CustomResourceValueValidator(newStructural(schema)).validate(obj).map(renderError);

describe('custom resource value validation', () => {
  it('reports a value of the wrong type with the type it has', () => {
    assert.deepEqual(errorsOf(spec({ replicas: { type: 'integer' } }), { spec: { replicas: 'string' } }), [
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    ]);
  });

  it('reports an enum as the supported values', () => {
    assert.deepEqual(errorsOf(spec({ mode: { type: 'string', enum: ['a', 'b'] } }), { spec: { mode: 'c' } }), ['spec.mode: Unsupported value: "c": supported values: "a", "b"']);
  });

  it('reports a string too long in bytes, counting characters', () => {
    const schema = spec({ name: { type: 'string', maxLength: 3 } });
    assert.deepEqual(errorsOf(schema, { spec: { name: 'abcd' } }), ['spec.name: Too long: may not be more than 3 bytes']);
    assert.deepEqual(errorsOf(schema, { spec: { name: 'äöü' } }), []);
  });

  it('truncates a fractional maximum for an integer value, as kube-openapi does', () => {
    const schema = spec({ n: { type: 'integer', maximum: 10.5 } });
    assert.deepEqual(errorsOf(schema, { spec: { n: 11 } }), ['spec.n: Invalid value: 11: spec.n in body should be less than or equal to 10']);
    assert.deepEqual(errorsOf(schema, { spec: { n: 10 } }), []);
  });

  it('checks patterns with RE2: a pattern that backtracks exponentially elsewhere runs in linear time', () => {
    const schema = spec({ s: { type: 'string', pattern: '^(a+)+$' } });
    assert.deepEqual(errorsOf(schema, { spec: { s: `${'a'.repeat(100_000)}b` } }), [`spec.s: Invalid value: "${'a'.repeat(100_000)}b": spec.s in body should match '^(a+)+$'`]);
    assert.deepEqual(errorsOf(schema, { spec: { s: 'a'.repeat(100_000) } }), []);
  });

  it('validates deep nesting without overflowing the stack', () => {
    const depth = 500;
    let schema: JSONSchemaProps = { type: 'integer', maximum: 1 };
    let obj: unknown = 2;
    for (let i = 0; i < depth; i++) {
      schema = { type: 'object', properties: { n: schema } };
      obj = { n: obj };
    }
    const errors = errorsOf(schema, obj);
    assert.equal(errors.length, 1);
    assert.ok(errors[0].startsWith(`${Array(depth).fill('n').join('.')}: Invalid value: 2:`));
  });

  it('validates a large object', () => {
    const items = Array.from({ length: 100_000 }, (_, i) => ({ name: `item-${i}`, value: i }));
    items[99_999].value = -1;
    const schema = spec({ items: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, value: { type: 'integer', minimum: 0 } } } } });
    assert.deepEqual(errorsOf(schema, { spec: { items } }), ['spec.items[99999].value: Invalid value: -1: spec.items[99999].value in body should be greater than or equal to 0']);
  });

  it('reports the anyOf alternative that matched most, with the composite error at the root path', () => {
    const schema = spec({ pick: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, anyOf: [{ required: ['a'] }, { properties: { b: { maxLength: 1 } } }] } });
    assert.deepEqual(errorsOf(schema, { spec: { pick: { b: 'long' } } }), ['<nil>: Invalid value: "": "spec.pick" must validate at least one schema (anyOf)', 'spec.pick.b: Too long: may not be more than 1 byte']);
  });

  it('accepts what Go converts to an enum entry, and never null', () => {
    const schema = spec({ level: { type: 'number', enum: [1, 2] }, letter: { type: 'string', enum: ['a'], nullable: true } });
    assert.deepEqual(errorsOf(schema, { spec: { level: 1.5, letter: 97 } }), ['spec.letter: Invalid value: "integer": spec.letter in body must be of type string: "integer"']);
    assert.deepEqual(errorsOf(schema, { spec: { letter: null } }), ['spec.letter: Unsupported value: null: supported values: "a"']);
  });

  it('treats int-or-string as integer or string', () => {
    const schema = spec({ port: { 'x-kubernetes-int-or-string': true } });
    assert.deepEqual(errorsOf(schema, { spec: { port: 80 } }), []);
    assert.deepEqual(errorsOf(schema, { spec: { port: 'http' } }), []);
    assert.deepEqual(errorsOf(schema, { spec: { port: true } }), ['spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"']);
  });

  it('ratchets: errors of a value unchanged from the old object are not reported', () => {
    const structural = newStructural(spec({ name: { type: 'string', maxLength: 3 }, other: { type: 'string', maxLength: 3 } }));
    const validator = new CustomResourceValueValidator(structural);
    const old = { spec: { name: 'abcdef' } };
    assert.deepEqual(validator.validateUpdate(new CorrelatedObject({ spec: { name: 'abcdef', other: 'ab' } }, old, structural)).map(renderError), []);
    assert.deepEqual(validator.validateUpdate(new CorrelatedObject({ spec: { name: 'abcdefg' } }, old, structural)).map(renderError), ['spec.name: Too long: may not be more than 3 bytes']);
  });
});
