import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { goBadValue, goFloat, goJSON, goQuote } from './go-format.js';

describe('values as Go prints them', () => {
  it('prints floats as %v does', () => {
    assert.deepEqual([1e6, 123456.7, 1.2345675e6, 0.0001, 0.00001, 1.5e-7, 10.5, 3, -2e7].map(goFloat), ['1e+06', '123456.7', '1.2345675e+06', '0.0001', '1e-05', '1.5e-07', '10.5', '3', '-2e+07']);
  });

  it('quotes strings as %q does', () => {
    assert.equal(goQuote('a\x00bé\u2028"\\\t'), '"a\\x00bé\\u2028\\"\\\\\\t"');
  });

  it('encodes JSON as encoding/json does: keys sorted, HTML escaped', () => {
    assert.equal(goJSON({ b: 1, a: ['<x>', 1.5, null, true] }), '{"a":["\\u003cx\\u003e",1.5,null,true],"b":1}');
  });

  it('renders bad values as field.Error does', () => {
    assert.deepEqual([goBadValue('x'), goBadValue(3), goBadValue(1.5), goBadValue(null), goBadValue({ a: 1 })], ['"x"', '3', '1.5', 'null', '{"a":1}']);
  });
});
