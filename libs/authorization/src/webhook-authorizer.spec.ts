import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { requestAttributes } from './attributes.fixture.js';
import type { RequestAttributes } from './authorizer.js';
import { DEFAULT_AUTHORIZED_TTL_MS, DEFAULT_UNAUTHORIZED_TTL_MS, subjectAccessReviewSpec, webhookAuthorizer } from './webhook-authorizer.js';

const attrs = (over: Partial<RequestAttributes> = {}): RequestAttributes =>
  requestAttributes({
    user: { username: 'jane', groups: ['devs', 'system:authenticated'], uid: '42', extra: { scopes: ['a'] } },
    verb: 'list',
    namespace: 'team',
    name: '',
    path: '/api/v1/namespaces/team/configmaps',
    ...over,
  });

function fakeWebhook(status: (spec: Record<string, unknown>) => unknown) {
  const sent: Record<string, unknown>[] = [];
  return {
    sent,
    post: async (body: unknown) => {
      sent.push(body as Record<string, unknown>);
      return { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', status: status((body as { spec: Record<string, unknown> }).spec) };
    },
  };
}

describe('subjectAccessReviewSpec', () => {
  it('names the resource attributes and the user, leaving empty fields out', () => {
    assert.deepEqual(subjectAccessReviewSpec(attrs()), {
      resourceAttributes: { namespace: 'team', verb: 'list', version: 'v1', resource: 'configmaps' },
      user: 'jane',
      groups: ['devs', 'system:authenticated'],
      extra: { scopes: ['a'] },
      uid: '42',
    });
  });

  it('names path and verb for a non-resource request', () => {
    const spec = subjectAccessReviewSpec(attrs({ resourceRequest: false, verb: 'get', path: '/healthz', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } }));
    assert.deepEqual(spec, { nonResourceAttributes: { path: '/healthz', verb: 'get' }, user: 'system:anonymous', groups: ['system:unauthenticated'] });
  });
});

describe('webhookAuthorizer', () => {
  it('POSTs an authorization.k8s.io/v1 SubjectAccessReview and allows what the webhook allows', async () => {
    const hook = fakeWebhook(() => ({ allowed: true, reason: 'team policy' }));
    const result = await webhookAuthorizer({ post: hook.post }).authorize(attrs());
    assert.deepEqual(result, { decision: 'Allow', reason: 'team policy' });
    assert.deepEqual(hook.sent, [
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        metadata: { creationTimestamp: null },
        spec: subjectAccessReviewSpec(attrs()),
        status: { allowed: false },
      },
    ]);
  });

  it('reads denied as Deny, allowed=false alone as NoOpinion, and both as Deny with an error', async () => {
    const decide = async (status: unknown) => webhookAuthorizer({ post: fakeWebhook(() => status).post }).authorize(attrs());
    assert.deepEqual(await decide({ allowed: false, denied: true, reason: 'frozen' }), { decision: 'Deny', reason: 'frozen' });
    assert.deepEqual(await decide({ allowed: false, reason: 'not mine' }), { decision: 'NoOpinion', reason: 'not mine' });
    assert.deepEqual(await decide({ allowed: false }), { decision: 'NoOpinion', reason: '' });
    assert.deepEqual(await decide({ allowed: true, denied: true }), {
      decision: 'Deny',
      reason: '',
      error: 'webhook subject access review returned both allow and deny response',
    });
  });

  it('has no opinion, with the error, when the webhook fails, and asks again next time', async () => {
    let calls = 0;
    const authz = webhookAuthorizer({ post: async () => (calls++, Promise.reject(new Error('Post "https://hook": connect ECONNREFUSED 127.0.0.1:9'))) });
    assert.deepEqual(await authz.authorize(attrs()), { decision: 'NoOpinion', reason: '', error: 'Post "https://hook": connect ECONNREFUSED 127.0.0.1:9' });
    await authz.authorize(attrs());
    assert.equal(calls, 2);
  });

  it('caches allowed answers for 5m and the others for 30s, by the injected clock', async () => {
    let now = 0;
    const hook = fakeWebhook((spec) => ({ allowed: (spec.resourceAttributes as { verb: string }).verb === 'list' }));
    const authz = webhookAuthorizer({ post: hook.post, now: () => now });
    const list = attrs();
    const del = attrs({ verb: 'delete' });
    assert.equal((await authz.authorize(list)).decision, 'Allow');
    assert.equal((await authz.authorize(del)).decision, 'NoOpinion');
    assert.equal(hook.sent.length, 2);

    now += DEFAULT_UNAUTHORIZED_TTL_MS - 1;
    assert.equal((await authz.authorize(list)).decision, 'Allow');
    assert.equal((await authz.authorize(del)).decision, 'NoOpinion');
    assert.equal(hook.sent.length, 2, 'both answers come from the cache');

    now += 1;
    await authz.authorize(del);
    assert.equal(hook.sent.length, 3, 'the denial expired first');
    await authz.authorize(list);
    assert.equal(hook.sent.length, 3, 'the allowance is still cached');

    now = DEFAULT_AUTHORIZED_TTL_MS;
    await authz.authorize(list);
    assert.equal(hook.sent.length, 4);
  });

  it('keys the cache by the whole review: another user or group is asked anew', async () => {
    const hook = fakeWebhook(() => ({ allowed: true }));
    const authz = webhookAuthorizer({ post: hook.post });
    await authz.authorize(attrs());
    await authz.authorize(attrs({ user: { username: 'jane', groups: ['admins'] } }));
    await authz.authorize(attrs({ user: { username: 'joe', groups: ['devs', 'system:authenticated'], uid: '42', extra: { scopes: ['a'] } } }));
    assert.equal(hook.sent.length, 3);
  });

  it('takes the TTLs it is given', async () => {
    let now = 0;
    const hook = fakeWebhook(() => ({ allowed: true }));
    const authz = webhookAuthorizer({ post: hook.post, authorizedTtlMs: 1000, unauthorizedTtlMs: 0, now: () => now });
    await authz.authorize(attrs());
    now = 1000;
    await authz.authorize(attrs());
    assert.equal(hook.sent.length, 2);
  });
});
