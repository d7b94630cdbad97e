// Reviews are answered, not stored. The authorization.k8s.io/v1 ones (SelfSubjectAccessReview,
// SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectRulesReview) by the authz service: a
// create goes there with the requesting user, every other verb is refused as kube refuses it.
// TokenReview (authentication.k8s.io/v1) by the authn service.
import type { ServerResponse } from 'node:http';
import { StatusError, type Status } from '@kapi/api-machinery';
import { routeNotFound, sendDocument, type RequestInfo } from '@kapi/apiserver';
import { unary } from '@kapi/grpc';
import { isReviewResource, tokenReview, tokenReviewSpec, type KindCatalogue, type TokenReviewRequest } from '@kapi/kinds';
import type { authnV1, authzV1, commonV1 } from '@kapi/proto';

export function isReviewRequest(info: RequestInfo): boolean {
  return info.isResourceRequest && isReviewResource(info.apiGroup, info.resource);
}

/** Serves a request for a review resource; `body` reads the request body as JSON text. */
export async function serveReview(
  authz: authzV1.AuthorizationClient,
  catalogue: KindCatalogue,
  info: RequestInfo,
  user: commonV1.UserInfo,
  res: ServerResponse,
  body: () => Promise<Buffer>,
): Promise<void> {
  const strategy = catalogue.lookup(info.apiGroup, info.resource);
  // Reviews have no named paths and live either in a namespace or at the cluster scope, never both.
  if (!strategy || strategy.info.version !== info.apiVersion || info.name || info.subresource || strategy.info.namespaced !== !!info.namespace) throw routeNotFound();
  if (info.verb !== 'create') throw new StatusError('KAPI_ERR_METHOD_NOT_ALLOWED', 'the server does not allow this method on the requested resource');
  const reply = await unary('authz', 'Review', authz.review.bind(authz), { resource: info.resource, namespace: info.namespace, review: await body(), user });
  if (reply.status.length) throw StatusError.fromStatus(JSON.parse(reply.status.toString('utf8')) as Status);
  sendDocument(res, 201, reply.review);
}

/**
 * A TokenReview: the authn service authenticates spec.token for spec.audiences, exactly as it
 * would a request's bearer token; the answer is 201 either way, the failure in status.error.
 */
export async function serveTokenReview(authn: authnV1.AuthenticationClient, info: RequestInfo, res: ServerResponse, body: () => Promise<Buffer>): Promise<void> {
  if (info.apiVersion !== 'v1' || info.name || info.subresource || info.namespace) throw routeNotFound();
  if (info.verb !== 'create') throw new StatusError('KAPI_ERR_METHOD_NOT_ALLOWED', 'the server does not allow this method on the requested resource');
  const review = JSON.parse((await body()).toString('utf8')) as TokenReviewRequest;
  const { token, audiences } = tokenReviewSpec(review);
  const reply = await unary('authn', 'Authenticate', authn.authenticate.bind(authn), { clientCertificates: [], bearerToken: token, audiences });
  sendDocument(res, 201, Buffer.from(JSON.stringify(tokenReview(review, { ...reply, user: reply.user }))));
}
