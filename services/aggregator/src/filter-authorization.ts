// kube's WithAuthorization: the authz service decides on the request's attributes. A denial (or
// nobody deciding) is a 403 in kube's words; an authorizer that could not decide (a webhook that
// failed) while nobody allowed is kube's plain-text 500.
import { forbiddenFor, InternalError, requestUser } from '@kapi/apiserver';
import { unary } from '@kapi/grpc';
import { authzV1 } from '@kapi/proto';
import type { FrontDoorHandler } from './front-door-chain.js';

export function authorizationFilter(authz: authzV1.AuthorizationClient): FrontDoorHandler {
  return {
    name: 'authorization',
    async handle(request, next) {
      const { info } = request;
      const user = requestUser(request);
      const reply = await unary('authz', 'Authorize', authz.authorize.bind(authz), {
        user,
        verb: info.verb,
        resourceRequest: info.isResourceRequest,
        apiGroup: info.apiGroup,
        apiVersion: info.apiVersion,
        resource: info.resource,
        subresource: info.subresource,
        namespace: info.namespace,
        name: info.name,
        path: info.path,
      });
      if (reply.decision === authzV1.Decision.DECISION_ALLOW) return next();
      if (reply.evaluationError) throw new InternalError(reply.evaluationError);
      throw forbiddenFor(info, user.username, reply.reason);
    },
  };
}
