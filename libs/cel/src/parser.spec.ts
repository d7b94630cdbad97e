import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kubernetesEnvironment } from './kubernetes.js';
import { parse } from './parser.js';

describe('parser and checker issues', () => {
  it("formats issues as cel-go does: location, message, the line and a caret", () => {
    const c = kubernetesEnvironment({ variables: { object: { kind: 'dyn' } } }).compile('object.x + foo');
    assert.equal(c.issues?.toString(), "ERROR: <input>:1:12: undeclared reference to 'foo' (in container '')\n | object.x + foo\n | ...........^");
  });

  it('reports syntax errors without throwing', () => {
    assert.equal(parse('1 +').issues.length, 1);
    assert.equal(parse('a.b(').issues.length, 1);
    assert.equal(parse('"unterminated').issues.length, 1);
    assert.match(parse('if').issues.toString(), /reserved identifier: if/);
  });

  it('bounds nesting and chains as kube-apiserver v1.34.2 does, instead of overflowing the stack', () => {
    assert.equal(parse('('.repeat(300) + 'true' + ')'.repeat(300)).issues.toString(), 'ERROR: <input>:-1:0: expression recursion limit exceeded: 250');
    assert.equal(parse('object' + '.a'.repeat(300) + ' == 1').issues.toString(), 'ERROR: <input>:-1:0: max recursion depth exceeded');
    assert.equal(parse('1' + '+1'.repeat(300) + ' > 0').issues.toString(), 'ERROR: <input>:-1:0: max recursion depth exceeded');
    assert.equal(parse('('.repeat(10_000) + '1' + ')'.repeat(10_000)).issues.length, 1);
    assert.equal(parse('a' + '.b'.repeat(100_000)).issues.length, 1);
    assert.equal(parse('object' + '.a'.repeat(100) + ' == 1').issues.length, 0);
  });

  it('parses literals: numbers, strings with escapes, bytes, raw strings', () => {
    const env = kubernetesEnvironment();
    const value = (e: string) => env.compile(e).program!.evaluate({}).result;
    assert.equal(value('0x1F'), 31n);
    assert.equal(value('"\\u00e9\\x41\\101"'), 'éAA');
    assert.equal(value("r'\\n'"), '\\n');
    assert.equal(value('-9223372036854775808'), -(2n ** 63n));
  });
});
