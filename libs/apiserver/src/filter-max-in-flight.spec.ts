import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maxInFlightFilter } from './filter-max-in-flight.js';
import type { RequestHandler } from './handler-chain.js';
import { answerWith, exchange } from './handler-chain-testing.js';
import { MaxInFlightLimiter } from './max-in-flight.js';

const alice = { username: 'alice', groups: ['system:authenticated'] };

describe('maxInFlightFilter', () => {
  it('holds a slot while the rest of the chain runs and frees it once answered', async () => {
    const limiter = new MaxInFlightLimiter({ readOnly: 1, mutating: 1 });
    let during: unknown;
    const observe: RequestHandler = { name: 'observe', handle: (_r, next) => ((during = limiter.inFlight()), next()) };
    const answered = await exchange([maxInFlightFilter(limiter), observe, answerWith('ok')], { path: '/api/v1/namespaces/a/configmaps', prepare: (r) => (r.user = alice) });
    assert.equal(answered.body, 'ok');
    assert.deepEqual(during, { readOnly: 1, mutating: 0 });
    assert.deepEqual(limiter.inFlight(), { readOnly: 0, mutating: 0 });
  });

  it('frees the slot when the rest of the chain fails', async () => {
    const limiter = new MaxInFlightLimiter({ readOnly: 1, mutating: 1 });
    const failing: RequestHandler = { name: 'failing', handle: () => Promise.reject(new Error('x')) };
    await exchange([maxInFlightFilter(limiter), failing], { method: 'POST', path: '/api/v1/namespaces/a/configmaps', prepare: (r) => (r.user = alice) });
    assert.deepEqual(limiter.inFlight(), { readOnly: 0, mutating: 0 });
  });

  it('answers 429 past the limit without running the rest, sparing system:masters', async () => {
    const limiter = new MaxInFlightLimiter({ readOnly: 1, mutating: 1 });
    const held = limiter.admit((await exchange([answerWith('ok')], { path: '/api/v1/pods' })).request.info, alice.groups);
    assert.ok(held);
    let reached = false;
    const rest: RequestHandler = { name: 'rest', handle: async ({ res }) => void ((reached = true), res.end('served')) };
    const refused = await exchange([maxInFlightFilter(limiter), rest], { path: '/api/v1/pods', prepare: (r) => (r.user = alice) });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers['retry-after'], '1');
    assert.equal(refused.body, 'Too many requests, please try again later.\n');
    assert.equal(reached, false);
    const master = await exchange([maxInFlightFilter(limiter), rest], { path: '/api/v1/pods', prepare: (r) => (r.user = { username: 'admin', groups: ['system:masters'] }) });
    assert.equal(master.body, 'served');
    held.release();
  });
});
