import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFieldSelector } from './field-selector.js';
import { StatusError } from './errors.js';

const isBadRequest = (err: unknown) => err instanceof StatusError && err.httpCode === 400 && err.reason === 'BadRequest';

describe('parseFieldSelector', () => {
  it('treats undefined and "" as the empty selector that matches everything', () => {
    for (const s of [undefined, '', '  ']) {
      const sel = parseFieldSelector(s);
      assert.ok(sel.isEmpty());
      assert.deepEqual(sel.requirements, []);
      assert.ok(sel.matches({ 'metadata.name': 'x' }));
      assert.equal(sel.exactValue('metadata.name'), undefined);
    }
  });

  it('parses =, == and !=', () => {
    assert.deepEqual(parseFieldSelector('metadata.name=x').requirements, [{ field: 'metadata.name', operator: '=', value: 'x' }]);
    assert.deepEqual(parseFieldSelector('metadata.name==x').requirements, [{ field: 'metadata.name', operator: '=', value: 'x' }]);
    assert.deepEqual(parseFieldSelector('status.phase!=Active').requirements, [{ field: 'status.phase', operator: '!=', value: 'Active' }]);
  });

  it('matches equality and inequality against the fields of an object', () => {
    const sel = parseFieldSelector('metadata.namespace=ns,metadata.name!=skip');
    assert.equal(sel.isEmpty(), false);
    assert.ok(sel.matches({ 'metadata.namespace': 'ns', 'metadata.name': 'keep' }));
    assert.equal(sel.matches({ 'metadata.namespace': 'ns', 'metadata.name': 'skip' }), false);
    assert.equal(sel.matches({ 'metadata.namespace': 'other', 'metadata.name': 'keep' }), false);
  });

  it('allows an empty value', () => {
    const sel = parseFieldSelector('spec.nodeName=');
    assert.deepEqual(sel.requirements, [{ field: 'spec.nodeName', operator: '=', value: '' }]);
    assert.ok(sel.matches({ 'spec.nodeName': '' }));
    assert.equal(sel.matches({ 'spec.nodeName': 'node-1' }), false);
  });

  it('exactValue reports the value an equality pins a field to', () => {
    const sel = parseFieldSelector('metadata.name=web,metadata.namespace!=kube-system');
    assert.equal(sel.exactValue('metadata.name'), 'web');
    assert.equal(sel.exactValue('metadata.namespace'), undefined);
    assert.equal(sel.exactValue('status.phase'), undefined);
  });

  it('unescapes \\, \\= and \\\\ in values and does not split on an escaped comma', () => {
    const sel = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d');
    assert.deepEqual(sel.requirements, [{ field: 'metadata.name', operator: '=', value: 'a,b=c\\d' }]);
  });

  it('refuses a term without an operator with kube\'s message', () => {
    assert.throws(() => parseFieldSelector('metadata.name'), (err: unknown) =>
      isBadRequest(err) && (err as Error).message === "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
    assert.throws(() => parseFieldSelector('a=b,garbage'), isBadRequest);
  });

  it('skips empty terms, as fields.ParseSelector does', () => {
    assert.deepEqual(parseFieldSelector('metadata.name=x,').requirements, [{ field: 'metadata.name', operator: '=', value: 'x' }]);
    assert.deepEqual(parseFieldSelector(',metadata.name=x').requirements, [{ field: 'metadata.name', operator: '=', value: 'x' }]);
  });

  it('splits after an escaped backslash that ends a value', () => {
    // `a=x\\,b=y`: the backslash is escaped, so the comma separates two terms.
    const sel = parseFieldSelector('a=x\\\\,b=y');
    assert.deepEqual(sel.requirements, [
      { field: 'a', operator: '=', value: 'x\\' },
      { field: 'b', operator: '=', value: 'y' },
    ]);
  });

  it('refuses an unescaped = in a value and an unknown escape sequence', () => {
    assert.throws(() => parseFieldSelector('metadata.name=a=b'), isBadRequest);
    assert.throws(() => parseFieldSelector('metadata.name=a\\nb'), isBadRequest);
    assert.throws(() => parseFieldSelector('metadata.name=ab\\'), isBadRequest);
  });
});
