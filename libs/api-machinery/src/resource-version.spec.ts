import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { continueExpired, decodeContinue, encodeContinue, parseResourceVersion } from './resource-version.js';
import { StatusError } from './errors.js';

const isBadRequest = (err: unknown) => err instanceof StatusError && err.httpCode === 400 && err.reason === 'BadRequest';
const token = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('parseResourceVersion', () => {
  it('is undefined for an absent or empty version', () => {
    assert.equal(parseResourceVersion(undefined), undefined);
    assert.equal(parseResourceVersion(''), undefined);
  });

  it('is 0 for "0" (any version) and the revision otherwise', () => {
    assert.equal(parseResourceVersion('0'), 0);
    assert.equal(parseResourceVersion('1'), 1);
    assert.equal(parseResourceVersion('123456789'), 123456789);
  });

  it('refuses a version that is not a decimal number with 400, naming the parameter', () => {
    for (const rv of ['abc', '-1', '1.5', ' 1', '0x10', '1e3']) {
      assert.throws(() => parseResourceVersion(rv), (err: unknown) => isBadRequest(err) && (err as Error).message.includes(JSON.stringify(rv)), rv);
    }
    assert.throws(
      () => parseResourceVersion('abc'),
      (err: Error) => err.message === 'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax',
    );
    assert.throws(() => parseResourceVersion('x', 'resourceVersionMatch'), (err: Error) => err.message.startsWith('resourceVersionMatch: '));
  });
});

describe('continue tokens', () => {
  it('round-trip the revision and the key to go on from', () => {
    for (const [rv, key] of [
      [1, 'a'],
      [987654, 'ns/name'],
      [42, 'kube-system/coredns-7db6d8ff4d-abcde'],
    ] as const) {
      assert.deepEqual(decodeContinue(encodeContinue(rv, key)), { revision: rv, start: key });
    }
  });

  it('are base64url JSON in kube\'s {v, rv, start} shape', () => {
    const t = encodeContinue(12, 'ns/x');
    assert.match(t, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(JSON.parse(Buffer.from(t, 'base64url').toString('utf8')), { v: 'meta.k8s.io/v1', rv: 12, start: 'ns/x' });
  });

  it('refuse garbage with 400', () => {
    for (const bad of ['', 'not-a-token', '!!!', token('str'), token(null), token([])]) {
      assert.throws(() => decodeContinue(bad), isBadRequest, bad);
    }
  });

  it('words the refusal as kube\'s storage layer does ("invalid continue token: continue key is not valid...")', () => {
    for (const bad of ['garbage!', token({ v: 'meta.k8s.io/v2', rv: 1, start: 'a' }), token({ v: 'meta.k8s.io/v1', rv: 1, start: '../x' })]) {
      assert.throws(() => decodeContinue(bad), (err: Error) => err.message.startsWith('invalid continue token: continue key is not valid'), bad);
    }
  });

  it('refuse another token version or missing fields', () => {
    assert.throws(() => decodeContinue(token({ v: 'meta.k8s.io/v2', rv: 1, start: 'a' })), isBadRequest);
    assert.throws(() => decodeContinue(token({ v: 'meta.k8s.io/v1', rv: '1', start: 'a' })), isBadRequest);
    assert.throws(() => decodeContinue(token({ v: 'meta.k8s.io/v1', rv: 1 })), isBadRequest);
  });

  it('refuse a token at revision 0 or with an empty start key, as DecodeContinue does', () => {
    assert.throws(() => decodeContinue(token({ v: 'meta.k8s.io/v1', rv: 0, start: 'a' })), isBadRequest);
    assert.throws(() => decodeContinue(token({ v: 'meta.k8s.io/v1', rv: 5, start: '' })), isBadRequest);
  });

  it('refuse a start key that would climb out of the listed prefix', () => {
    assert.throws(() => decodeContinue(token({ v: 'meta.k8s.io/v1', rv: 1, start: '../secrets/x' })), isBadRequest);
    assert.throws(() => decodeContinue(token({ v: 'meta.k8s.io/v1', rv: 1, start: 'a/../../b' })), isBadRequest);
  });
});

describe('continueExpired', () => {
  it('is the 410 Expired error kube returns for a compacted continue token', () => {
    const err = continueExpired();
    assert.ok(err instanceof StatusError);
    assert.equal(err.httpCode, 410);
    assert.equal(err.reason, 'Expired');
    assert.match(err.message, /^The provided continue parameter is too old to display a consistent list result\./);
  });
});
