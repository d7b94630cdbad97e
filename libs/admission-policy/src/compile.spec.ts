// What kube-apiserver v1.34.2 says of expressions it cannot use (asked with a dry-run create of a
// ValidatingAdmissionPolicy): the same details a policy's validation and its evaluation report.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { T } from '@kapi/cel';
import { PolicyCompiler } from './compile.js';

describe('PolicyCompiler', () => {
  const compiler = new PolicyCompiler({ hasParams: false }, [{ name: 'labels', expression: 'object.metadata.labels' }]);

  it("requires each expression's exact type", () => {
    assert.equal(compiler.compile('object.metadata.name', [T.bool]).error, 'must evaluate to bool but got dyn');
    assert.equal(compiler.compile('1', [T.bool]).error, 'must evaluate to bool but got int');
    assert.equal(compiler.compile('1', [T.string]).error, 'must evaluate to string but got int');
    assert.equal(compiler.compile('1', [T.string, T.null]).error, 'must evaluate to one of [string null_type] but got int');
    assert.equal(compiler.compile("has(variables.labels.app)", [T.bool]).error, undefined);
  });

  it('reports compile errors in cel-go\'s format after "compilation failed: "', () => {
    assert.equal(compiler.compile('1 == 1.0', [T.bool]).error, "compilation failed: ERROR: <input>:1:3: found no matching overload for '_==_' applied to '(int, double)'\n | 1 == 1.0\n | ..^");
    assert.equal(compiler.compile('int("abc") == 1', [T.bool]).error, "program instantiation failed: type conversion error from 'string' to 'int'");
  });
});
