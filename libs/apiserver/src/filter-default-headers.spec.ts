import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultHeadersFilter } from './filter-default-headers.js';
import type { RequestHandler } from './handler-chain.js';
import { answerWith, exchange } from './handler-chain-testing.js';

describe('defaultHeadersFilter', () => {
  it('gives every answer its own Audit-Id and kube\'s Cache-Control', async () => {
    const first = await exchange([defaultHeadersFilter, answerWith('ok')], { path: '/version' });
    const second = await exchange([defaultHeadersFilter, answerWith('ok')], { path: '/version' });
    assert.equal(first.headers['cache-control'], 'no-cache, private');
    assert.match(String(first.headers['audit-id']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(first.headers['audit-id'], second.headers['audit-id']);
  });

  it('sets them before the rest of the chain runs, so a later link can read the Audit-Id', async () => {
    let seen: unknown;
    const reader: RequestHandler = { name: 'reader', handle: ({ res }, next) => ((seen = res.getHeader('Audit-Id')), next()) };
    const answered = await exchange([defaultHeadersFilter, reader, answerWith('ok')], { path: '/' });
    assert.equal(seen, answered.headers['audit-id']);
  });
});
