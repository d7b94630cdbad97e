import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '@kapi/api-machinery';
import { isTokenReview, tokenReview, tokenReviewSpec, tokenReviewStrategy } from './token-review.js';

describe('TokenReview', () => {
  it('is a cluster-scoped authentication.k8s.io/v1 kind that can only be created', () => {
    assert.deepEqual(
      [tokenReviewStrategy.info.group, tokenReviewStrategy.info.version, tokenReviewStrategy.info.kind, tokenReviewStrategy.info.namespaced, tokenReviewStrategy.info.verbs],
      ['authentication.k8s.io', 'v1', 'TokenReview', false, ['create']],
    );
    assert.equal(isTokenReview('authentication.k8s.io', 'tokenreviews'), true);
    assert.equal(isTokenReview('authorization.k8s.io', 'tokenreviews'), false);
  });

  it('requires a token, as kube answers 400', () => {
    for (const review of [{}, { spec: {} }, { spec: { token: '' } }]) {
      assert.throws(
        () => tokenReviewSpec(review),
        (err: unknown) => isStatusError(err) && err.toStatus().code === 400 && err.toStatus().message === 'token is required for TokenReview in authentication',
      );
    }
    assert.deepEqual(tokenReviewSpec({ spec: { token: 't', audiences: ['vault'] } }), { token: 't', audiences: ['vault'] });
    assert.deepEqual(tokenReviewSpec({ spec: { token: 't' } }), { token: 't', audiences: [] });
  });

  it('answers an authenticated token with the user and the audiences', () => {
    const review = { metadata: {}, spec: { token: 't' } };
    const user = { username: 'jane', uid: '7', groups: ['dev', 'system:authenticated'], extra: { scope: { values: ['a'] } } };
    assert.deepEqual(tokenReview(review, { authenticated: true, user, audiences: ['https://kubernetes.default.svc.cluster.local'], error: '' }), {
      kind: 'TokenReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { token: 't' },
      status: {
        authenticated: true,
        user: { username: 'jane', uid: '7', groups: ['dev', 'system:authenticated'], extra: { scope: ['a'] } },
        audiences: ['https://kubernetes.default.svc.cluster.local'],
      },
    });
  });

  it('answers a refused token with an empty user and the error, without audiences', () => {
    assert.deepEqual(tokenReview({ spec: { token: 't', audiences: ['vault'] } }, { authenticated: false, audiences: [], error: 'invalid bearer token' }).status, {
      user: {},
      error: 'invalid bearer token',
    });
  });
});
