// May they: the authorizer chain system:masters → the modes of KAPI_AUTHORIZATION_MODE (default RBAC,
// which is the RBAC index then the bootstrap policy), answering the front door's Authorize calls and
// the authorization.k8s.io reviews with the same chain. RBAC decides from an in-memory index that a
// reflector keeps current through the watch-cache service, so no decision reads storage. The service is
// ready once that index has listed every RBAC resource (informer-sync) and has read the bootstrap policy
// the registry wrote (poststarthook/rbac/bootstrap-roles); the index fills either way, only readiness waits.
import { Inject, Injectable } from '@nestjs/common';
import { isStatusError, toStatus } from '@kapi/api-machinery';
import { webhookFromKubeconfig } from '@kapi/webhook-client';
import {
  authorizerChain,
  authorizersForModes,
  bootstrapPolicyAuthorizer,
  BootstrapRolesSync,
  MASTERS_GROUP,
  parseAuthorizationModes,
  RbacAuthorizer,
  RbacIndex,
  RbacReflector,
  rulesResolverForModes,
  webhookAuthorizer,
  type Authorizer,
  type Decision,
  type RbacObject,
  type RulesResolver,
} from '@kapi/authorization';
import { requireSettings, type ServiceConfig } from '@kapi/config';
import { createClient, grpc, healthService, toGrpcHandlers, type ServiceCredentials } from '@kapi/grpc';
import { authzV1, registryV1, watchcacheV1 } from '@kapi/proto';
import { CONFIG, CREDENTIALS, GrpcServerHost, LOGGER } from '@kapi/service-kit';
import { metrics, type Logger } from '@kapi/telemetry';
import { WatchCacheListWatch } from '@kapi/informer';
import { registryBootstrapRevisions } from './registry-bootstrap.js';
import { ReviewAnswerer } from './reviews.js';

const toProto: Record<Decision, authzV1.Decision> = {
  Allow: authzV1.Decision.DECISION_ALLOW,
  Deny: authzV1.Decision.DECISION_DENY,
  NoOpinion: authzV1.Decision.DECISION_NO_OPINION,
};

const userOf = (u: authzV1.Attributes['user']) => ({
  username: u?.username ?? '',
  groups: u?.groups ?? [],
  uid: u?.uid ?? '',
  extra: Object.fromEntries(Object.entries(u?.extra ?? {}).map(([k, v]) => [k, v.values])),
});

/** The authorizers of the configured modes, after system:masters, and their rules for the rules review. */
function buildAuthorizers(config: ServiceConfig, rbac: RbacAuthorizer): { authorizers: Authorizer[]; rulesFor: RulesResolver; usesRbac: boolean } {
  const settings = config.authWebhooks;
  const modes = parseAuthorizationModes(settings.authorizationModes, settings.authorizationWebhookConfigFile !== '');
  const authorizers = authorizersForModes(modes, {
    RBAC: () => [rbac, bootstrapPolicyAuthorizer],
    Webhook: () =>
      webhookAuthorizer({
        post: webhookFromKubeconfig(settings.authorizationWebhookConfigFile),
        authorizedTtlMs: settings.authorizationWebhookAuthorizedTtlMs,
        unauthorizedTtlMs: settings.authorizationWebhookUnauthorizedTtlMs,
      }),
  });
  return { authorizers, rulesFor: rulesResolverForModes(modes, rbac), usesRbac: modes.includes('RBAC') };
}

@Injectable()
export class AuthzGrpcServer extends GrpcServerHost {
  readonly index = new RbacIndex();
  private readonly rbac = new RbacAuthorizer(this.index);
  private readonly authorizer: Authorizer;
  private readonly reviews: ReviewAnswerer;
  private readonly watchCache: watchcacheV1.WatchCacheClient;
  private readonly reflector: RbacReflector;
  private readonly registry: registryV1.RegistryClient;
  private readonly bootstrapRoles: BootstrapRolesSync;
  private readonly usesRbac: boolean;

  constructor(@Inject(CONFIG) config: ServiceConfig, @Inject(LOGGER) logger: Logger, @Inject(CREDENTIALS) credentials: ServiceCredentials) {
    super(config, logger, credentials);
    requireSettings(config, { watchCacheAddrs: 'KAPI_WATCH_CACHE_ADDR', registryAddrs: 'KAPI_REGISTRY_ADDR' });
    const { authorizers, rulesFor, usesRbac } = buildAuthorizers(config, this.rbac);
    this.usesRbac = usesRbac;
    this.authorizer = authorizerChain(authorizers);
    this.reviews = new ReviewAnswerer(authorizers, rulesFor);
    this.watchCache = createClient(watchcacheV1.WatchCacheClient, config.watchCacheAddrs, credentials.channelTo('watch-cache'), 'watch-cache');
    this.reflector = new RbacReflector(this.index, new WatchCacheListWatch<RbacObject>(this.watchCache), { logger });
    this.registry = createClient(registryV1.RegistryClient, config.registryAddrs, credentials.channelTo('registry'), 'registry');
    this.bootstrapRoles = new BootstrapRolesSync(this.reflector, registryBootstrapRevisions(this.registry));
    for (const resource of ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'] as const) {
      metrics.gauge(`kapi_authz_rbac_${resource}`, `${resource} held in the authorizer's RBAC index.`, () => this.index.size(resource));
    }
    metrics.counter('kapi_authz_rbac_events_total', 'Watch events applied to the RBAC index.', () => this.reflector.eventsApplied);
    metrics.counter('kapi_authz_rbac_relists_total', 'Lists that replaced one RBAC resource in the index.', () => this.reflector.relists);
  }

  override async onApplicationBootstrap(): Promise<void> {
    this.reflector.start();
    await super.onApplicationBootstrap();
  }

  override async onApplicationShutdown(): Promise<void> {
    await this.reflector.stop();
    this.watchCache.close();
    this.registry.close();
    await super.onApplicationShutdown();
  }

  /**
   * A replica whose RBAC index has not listed everything yet (it just started) would deny what RBAC
   * allows: it answers UNAVAILABLE instead, so the front door asks another replica, or answers 503
   * with Retry-After. system:masters needs no RBAC object and is always decided.
   */
  private requireRbacSynced(user: authzV1.Attributes['user']): void {
    if (!this.usesRbac || this.reflector.synced || user?.groups.includes(MASTERS_GROUP)) return;
    throw { code: grpc.status.UNAVAILABLE, details: `its RBAC cache is not synced yet (${this.reflector.pending.join(', ')})` };
  }

  async authorize(a: authzV1.Attributes): Promise<authzV1.AuthorizeReply> {
    this.requireRbacSynced(a.user);
    const result = await this.authorizer.authorize({
      user: userOf(a.user),
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
    if (result.error) this.logger.warn('authorization could not be decided', { error: result.error, user: a.user?.username });
    return { decision: toProto[result.decision], reason: result.reason, evaluationError: result.error ?? '' };
  }

  async review(r: authzV1.ReviewRequest): Promise<authzV1.ReviewReply> {
    this.requireRbacSynced(r.user);
    try {
      const review = await this.reviews.answer(r.resource, r.namespace, r.review, userOf(r.user));
      return { review: Buffer.from(JSON.stringify(review)), status: Buffer.alloc(0) };
    } catch (err) {
      if (!isStatusError(err)) throw err;
      return { review: Buffer.alloc(0), status: Buffer.from(JSON.stringify(toStatus(err))) };
    }
  }

  protected services() {
    return [
      {
        definition: authzV1.AuthorizationService,
        handlers: toGrpcHandlers(authzV1.AuthorizationService, { authorize: (a) => this.authorize(a), review: (r) => this.review(r) }, this.logger),
      },
      healthService('authz', [
        {
          name: 'informer-sync',
          check: () => {
            if (!this.reflector.synced) throw new Error(`the RBAC objects are not listed yet (${this.reflector.pending.join(', ')})`);
          },
        },
        { name: 'poststarthook/rbac/bootstrap-roles', check: () => this.bootstrapRoles.check() },
      ]),
    ];
  }
}
