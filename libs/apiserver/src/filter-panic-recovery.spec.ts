import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { forbidden, StatusError } from '@kapi/api-machinery';
import { panicRecovery } from './filter-panic-recovery.js';
import type { RequestHandler } from './handler-chain.js';
import { exchange } from './handler-chain-testing.js';
import { InternalError } from './responses.js';

const throwing = (err: unknown): RequestHandler => ({ name: 'throwing', handle: () => Promise.reject(err) });

function recovering() {
  const logged: Array<{ message: string; fields: unknown }> = [];
  return { logged, filter: panicRecovery({ error: (message: string, fields?: unknown) => void logged.push({ message, fields }) }) };
}

describe('panicRecovery', () => {
  it('answers a StatusError with its Status, and does not log an answer', async () => {
    const { logged, filter } = recovering();
    const answered = await exchange([filter, throwing(forbidden({ group: '', resource: 'pods' }, 'p', 'no'))], { path: '/api/v1/pods' });
    assert.equal(answered.status, 403);
    assert.equal(JSON.parse(answered.body).reason, 'Forbidden');
    assert.equal(answered.error, undefined);
    assert.deepEqual(logged, []);
  });

  it('answers any other error with a 500 Status, and logs it with the path', async () => {
    const { logged, filter } = recovering();
    const answered = await exchange([filter, throwing(new TypeError('a bug'))], { path: '/api/v1/pods' });
    assert.equal(answered.status, 500);
    assert.equal(JSON.parse(answered.body).kind, 'Status');
    assert.equal(logged.length, 1);
    assert.equal(logged[0].message, 'request failed');
    assert.equal((logged[0].fields as { path: string }).path, '/api/v1/pods');
  });

  it('answers an InternalError in kube\'s plain text, with the request URI', async () => {
    const { filter } = recovering();
    const answered = await exchange([filter, throwing(new InternalError('webhook unreachable'))], { path: '/api/v1/pods?watch=1' });
    assert.equal(answered.status, 500);
    assert.equal(answered.body, 'Internal Server Error: "/api/v1/pods?watch=1": webhook unreachable\n');
  });

  it('ends an answer already begun (a watch stream) instead of writing another', async () => {
    const { filter } = recovering();
    const streaming: RequestHandler = {
      name: 'streaming',
      async handle({ res }) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"type":"ADDED"}\n');
        throw new StatusError('KAPI_ERR_DEPENDENCY_UNAVAILABLE', 'gone');
      },
    };
    const answered = await exchange([filter, streaming], { path: '/api/v1/pods?watch=1' });
    assert.equal(answered.status, 200);
    assert.equal(answered.body, '{"type":"ADDED"}\n');
    assert.equal(answered.error, undefined);
  });
});
