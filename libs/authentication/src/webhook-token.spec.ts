import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuthenticationFailed, type Credentials } from './authenticator.js';
import { DEFAULT_TOKEN_WEBHOOK_CACHE_TTL_MS, webhookTokenAuthenticator } from './webhook-token.js';

const AUD = ['https://kubernetes.default.svc.cluster.local'];
const token = (bearerToken: string): Credentials => ({ clientCertificates: [], bearerToken });

function fakeWebhook(answer: (token: string) => unknown) {
  const sent: { spec: { token: string; audiences: string[] } }[] = [];
  return {
    sent,
    post: async (body: unknown) => {
      sent.push(body as (typeof sent)[number]);
      return answer((body as (typeof sent)[number]).spec.token);
    },
  };
}

describe('webhookTokenAuthenticator', () => {
  it('sends a TokenReview and takes the user it answers with', async () => {
    const hook = fakeWebhook(() => ({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      status: { authenticated: true, user: { username: 'jane', uid: '42', groups: ['devs'], extra: { scopes: ['a', 'b'] } } },
    }));
    const authn = webhookTokenAuthenticator({ post: hook.post, audiences: AUD });
    const result = await authn.authenticate(token('secret'));
    assert.deepEqual(result, { ok: true, user: { username: 'jane', uid: '42', groups: ['devs'], extra: { scopes: { values: ['a', 'b'] } } } });
    assert.deepEqual(hook.sent, [
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null }, spec: { token: 'secret', audiences: AUD }, status: { user: {} } },
    ]);
  });

  it('is not concerned with a request without a bearer token', async () => {
    const hook = fakeWebhook(() => assert.fail('not called'));
    assert.deepEqual(await webhookTokenAuthenticator({ post: hook.post, audiences: AUD }).authenticate(token('')), { ok: false });
  });

  it('does not recognise a rejected token, and fails with the error the webhook gives', async () => {
    const rejected = webhookTokenAuthenticator({ post: async () => ({ status: { authenticated: false } }), audiences: AUD });
    assert.deepEqual(await rejected.authenticate(token('x')), { ok: false });
    const erring = webhookTokenAuthenticator({ post: async () => ({ status: { authenticated: false, error: 'token revoked' } }), audiences: AUD });
    await assert.rejects(erring.authenticate(token('x')), (err: Error) => err instanceof AuthenticationFailed && err.message === 'token revoked');
  });

  it('fails, without caching, when the webhook cannot be reached', async () => {
    let calls = 0;
    const authn = webhookTokenAuthenticator({ post: async () => (calls++, Promise.reject(new Error('Post "https://x": connect ECONNREFUSED'))), audiences: AUD });
    await assert.rejects(authn.authenticate(token('x')), { name: 'AuthenticationFailed', message: /ECONNREFUSED/ });
    await assert.rejects(authn.authenticate(token('x')));
    assert.equal(calls, 2);
  });

  it('refuses an answer for other audiences', async () => {
    const authn = webhookTokenAuthenticator({ post: async () => ({ status: { authenticated: true, audiences: ['other'], user: { username: 'jane' } } }), audiences: AUD });
    assert.deepEqual(await authn.authenticate(token('x')), { ok: false });
  });

  it('caches accepted and rejected tokens for the TTL (2m by default), then asks again', async () => {
    let now = 0;
    const hook = fakeWebhook((t) => ({ status: { authenticated: t === 'good', user: { username: 'jane' } } }));
    const authn = webhookTokenAuthenticator({ post: hook.post, audiences: AUD, now: () => now });
    const first = await authn.authenticate(token('good'));
    assert.equal(first.ok, true);
    if (first.ok) first.user.groups.push('mutated by a caller');
    await authn.authenticate(token('bad'));
    now += DEFAULT_TOKEN_WEBHOOK_CACHE_TTL_MS - 1;
    assert.deepEqual(await authn.authenticate(token('good')), { ok: true, user: { username: 'jane', uid: '', groups: [], extra: {} } });
    assert.deepEqual(await authn.authenticate(token('bad')), { ok: false });
    assert.deepEqual(hook.sent.map((r) => r.spec.token), ['good', 'bad']);
    now += 1;
    await authn.authenticate(token('good'));
    await authn.authenticate(token('bad'));
    assert.deepEqual(hook.sent.map((r) => r.spec.token), ['good', 'bad', 'good', 'bad']);
  });
});
