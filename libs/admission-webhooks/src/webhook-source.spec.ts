import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileSelector, WebhookCompiler } from './webhook-source.js';
import { configuration, webhook } from './test-support.fixture.js';

describe('WebhookCompiler', () => {
  it('orders configurations by name, keeps each one\'s webhooks in list order, and tells repeated names apart', () => {
    const compiler = new WebhookCompiler();
    const accessors = compiler.accessors([
      configuration('zeta', [webhook('z.example.com')]),
      configuration('alpha', [webhook('a.example.com'), webhook('a.example.com', { failurePolicy: 'Ignore' })]),
    ]);
    assert.deepEqual(
      accessors.map((a) => [a.uid, a.failurePolicy]),
      [
        ['alpha/a.example.com/0', 'Fail'],
        ['alpha/a.example.com/1', 'Ignore'],
        ['zeta/z.example.com/0', 'Fail'],
      ],
    );
  });

  it('compiles a stored version of a configuration once', () => {
    const compiler = new WebhookCompiler();
    const first = compiler.accessors([configuration('c', [webhook('w.example.com')], '5')]);
    const again = compiler.accessors([configuration('c', [webhook('w.example.com')], '5')]);
    assert.equal(again[0], first[0]);
    const changed = compiler.accessors([configuration('c', [webhook('w.example.com')], '6')]);
    assert.notEqual(changed[0], first[0]);
  });
});

describe('compileSelector', () => {
  it('selects everything when absent or empty, and parses matchLabels and matchExpressions', () => {
    for (const s of [undefined, {}]) {
      const c = compileSelector(s);
      assert.ok('selector' in c && c.empty && c.selector.matches({ any: 'thing' }));
    }
    const c = compileSelector({ matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] });
    assert.ok('selector' in c && !c.empty);
    assert.equal(c.selector.matches({ env: 'prod', tier: 'web' }), true);
    assert.equal(c.selector.matches({ env: 'prod', tier: 'db' }), false);
  });

  it('keeps why a selector is not one, for the internal error it causes', () => {
    assert.deepEqual(compileSelector({ matchExpressions: [{ key: 'k', operator: 'Near' }] }), { error: '"Near" is not a valid label selector operator' });
  });
});
