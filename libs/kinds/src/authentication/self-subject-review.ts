// authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`): answered by the front door with
// the user it authenticated, never stored. Registered as a kind so that discovery lists it.
import { StatusError } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';

export const AUTHENTICATION_GROUP = 'authentication.k8s.io';

export const neverStored = (): never => {
  throw new StatusError('KAPI_ERR_METHOD_NOT_ALLOWED', 'the server does not allow this method on the requested resource');
};

export const selfSubjectReviewStrategy = defineStrategy(
  { group: AUTHENTICATION_GROUP, version: 'v1', resource: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false, verbs: ['create'], storageVersion: null },
  { validateName: () => [], prepareForCreate: neverStored, prepareForUpdate: neverStored },
);

export function isSelfSubjectReview(group: string, resource: string): boolean {
  return group === AUTHENTICATION_GROUP && resource === 'selfsubjectreviews';
}

export interface AuthenticatedUser {
  username: string;
  uid: string;
  groups: string[];
  extra: Record<string, { values: string[] }>;
}

/** authentication.k8s.io/v1 UserInfo as kube encodes it: empty fields left out. */
export function userInfoJson(user: AuthenticatedUser): Record<string, unknown> {
  const userInfo: Record<string, unknown> = { username: user.username };
  if (user.uid) userInfo.uid = user.uid;
  if (user.groups.length) userInfo.groups = user.groups;
  if (Object.keys(user.extra).length) userInfo.extra = Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, v.values]));
  return userInfo;
}

/** The review kube-apiserver answers: the requesting user's attributes, as it authenticated them. */
export function selfSubjectReview(user: AuthenticatedUser) {
  return { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, status: { userInfo: userInfoJson(user) } };
}
