import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { handlerChain, requestUser, type ApiRequest, type RequestHandler } from './handler-chain.js';
import { answerWith, exchange } from './handler-chain-testing.js';

const recording = (name: string, seen: string[]): RequestHandler => ({
  name,
  async handle(_request, next) {
    seen.push(`${name} in`);
    await next();
    seen.push(`${name} out`);
  },
});

describe('handlerChain', () => {
  it('runs the links in order, each around the rest of the chain', async () => {
    const seen: string[] = [];
    const answered = await exchange([recording('a', seen), recording('b', seen), answerWith('ok')], { path: '/version' });
    assert.equal(answered.body, 'ok');
    assert.deepEqual(seen, ['a in', 'b in', 'b out', 'a out']);
  });

  it('stops where a link answers without calling next', async () => {
    const seen: string[] = [];
    const answered = await exchange([recording('a', seen), answerWith('early', 202), recording('never', seen)], { path: '/' });
    assert.equal(answered.status, 202);
    assert.deepEqual(seen, ['a in', 'a out']);
  });

  it('fails a request that falls off the end, naming it', async () => {
    const answered = await exchange([recording('a', [])], { method: 'DELETE', path: '/apis/x' });
    assert.match(String(answered.error), /no handler answered DELETE \/apis\/x/);
  });

  it('passes what a link throws to the links before it', async () => {
    const thrower: RequestHandler = { name: 'thrower', handle: () => Promise.reject(new Error('boom')) };
    const caught: unknown[] = [];
    const catcher: RequestHandler = {
      name: 'catcher',
      async handle({ res }, next) {
        await next().catch((err: unknown) => caught.push(err));
        res.end('caught');
      },
    };
    const answered = await exchange([catcher, thrower], { path: '/' });
    assert.equal(answered.body, 'caught');
    assert.equal((caught[0] as Error).message, 'boom');
  });

  it('gives every link the same request, with its RequestInfo read from the path', async () => {
    const setter: RequestHandler = { name: 'setter', handle: (request, next) => ((request.deadline = 42), next()) };
    const answered = await exchange([setter, answerWith('ok')], { method: 'POST', path: '/api/v1/namespaces/ns/configmaps?dryRun=All' });
    const { info, url, deadline } = answered.request;
    assert.equal(deadline, 42);
    assert.deepEqual([info.verb, info.resource, info.namespace, info.isResourceRequest], ['create', 'configmaps', 'ns', true]);
    assert.equal(url.searchParams.get('dryRun'), 'All');
  });

  it('an empty chain fails every request', async () => {
    const run = handlerChain([]);
    await assert.rejects(run({ req: { method: 'GET' }, url: new URL('https://x/y') } as unknown as ApiRequest), /no handler answered GET \/y/);
  });
});

describe('requestUser', () => {
  it('is the user authentication set, and a failure before it ran', () => {
    const request = {} as ApiRequest;
    assert.throws(() => requestUser(request), /authentication filter has not run/);
    request.user = { username: 'alice', groups: [] };
    assert.equal(requestUser(request).username, 'alice');
  });
});
