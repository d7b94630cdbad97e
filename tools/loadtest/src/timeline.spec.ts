import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestRecord } from '@kapi/chaos';
import { Timeline, outcomeOf, quantile } from './timeline.js';

const T0 = 1_000_000;
const request = (atS: number, latencyMs: number, status = 200, ok = true, extra: Partial<RequestRecord> = {}): RequestRecord => ({
  at: T0 + atS * 1000,
  op: 'get',
  status,
  ok,
  latencyMs,
  retried: [],
  ...extra,
});

describe('timeline', () => {
  it('takes quantiles by nearest rank', () => {
    assert.equal(quantile([], 0.5), 0);
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2);
    assert.equal(quantile([1, 2, 3, 4], 0.99), 4);
    assert.equal(quantile(Array.from({ length: 100 }, (_, i) => i + 1), 0.99), 99);
  });

  it('buckets requests by the second they were answered in', () => {
    const timeline = new Timeline(T0);
    timeline.record(request(0.1, 5));
    timeline.record(request(0.9, 15));
    timeline.record(request(1.95, 600, 503, false));
    const buckets = timeline.buckets(T0 + 3000);
    assert.deepEqual(
      buckets.map((b) => [b.requests, b.errors, b.p50]),
      [
        [2, 0, 5],
        [0, 0, 0],
        [1, 1, 600],
      ],
    );
  });

  it('splits the run into phases at the kills and counts failures by final status and retries by kind', () => {
    const timeline = new Timeline(T0);
    timeline.kills.push({ target: 'authn-0', component: 'authn', at: T0 + 2000, backAt: T0 + 3000 });
    timeline.record(request(1, 5));
    // Sent before the kill, answered (reset) after it: the kill's.
    timeline.record(request(1.9, 200, 0, false, { error: 'error: socket hang up' }));
    timeline.record(request(2.2, 40, 200, true, { retried: ['503 Retry-After 1'] }));
    timeline.record(request(2.4, 9, 0, false, { error: 'error: socket hang up' }));
    const [steady, killed] = timeline.summarise(T0 + 4000);
    assert.equal(steady.name, 'steady (before any kill)');
    assert.equal(steady.requests, 1);
    assert.deepEqual(steady.errors, {});
    assert.equal(killed.name, 'kill authn-0');
    assert.deepEqual(killed.errors, { 'no answer (connection reset)': 2 });
    assert.deepEqual(killed.retried, { '503': 1 });
  });

  it('names what no answer was', () => {
    assert.equal(outcomeOf(request(0, 1, 0, false, { error: 'error: connect ECONNREFUSED 127.0.0.1:6443' })), 'no answer (connection refused)');
    assert.equal(outcomeOf(request(0, 1, 0, false, { error: 'error: no answer within 8000 ms' })), 'no answer (timeout)');
    assert.equal(outcomeOf(request(0, 1, 409, false)), '409');
  });
});
