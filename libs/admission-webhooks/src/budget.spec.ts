import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { callTimeoutMs, firstSeenDeadline } from './budget.js';
import { request } from './test-support.fixture.js';

describe('callTimeoutMs', () => {
  it("is the webhook's own timeout while the request has time enough", () => {
    assert.equal(callTimeoutMs(10, undefined, 5000, 0), 10_000);
    assert.equal(callTimeoutMs(undefined, undefined, 5000, 0), 10_000);
    assert.equal(callTimeoutMs(30, 60_000, 5000, 0), 30_000);
  });

  it('is cut to what the request has left, less the reserve, and may be nothing', () => {
    assert.equal(callTimeoutMs(30, 60_000, 5000, 40_000), 15_000);
    assert.equal(callTimeoutMs(30, 60_000, 5000, 55_000), 0);
    assert.ok(callTimeoutMs(30, 60_000, 5000, 58_000) < 0);
  });
});

describe('firstSeenDeadline', () => {
  it('counts the timeout from the first time a request (by uid) is seen', () => {
    let now = 1000;
    const deadline = firstSeenDeadline(60_000, () => now);
    assert.equal(deadline(request('CREATE', undefined, { uid: 'a' })), 61_000);
    now = 5000;
    assert.equal(deadline(request('CREATE', undefined, { uid: 'a' })), 61_000);
    assert.equal(deadline(request('CREATE', undefined, { uid: 'b' })), 65_000);
    assert.equal(deadline(request('CREATE', undefined, { uid: undefined })), 65_000);
  });
});
