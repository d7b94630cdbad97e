import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatType } from '@kapi/cel';
import { CelValidator } from './cel/validator.js';
import { schemaDeclType } from './cel/decl-type.js';
import { escapeName, unescapeName } from './cel/escaping.js';
import { validFieldPath } from './cel/field-path.js';
import { CorrelatedObject } from './correlation.js';
import { renderError } from './field-errors.js';
import type { JSONSchemaProps } from './json-schema-props.js';
import { newStructural } from './structural.js';

const rules = (schema: JSONSchemaProps) => CelValidator.create(newStructural(schema), true)!;
const spec = (properties: Record<string, JSONSchemaProps>, extra: Partial<JSONSchemaProps> = {}): JSONSchemaProps => ({
  type: 'object',
  properties: { spec: { type: 'object', properties, ...extra } },
});

describe('x-kubernetes-validations', () => {
  it('escapes property names as kube does', () => {
    assert.deepEqual(['namespace', 'a-b', 'a.b/c', 'x__y', '1a', 'a b'].map(escapeName), ['__namespace__', 'a__dash__b', 'a__dot__b__slash__c', 'x__underscores__y', undefined, undefined]);
    assert.equal(unescapeName('a__dash__b'), 'a-b');
  });

  it("types a schema as kube's SchemaDeclType, with the sizes the estimator assumes", () => {
    const t = schemaDeclType(newStructural({ type: 'object', properties: { s: { type: 'string', maxLength: 10 }, l: { type: 'array', items: { type: 'integer' } }, m: { type: 'object', additionalProperties: { type: 'string' } } } }), false)!;
    assert.equal(t.fields!.get('s')!.type.type.maxSize, 40);
    assert.equal(t.fields!.get('l')!.type.type.maxSize, Math.floor((3 * 1024 * 1024 - 2) / 2));
    assert.equal(formatType(t.fields!.get('m')!.type.type), 'map(string, string)');
  });

  it('reports a failing rule at its node, with the schema type as value, and at the root as <nil>', () => {
    const v = rules({ ...spec({ min: { type: 'integer' } }, { 'x-kubernetes-validations': [{ rule: 'self.min >= 0', message: 'min must not be negative' }] }), 'x-kubernetes-validations': [{ rule: "self.metadata.name != 'x'" }] });
    const result = v.validate(null, { metadata: { name: 'x' }, spec: { min: -1 } }, undefined);
    assert.deepEqual(result.errors.map(renderError), ['<nil>: Invalid value: "object": failed rule: self.metadata.name != \'x\'', 'spec: Invalid value: "object": min must not be negative']);
  });

  it('uses messageExpression, reason and fieldPath', () => {
    const v = rules(
      spec({ a: { type: 'string' } }, {
        'x-kubernetes-validations': [
          { rule: "self.a != 'x'", messageExpression: "'a is ' + self.a", fieldPath: '.a' },
          { rule: "self.a != 'x'", reason: 'FieldValueForbidden', message: 'no x' },
        ],
      }),
    );
    assert.deepEqual(v.validate(null, { spec: { a: 'x' } }, undefined).errors.map(renderError), ['spec.a: Invalid value: "object": a is x', 'spec: Forbidden: no x']);
  });

  it('runs transition rules only on updates, and optionalOldSelf rules on creates too', () => {
    const v = rules(
      spec({
        name: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'immutable' }] },
        opt: { type: 'string', 'x-kubernetes-validations': [{ rule: "oldSelf.hasValue() || self != 'x'", optionalOldSelf: true, message: 'not x at first' }] },
      }),
    );
    assert.deepEqual(v.validate(null, { spec: { name: 'a', opt: 'x' } }, undefined).errors.map(renderError), ['spec.opt: Invalid value: "string": not x at first']);
    assert.deepEqual(v.validate(null, { spec: { name: 'b' } }, { spec: { name: 'a' } }).errors.map(renderError), ['spec.name: Invalid value: "string": immutable']);
  });

  it('ratchets: a rule an unchanged value breaks is a warning', () => {
    const schema = newStructural(spec({ even: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self % 2 == 0', message: 'must be even' }] }, other: { type: 'string' } }));
    const v = CelValidator.create(schema, true)!;
    const obj = { spec: { even: 3, other: 'b' } };
    const old = { spec: { even: 3, other: 'a' } };
    const result = v.validate(null, obj, old, { correlation: new CorrelatedObject(obj, old, schema) });
    assert.deepEqual([result.errors, result.warnings], [[], ['spec.even: Invalid value: "integer": must be even']]);
  });

  it('stops past the per-call limit and when the budget runs out', () => {
    const v = rules(spec({ l: { type: 'array', maxItems: 2000, items: { type: 'integer' }, 'x-kubernetes-validations': [{ rule: 'self.all(x, self.all(y, x >= 0))' }] } }));
    const heavy = v.validate(null, { spec: { l: Array(2000).fill(1) } }, undefined);
    assert.match(renderError(heavy.errors[0]), /'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule/);
    const poor = v.validate(null, { spec: { l: [1] } }, undefined, { budget: 0 });
    assert.deepEqual(poor.errors.map(renderError), ['spec.l: Invalid value: "array": validation failed due to running out of cost budget, no further validation rules will be run']);
  });

  it('compares set and map lists as kube does', () => {
    const v = rules(
      spec({
        set: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' }, 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'set changed' }] },
      }),
    );
    assert.deepEqual(v.validate(null, { spec: { set: ['b', 'a'] } }, { spec: { set: ['a', 'b'] } }).errors, []);
    assert.equal(v.validate(null, { spec: { set: ['a', 'c'] } }, { spec: { set: ['a', 'b'] } }).errors.length, 1);
  });

  it('normalizes a rule fieldPath, or says why it is not one', () => {
    const s = newStructural({ type: 'object', properties: { a: { type: 'object', additionalProperties: { type: 'string' } }, b: { type: 'string' } } });
    assert.deepEqual(validFieldPath(".a['x.y']", s), { path: 'a[x.y]', schema: s.properties!.a.additionalProperties!.structural });
    assert.deepEqual(validFieldPath('.c', s), { error: 'does not refer to a valid field' });
    assert.deepEqual(validFieldPath('b', s), { error: 'expected [ or . but got: b' });
  });
});
