import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { everything, parseLabelSelector } from './label-selector.js';
import { StatusError } from './errors.js';

const matches = (selector: string, labels: Record<string, string> | undefined) => parseLabelSelector(selector).matches(labels);

function assertBadRequest(selector: string) {
  assert.throws(
    () => parseLabelSelector(selector),
    (err: unknown) => err instanceof StatusError && err.httpCode === 400 && err.reason === 'BadRequest',
    `expected ${JSON.stringify(selector)} to be refused with 400`,
  );
}

describe('parseLabelSelector: empty selectors', () => {
  it('treats undefined, "" and blanks as everything', () => {
    for (const s of [undefined, '', '   ']) {
      const sel = parseLabelSelector(s);
      assert.equal(sel, everything);
      assert.ok(sel.isEmpty());
      assert.ok(sel.matches(undefined));
      assert.ok(sel.matches({ a: 'b' }));
    }
  });
});

describe('parseLabelSelector: operators', () => {
  it('parses = and == as equality', () => {
    for (const s of ['app=web', 'app==web', 'app = web', ' app==  web ']) {
      const sel = parseLabelSelector(s);
      assert.deepEqual(sel.requirements, [{ key: 'app', operator: '=', values: ['web'] }], s);
      assert.equal(sel.isEmpty(), false);
      assert.ok(sel.matches({ app: 'web' }));
      assert.equal(sel.matches({ app: 'db' }), false);
      assert.equal(sel.matches({}), false);
      assert.equal(sel.matches(undefined), false);
    }
  });

  it('matches an empty value only against a present, empty label', () => {
    assert.deepEqual(parseLabelSelector('app=').requirements, [{ key: 'app', operator: '=', values: [''] }]);
    assert.deepEqual(parseLabelSelector('app==').requirements, [{ key: 'app', operator: '=', values: [''] }]);
    assert.ok(matches('app=', { app: '' }));
    assert.equal(matches('app=', {}), false);
  });

  it('!= matches a different value and a missing label', () => {
    assert.deepEqual(parseLabelSelector('tier!=db').requirements, [{ key: 'tier', operator: '!=', values: ['db'] }]);
    assert.ok(matches('tier!=db', { tier: 'web' }));
    assert.ok(matches('tier!=db', {}));
    assert.equal(matches('tier!=db', { tier: 'db' }), false);
  });

  it('in matches any listed value and requires the label', () => {
    const sel = parseLabelSelector('env in (prod, staging)');
    assert.deepEqual(sel.requirements, [{ key: 'env', operator: 'in', values: ['prod', 'staging'] }]);
    assert.ok(sel.matches({ env: 'prod' }));
    assert.ok(sel.matches({ env: 'staging' }));
    assert.equal(sel.matches({ env: 'dev' }), false);
    assert.equal(sel.matches({}), false);
  });

  it('notin matches other values and a missing label', () => {
    const sel = parseLabelSelector('env notin (prod,staging)');
    assert.deepEqual(sel.requirements, [{ key: 'env', operator: 'notin', values: ['prod', 'staging'] }]);
    assert.ok(sel.matches({ env: 'dev' }));
    assert.ok(sel.matches({}));
    assert.equal(sel.matches({ env: 'prod' }), false);
  });

  it('a bare key requires the label to exist, with any value', () => {
    assert.deepEqual(parseLabelSelector('app').requirements, [{ key: 'app', operator: 'exists', values: [] }]);
    assert.ok(matches('app', { app: '' }));
    assert.ok(matches('app', { app: 'x' }));
    assert.equal(matches('app', { other: 'x' }), false);
  });

  it('!key requires the label to be absent', () => {
    for (const s of ['!app', '! app']) {
      assert.deepEqual(parseLabelSelector(s).requirements, [{ key: 'app', operator: '!', values: [] }], s);
    }
    assert.ok(matches('!app', {}));
    assert.ok(matches('!app', undefined));
    assert.equal(matches('!app', { app: '' }), false);
  });

  it('gt and lt compare integers', () => {
    assert.deepEqual(parseLabelSelector('replicas>2').requirements, [{ key: 'replicas', operator: 'gt', values: ['2'] }]);
    assert.deepEqual(parseLabelSelector('replicas < 10').requirements, [{ key: 'replicas', operator: 'lt', values: ['10'] }]);
    assert.ok(matches('replicas>2', { replicas: '3' }));
    assert.equal(matches('replicas>2', { replicas: '2' }), false);
    assert.ok(matches('replicas<10', { replicas: '9' }));
    assert.equal(matches('replicas<10', { replicas: '10' }), false);
    assert.equal(matches('replicas>2', {}), false);
    assert.equal(matches('replicas>2', { replicas: 'many' }), false);
  });

  it('gt and lt do not match a label value that strconv.ParseInt refuses', () => {
    // kube parses the label value with strconv.ParseInt(v, 10, 64): "" and "1.0" are not integers.
    assert.equal(matches('replicas<5', { replicas: '' }), false);
    assert.equal(matches('replicas<5', { replicas: '1.0' }), false);
    assert.equal(matches('replicas>5', { replicas: '1e3' }), false);
  });
});

describe('parseLabelSelector: combinations', () => {
  it('ANDs comma separated requirements, keeping commas inside value sets', () => {
    const sel = parseLabelSelector('app=web,env in (prod,staging),!legacy,tier');
    assert.deepEqual(sel.requirements, [
      { key: 'app', operator: '=', values: ['web'] },
      { key: 'env', operator: 'in', values: ['prod', 'staging'] },
      { key: 'legacy', operator: '!', values: [] },
      { key: 'tier', operator: 'exists', values: [] },
    ]);
    assert.ok(sel.matches({ app: 'web', env: 'prod', tier: 'x' }));
    assert.equal(sel.matches({ app: 'web', env: 'prod', tier: 'x', legacy: 'true' }), false);
    assert.equal(sel.matches({ app: 'web', env: 'dev', tier: 'x' }), false);
    assert.equal(sel.matches({ app: 'web', env: 'prod' }), false);
  });

  it('accepts prefixed keys and the characters label values allow', () => {
    const sel = parseLabelSelector('app.kubernetes.io/name=my_app-1.2,kubernetes.io/metadata.name in (kube-system)');
    assert.ok(sel.matches({ 'app.kubernetes.io/name': 'my_app-1.2', 'kubernetes.io/metadata.name': 'kube-system' }));
  });

  it('an empty value set means the empty value, as kube parses "()"', () => {
    assert.ok(matches('env in ()', { env: '' }));
    assert.equal(matches('env in ()', { env: 'prod' }), false);
    assert.equal(matches('env notin ()', { env: '' }), false);
    assert.ok(matches('env notin ()', { env: 'prod' }));
  });
});

describe('parseLabelSelector: parse errors', () => {
  it('refuses malformed requirements with 400 BadRequest', () => {
    for (const s of ['=web', 'app=web=x', 'app in prod', 'app in (prod', 'app=(x)', 'app=web,', ',app', '!app=web', 'app>x', 'a b', 'app notin', '(x)']) {
      assertBadRequest(s);
    }
  });

  it('names the offending requirement in the message', () => {
    assert.throws(() => parseLabelSelector('app=web,=x'), (err: StatusError) => /unable to parse requirement/.test(err.message));
  });

  it('refuses keys and values that are not valid label keys and values, as NewRequirement does', () => {
    for (const s of ['app_=web', 'a/b/c=d', 'app=-web', 'app=web_', 'app in (a,-b)', `app=${'v'.repeat(64)}`]) {
      assertBadRequest(s);
    }
  });
});
