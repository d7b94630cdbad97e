import { Inject, Injectable } from '@nestjs/common';
import { authorizerChain, bootstrapPolicyAuthorizer, mastersAuthorizer, type Authorizer, type Decision } from '@kapi/authorization';
import type { ServiceConfig } from '@kapi/config';
import { healthService, toGrpcHandlers } from '@kapi/grpc';
import { authzV1 } from '@kapi/proto';
import { CONFIG, GrpcServerHost, LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';

const toProto: Record<Decision, authzV1.Decision> = {
  Allow: authzV1.Decision.DECISION_ALLOW,
  Deny: authzV1.Decision.DECISION_DENY,
  NoOpinion: authzV1.Decision.DECISION_NO_OPINION,
};

@Injectable()
export class AuthzGrpcServer extends GrpcServerHost {
  private readonly authorizer: Authorizer = authorizerChain([mastersAuthorizer, bootstrapPolicyAuthorizer]);

  constructor(@Inject(CONFIG) config: ServiceConfig, @Inject(LOGGER) logger: Logger) {
    super(config, logger);
  }

  async authorize(a: authzV1.Attributes): Promise<authzV1.AuthorizeReply> {
    const result = await this.authorizer.authorize({
      user: { username: a.user?.username ?? '', groups: a.user?.groups ?? [] },
      verb: a.verb,
      resourceRequest: a.resourceRequest,
      apiGroup: a.apiGroup,
      apiVersion: a.apiVersion,
      resource: a.resource,
      subresource: a.subresource,
      namespace: a.namespace,
      name: a.name,
      path: a.path,
    });
    return { decision: toProto[result.decision], reason: result.reason, evaluationError: '' };
  }

  protected services() {
    return [
      {
        definition: authzV1.AuthorizationService,
        handlers: toGrpcHandlers(authzV1.AuthorizationService, { authorize: (a) => this.authorize(a) }, this.logger),
      },
      healthService('authz', []),
    ];
  }
}
