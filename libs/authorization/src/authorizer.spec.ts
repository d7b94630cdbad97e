import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { requestAttributes } from './attributes.fixture.js';
import { authorizerChain, authorizerUnion, noOpinion, type Authorization, type Authorizer, type RequestAttributes } from './authorizer.js';

const attrs = requestAttributes;

const fixed = (name: string, answer: Authorization, calls?: string[]): Authorizer => ({
  name,
  async authorize() {
    calls?.push(name);
    return answer;
  },
});

describe('noOpinion', () => {
  it('is NoOpinion with an optional reason', () => {
    assert.deepEqual(noOpinion(), { decision: 'NoOpinion', reason: '' });
    assert.deepEqual(noOpinion('no rule'), { decision: 'NoOpinion', reason: 'no rule' });
  });
});

describe('authorizerChain', () => {
  it('fails closed: with no authorizers the answer is Deny', async () => {
    const chain = authorizerChain([]);
    assert.equal(chain.name, 'chain');
    assert.deepEqual(await chain.authorize(attrs()), { decision: 'Deny', reason: '' });
  });

  it('fails closed when every authorizer has no opinion, keeping their reasons', async () => {
    const chain = authorizerChain([fixed('a', noOpinion('no role')), fixed('b', noOpinion()), fixed('c', noOpinion('no binding'))]);
    const result = await chain.authorize(attrs());
    assert.equal(result.decision, 'Deny');
    assert.match(result.reason, /no role/);
    assert.match(result.reason, /no binding/);
  });

  it('stops at the first Allow', async () => {
    const calls: string[] = [];
    const chain = authorizerChain([fixed('a', noOpinion(), calls), fixed('b', { decision: 'Allow', reason: 'ok' }, calls), fixed('c', { decision: 'Deny', reason: 'no' }, calls)]);
    assert.deepEqual(await chain.authorize(attrs()), { decision: 'Allow', reason: 'ok' });
    assert.deepEqual(calls, ['a', 'b']);
  });

  it('stops at the first Deny', async () => {
    const calls: string[] = [];
    const chain = authorizerChain([fixed('a', { decision: 'Deny', reason: 'blocked' }, calls), fixed('b', { decision: 'Allow', reason: '' }, calls)]);
    assert.deepEqual(await chain.authorize(attrs()), { decision: 'Deny', reason: 'blocked' });
    assert.deepEqual(calls, ['a']);
  });

  it('passes the attributes through unchanged', async () => {
    const seen: RequestAttributes[] = [];
    const spy: Authorizer = { name: 'spy', authorize: async (a) => (seen.push(a), noOpinion()) };
    const a = attrs({ verb: 'list', name: '' });
    await authorizerChain([spy]).authorize(a);
    assert.deepEqual(seen, [a]);
  });

  it('does not turn an authorizer failure into an Allow', async () => {
    const broken: Authorizer = { name: 'broken', authorize: async () => Promise.reject(new Error('webhook down')) };
    const chain = authorizerChain([broken, fixed('allow', { decision: 'Allow', reason: '' })]);
    const outcome = await chain.authorize(attrs()).then(
      (r) => r.decision,
      () => 'rejected',
    );
    assert.notEqual(outcome, 'Allow');
  });
});

describe('authorizerUnion', () => {
  it('has no opinion when nobody decides, collecting reasons (one a line) and errors (aggregated)', async () => {
    const union = authorizerUnion([
      fixed('a', { decision: 'NoOpinion', reason: 'no role', error: 'webhook down' }),
      fixed('b', noOpinion('no binding')),
      fixed('c', { decision: 'NoOpinion', reason: '', error: 'other failure' }),
    ]);
    assert.deepEqual(await union.authorize(attrs()), { decision: 'NoOpinion', reason: 'no role\nno binding', error: '[webhook down, other failure]' });
    assert.deepEqual(await authorizerUnion([fixed('a', { decision: 'NoOpinion', reason: '', error: 'x' })]).authorize(attrs()), {
      decision: 'NoOpinion',
      reason: '',
      error: 'x',
    });
  });

  it('returns the first decision as it is, dropping the errors before it', async () => {
    const union = authorizerUnion([fixed('a', { decision: 'NoOpinion', reason: '', error: 'webhook down' }), fixed('b', { decision: 'Deny', reason: 'frozen' })]);
    assert.deepEqual(await union.authorize(attrs()), { decision: 'Deny', reason: 'frozen' });
  });

  it('keeps the error in the chain, which turns nobody deciding into Deny', async () => {
    const chain = authorizerChain([fixed('a', { decision: 'NoOpinion', reason: '', error: 'webhook down' })]);
    assert.deepEqual(await chain.authorize(attrs()), { decision: 'Deny', reason: '', error: 'webhook down' });
  });
});
