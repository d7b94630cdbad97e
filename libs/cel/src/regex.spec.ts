// Every regular expression goes through RE2: catastrophic patterns run in linear time, and what
// RE2 does not have (backreferences, lookaround) is an error as in kube-apiserver.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kubernetesEnvironment } from './kubernetes.js';
import { CelError } from './values.js';

const env = kubernetesEnvironment({ variables: { s: { kind: 'string' }, p: { kind: 'string' } } });
const run = (expr: string, vars: Record<string, string> = {}) => env.compile(expr).program!.evaluate(vars, { costLimit: Number.MAX_SAFE_INTEGER }).result;

describe('regular expressions', () => {
  it('answers (a+)+$ on a long non-matching input (JavaScript backtracking never would)', () => {
    // A 30-character input took 71 s with JavaScript's engine; this is 100,000 characters.
    const s = 'a'.repeat(100_000) + 'b';
    assert.equal(run('s.matches("(a+)+$")', { s }), false);
    assert.equal(run("s.find('(a+)+$')", { s }), '');
    assert.deepEqual(run("s.findAll('(a|aa)+b')", { s: 'aaab' }), ['aaab']);
  });

  it('refuses what RE2 does not have, with Go regexp errors', () => {
    const backreference = run('s.matches(p)', { s: 'aa', p: '(a)\\1' });
    assert.ok(backreference instanceof CelError);
    assert.equal(backreference.message, 'error parsing regexp: invalid escape sequence: `\\1`');
    const lookahead = run('s.matches(p)', { s: 'ab', p: 'a(?=b)' });
    assert.ok(lookahead instanceof CelError && lookahead.message.includes('invalid or unsupported Perl syntax'));
  });

  it('matches anywhere in the string (CEL matches is a search), with Unicode classes', () => {
    assert.equal(run('s.matches("b")', { s: 'abc' }), true);
    assert.equal(run('s.matches("^\\\\p{L}+$")', { s: 'Ünïcödé' }), true);
  });
});
