import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '@kapi/api-machinery';
import { requestDeadlineFilter } from './filter-request-deadline.js';
import type { RequestHandler } from './handler-chain.js';
import { answerWith, exchange } from './handler-chain-testing.js';
import { REQUEST_TIMEOUT_MS } from './request-deadline.js';

const NOW = 1_000_000;

describe('requestDeadlineFilter', () => {
  it('records the request\'s deadline, from its ?timeout= when shorter', async () => {
    const plain = await exchange([requestDeadlineFilter(() => NOW), answerWith('ok')], { path: '/api/v1/namespaces/a/configmaps' });
    assert.equal(plain.request.deadline, NOW + REQUEST_TIMEOUT_MS);
    const short = await exchange([requestDeadlineFilter(() => NOW), answerWith('ok')], { path: '/api/v1/namespaces/a/configmaps?timeout=5s' });
    assert.equal(short.request.deadline, NOW + 5_000);
    assert.equal(short.body, 'ok');
  });

  it('gives a long-running request (a watch) no deadline', async () => {
    const answered = await exchange([requestDeadlineFilter(() => NOW), answerWith('ok')], { path: '/api/v1/configmaps?watch=true' });
    assert.equal(answered.request.deadline, undefined);
  });

  it('refuses a ?timeout= that is no duration with kube\'s 400, before the rest of the chain', async () => {
    let reached = false;
    const rest: RequestHandler = { name: 'rest', handle: async () => void (reached = true) };
    const answered = await exchange([requestDeadlineFilter(() => NOW), rest], { path: '/api/v1/configmaps?timeout=soon' });
    assert.ok(isStatusError(answered.error));
    assert.equal(answered.error.httpCode, 400);
    assert.match(answered.error.message, /^invalid timeout specified in the request URL/);
    assert.equal(reached, false);
  });

  it('answers 504 Timeout when the deadline passes with the request unanswered', async () => {
    // The clock stands at the deadline as soon as it has been worked out: the timer fires at once.
    const times = [NOW, NOW + REQUEST_TIMEOUT_MS];
    const clock = () => times.shift() ?? NOW + REQUEST_TIMEOUT_MS;
    const slow: RequestHandler = {
      name: 'slow',
      async handle({ res }) {
        await new Promise((resolve) => res.once('finish', resolve));
        res.end('too late');
      },
    };
    const answered = await exchange([requestDeadlineFilter(clock), slow], { path: '/api/v1/namespaces/a/configmaps' });
    assert.equal(answered.status, 504);
    const status = JSON.parse(answered.body);
    assert.equal(status.reason, 'Timeout');
    assert.equal(status.message, 'Timeout: request did not complete within the allotted timeout');
  });
});
