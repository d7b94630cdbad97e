import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '@kapi/api-machinery';
import { REQUEST_TIMEOUT_MS, requestDeadline, WRITE_TIMEOUT_UPPER_BOUND_MS, writeDeadline } from './request-deadline.js';
import { parseRequestInfo } from './request-info.js';

const NOW = 1_000_000;
const deadlineOf = (method: string, path: string) => {
  const url = new URL(path, 'https://kapi.invalid');
  return requestDeadline(parseRequestInfo(method, url.pathname, url.searchParams), url.searchParams, NOW);
};

describe('requestDeadline', () => {
  it('gives a request the request timeout, or the shorter ?timeout= it asks for', () => {
    assert.equal(deadlineOf('POST', '/api/v1/namespaces/a/configmaps'), NOW + REQUEST_TIMEOUT_MS);
    assert.equal(deadlineOf('POST', '/api/v1/namespaces/a/configmaps?timeout=5s'), NOW + 5_000);
    assert.equal(deadlineOf('GET', '/api/v1/namespaces?timeout=1m30s'), NOW + REQUEST_TIMEOUT_MS);
    assert.equal(deadlineOf('GET', '/api/v1/namespaces?timeout=0s'), NOW + REQUEST_TIMEOUT_MS);
    assert.equal(deadlineOf('GET', '/api/v1/namespaces?timeout=-1s'), NOW + REQUEST_TIMEOUT_MS);
    assert.equal(deadlineOf('GET', '/api/v1/namespaces?timeout='), NOW + REQUEST_TIMEOUT_MS);
  });

  it('gives long-running requests none, whatever their ?timeout= says', () => {
    assert.equal(deadlineOf('GET', '/api/v1/namespaces/a/configmaps?watch=true&timeout=abc'), undefined);
    assert.equal(deadlineOf('POST', '/api/v1/namespaces/a/pods/p/exec?command=ls'), undefined);
    assert.equal(deadlineOf('GET', '/api/v1/namespaces/a/pods/p/log'), undefined);
  });

  it('refuses a ?timeout= that is not a Go duration, in kube\'s words', () => {
    assert.throws(
      () => deadlineOf('GET', '/api/v1/namespaces/default/configmaps?timeout=abc'),
      (err: unknown) => {
        assert.ok(isStatusError(err));
        assert.deepEqual(err.toStatus(), {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'invalid timeout specified in the request URL - time: invalid duration "abc"',
          reason: 'BadRequest',
          code: 400,
        });
        return true;
      },
    );
  });
});

describe('writeDeadline', () => {
  it('bounds a write to 34 s, or less when the request has less', () => {
    assert.equal(writeDeadline(NOW + REQUEST_TIMEOUT_MS, NOW), NOW + WRITE_TIMEOUT_UPPER_BOUND_MS);
    assert.equal(writeDeadline(NOW + 5_000, NOW), NOW + 5_000);
    assert.equal(writeDeadline(undefined, NOW), NOW + WRITE_TIMEOUT_UPPER_BOUND_MS);
  });
});
