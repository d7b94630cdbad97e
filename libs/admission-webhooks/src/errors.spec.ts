import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, CallingWebhookError, dryRunUnsupported, failedClosed, forbidden, requestTimeout, webhookDenial } from './errors.js';

describe('webhookDenial', () => {
  // Each as a reference kube-apiserver v1.34 answered a webhook's refusal.
  it('prefixes the message and keeps the code, reason and details the webhook gave', () => {
    const err = webhookDenial('deny-code.example.com', { code: 422, reason: 'Invalid', message: 'bad thing', details: { name: 'x', causes: [{ message: 'nope', field: 'metadata.labels' }] } });
    assert.deepEqual(err.toStatus(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'admission webhook "deny-code.example.com" denied the request: bad thing',
      reason: 'Invalid',
      details: { name: 'x', causes: [{ message: 'nope', field: 'metadata.labels' }] },
      code: 422,
    });
  });

  it('answers 400 with no reason when the webhook gives no code, or one below 400', () => {
    for (const result of [{ message: 'owner label is required' }, { code: 200, message: 'owner label is required' }]) {
      assert.deepEqual(webhookDenial('deny.example.com', result).toStatus(), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'admission webhook "deny.example.com" denied the request: owner label is required',
        code: 400,
      });
    }
  });

  it('falls back on the reason, then on "without explanation"', () => {
    const byReason = webhookDenial('r.example.com', { reason: 'NotMine' as never });
    assert.equal(byReason.message, 'admission webhook "r.example.com" denied the request: NotMine');
    assert.equal(byReason.reason, 'NotMine');
    assert.equal(webhookDenial('e.example.com', undefined).message, 'admission webhook "e.example.com" denied the request without explanation');
    assert.equal(webhookDenial('e.example.com', undefined).httpCode, 400);
  });
});

describe('the other failures', () => {
  it('word a failed call under Fail as a 500 naming the webhook', () => {
    const err = failedClosed(new CallingWebhookError('slow.example.com', 'failed to call webhook: Post "https://h/slow?timeout=2s": context deadline exceeded', 503));
    assert.deepEqual(err.toStatus(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "https://h/slow?timeout=2s": context deadline exceeded',
      reason: 'InternalError',
      details: { causes: [{ message: 'failed calling webhook "slow.example.com": failed to call webhook: Post "https://h/slow?timeout=2s": context deadline exceeded' }] },
      code: 500,
    });
    assert.equal(err.code, 'KAPI_ERR_ADMISSION_WEBHOOK_FAILED');
  });

  it('word dry run, forbidden and timeout as kube does', () => {
    assert.deepEqual([dryRunUnsupported('x.example.com').httpCode, dryRunUnsupported('x.example.com').reason, dryRunUnsupported('x.example.com').message], [400, 'BadRequest', 'admission webhook "x.example.com" does not support dry run']);
    assert.equal(forbidden({ group: '', resource: 'configmaps' }, 'c-6czsq', 'why').message, 'configmaps "c-6czsq" is forbidden: why');
    assert.equal(forbidden({ group: 'apps', resource: 'deployments' }, '', 'why').message, 'deployments.apps is forbidden: why');
    assert.deepEqual(requestTimeout('request did not complete within requested timeout').toStatus(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Timeout: request did not complete within requested timeout',
      reason: 'Timeout',
      details: {},
      code: 504,
    });
  });

  it('aggregate errors as utilerrors does: each once, several in brackets', () => {
    assert.equal(aggregate(['a']), 'a');
    assert.equal(aggregate(['a', 'a']), 'a');
    assert.equal(aggregate(['a', 'b', 'a']), '[a, b]');
  });
});
