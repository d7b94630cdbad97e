import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { goJsonSyntaxError, quoteChar } from './go-json-syntax.js';

const error = (text: string | number[]) => goJsonSyntaxError(typeof text === 'string' ? Buffer.from(text, 'latin1') : Buffer.from(text));

describe("goJsonSyntaxError (Go's encoding/json scanner)", () => {
  it('finds nothing wrong with JSON', () => {
    for (const ok of ['{}', '[]', ' {"a":[1,-2.5e+3,true,false,null,"x\\u00e9\\n"]} ', '0', '-0.1E9', '"s"', '[[[]]]']) assert.equal(error(ok), undefined, ok);
  });

  it('words each syntax error as Go does', () => {
    const cases: [string, string][] = [
      ['', 'unexpected end of JSON input'],
      ['{"apiVersion":"v1","kind":', 'unexpected end of JSON input'],
      ['"abc', 'unexpected end of JSON input'],
      ['a: [', "invalid character 'a' looking for beginning of value"],
      ['{a}', "invalid character 'a' looking for beginning of object key string"],
      ['{"a" 1}', "invalid character '1' after object key"],
      ['{"a":1 "b"}', `invalid character '"' after object key:value pair`],
      ['[1 2]', "invalid character '2' after array element"],
      ['{} x', "invalid character 'x' after top-level value"],
      ['"a\tb"', "invalid character '\\t' in string literal"],
      ['"\\q"', "invalid character 'q' in string escape code"],
      ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
      ['-x', "invalid character 'x' in numeric literal"],
      ['1.x', "invalid character 'x' after decimal point in numeric literal"],
      ['1ex', "invalid character 'x' in exponent of numeric literal"],
      // At the end Go feeds the scanner a space, which a cut literal or number trips on.
      ['tru', "invalid character ' ' in literal true (expecting 'e')"],
      ['1.', "invalid character ' ' after decimal point in numeric literal"],
      ['trUe', "invalid character 'U' in literal true (expecting 'u')"],
      ['nul!', "invalid character '!' in literal null (expecting 'l')"],
      ['fals3', "invalid character '3' in literal false (expecting 'e')"],
      ["'x'", "invalid character '\\'' looking for beginning of value"],
      ['01', "invalid character '1' after top-level value"],
      ['[1,]', "invalid character ']' looking for beginning of value"],
    ];
    for (const [text, message] of cases) assert.equal(error(text), message, text);
  });

  it('stops past 10,000 levels of nesting, as Go does', () => {
    assert.equal(error('['.repeat(10_000) + ']'.repeat(10_000)), undefined);
    assert.equal(error('['.repeat(10_001)), "invalid character '[' exceeded max depth");
  });

  it('quotes bytes as strconv.Quote does', () => {
    assert.equal(quoteChar(0x01), "'\\x01'");
    assert.equal(quoteChar(0x0a), "'\\n'");
    assert.equal(quoteChar(0x5c), "'\\\\'");
    assert.equal(quoteChar(0x85), "'\\u0085'");
    assert.equal(quoteChar(0xff), "'ÿ'");
    assert.equal(error([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), "invalid character 'ï' looking for beginning of value");
  });
});
