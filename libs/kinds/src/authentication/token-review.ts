// authentication.k8s.io/v1 TokenReview: "who is this token?", asked by webhooks and aggregated API
// servers. Answered by the front door through the authn service, never stored; registered as a
// kind so that discovery lists it.
import { badRequest } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { AUTHENTICATION_GROUP, neverStored, userInfoJson, type AuthenticatedUser } from './self-subject-review.js';

export const tokenReviewStrategy = defineStrategy(
  { group: AUTHENTICATION_GROUP, version: 'v1', resource: 'tokenreviews', kind: 'TokenReview', namespaced: false, verbs: ['create'], storageVersion: null },
  { validateName: () => [], prepareForCreate: neverStored, prepareForUpdate: neverStored },
);

export function isTokenReview(group: string, resource: string): boolean {
  return group === AUTHENTICATION_GROUP && resource === 'tokenreviews';
}

export interface TokenReviewRequest {
  metadata?: Record<string, unknown>;
  spec?: { token?: string; audiences?: string[] };
}

/** The token and audiences to authenticate; 400 as kube answers when there is no token. */
export function tokenReviewSpec(review: TokenReviewRequest): { token: string; audiences: string[] } {
  const token = review.spec?.token;
  if (typeof token !== 'string' || !token) {
    throw badRequest('token is required for TokenReview in authentication');
  }
  const audiences = Array.isArray(review.spec?.audiences) ? review.spec.audiences.filter((a): a is string => typeof a === 'string') : [];
  return { token, audiences };
}

/**
 * The answered review: kube answers 201 whether or not the token authenticated, with the failure
 * in status.error; the audiences only when it did.
 */
export function tokenReview(
  review: TokenReviewRequest,
  outcome: { authenticated: boolean; user?: AuthenticatedUser; audiences: string[]; error: string },
): Record<string, unknown> {
  const status: Record<string, unknown> = {};
  if (outcome.authenticated) status.authenticated = true;
  status.user = outcome.authenticated && outcome.user ? userInfoJson(outcome.user) : {};
  if (outcome.authenticated && outcome.audiences.length) status.audiences = outcome.audiences;
  if (!outcome.authenticated && outcome.error) status.error = outcome.error;
  return {
    kind: 'TokenReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { ...(review.metadata ?? {}), creationTimestamp: null },
    spec: review.spec ?? {},
    status,
  };
}
