// kube's WithImpersonation: the Impersonate-* headers, each checked against the authenticated user
// with the `impersonate` verb (impersonation.ts); the rest of the chain runs as the impersonated user.
import { requestUser } from '@kapi/apiserver';
import { unary } from '@kapi/grpc';
import { authzV1 } from '@kapi/proto';
import type { FrontDoorHandler } from './front-door-chain.js';
import { impersonatedUser, type ImpersonationCheck } from './impersonation.js';

/** Asks the authz service whether a user may impersonate. */
export function impersonationCheck(authz: authzV1.AuthorizationClient): ImpersonationCheck {
  return async (user, target) => {
    const reply = await unary('authz', 'Authorize', authz.authorize.bind(authz), {
      user,
      verb: 'impersonate',
      resourceRequest: true,
      apiVersion: '',
      path: '',
      ...target,
    });
    return reply.decision === authzV1.Decision.DECISION_ALLOW;
  };
}

export function impersonationFilter(mayImpersonate: ImpersonationCheck): FrontDoorHandler {
  return {
    name: 'impersonation',
    async handle(request, next) {
      request.user = await impersonatedUser(request.req, requestUser(request), mayImpersonate);
      return next();
    },
  };
}
