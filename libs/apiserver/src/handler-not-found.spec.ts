import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { panicRecovery } from './filter-panic-recovery.js';
import { exchange } from './handler-chain-testing.js';
import { notFoundHandler } from './handler-not-found.js';

describe('notFoundHandler', () => {
  it('answers kube\'s NotFound Status for a path no server serves', async () => {
    const answered = await exchange([panicRecovery({ error: () => undefined }), notFoundHandler], { path: '/apis/example.com/v1/widgets' });
    assert.equal(answered.status, 404);
    assert.deepEqual(JSON.parse(answered.body), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server could not find the requested resource',
      reason: 'NotFound',
      details: {},
      code: 404,
    });
  });
});
