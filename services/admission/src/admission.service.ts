// The admission chain as a gRPC service: the registry asks Mutate on each write's decoded, defaulted
// object before its kind's strategy prepares it, and Validate on the prepared object before storage.
// Which plugins run, and in what order, is kube's (KAPI_ENABLE_ADMISSION_PLUGINS,
// KAPI_DISABLE_ADMISSION_PLUGINS); plugins that read cluster state get informers fed from the
// watch-cache, live reads through the registry and the authz service's decisions, and the service is
// ready once those informers have listed.
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AdmissionChain, type AdmissionAttributes, type Operation } from '@kapi/admission-chain';
import { buildAdmissionChain, enabledPlugins, type AdmissionSettings } from '@kapi/admission-plugins';
import { admitWithReinvocation } from '@kapi/admission-webhooks';
import { isStatusError, toStatus, type KubeObject } from '@kapi/api-machinery';
import { requireSettings, type ServiceConfig } from '@kapi/config';
import { createClient, healthService, toGrpcHandlers, type ServiceCredentials } from '@kapi/grpc';
import { SharedInformers, WatchCacheListWatch } from '@kapi/informer';
import { CRD_RESOURCE, CustomResourceKinds, type CustomResourceDefinition } from '@kapi/kinds';
import { admissionV1, authzV1, registryV1, watchcacheV1 } from '@kapi/proto';
import { CONFIG, CREDENTIALS, GrpcServerHost, LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { authzAuthorizer, registryQuotaStatus, registryReader } from './cluster-access.js';
import { admissionPlugins, servedCatalogue } from './plugins.js';
import { webhookSettingsFromEnv, WebhookPlugins } from './webhook-plugins.js';

export const ADMISSION_SETTINGS = Symbol('ADMISSION_SETTINGS');

const parse = (b: Buffer) => (b.length ? (JSON.parse(b.toString('utf8')) as KubeObject) : undefined);

/** What a request leaves besides the object: kube's warning recorder and audit annotations. */
interface Recorded {
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

/**
 * kube's admission.Attributes from the registry's message. Objects are decoded only when a plugin
 * reads them: with no plugin for an operation, nothing is parsed.
 */
export function toAttributes(a: admissionV1.AdmissionAttributes, recorded: Recorded, deadline?: number): AdmissionAttributes {
  let object: KubeObject | undefined;
  let oldObject: KubeObject | undefined;
  const extra = Object.fromEntries(Object.entries(a.user?.extra ?? {}).map(([k, v]) => [k, v.values]));
  const attributes: Omit<AdmissionAttributes, 'object' | 'oldObject'> = {
    operation: a.operation as Operation,
    kind: a.kind ?? { group: '', version: '', kind: '' },
    resource: {
      group: a.resource?.group ?? '',
      version: a.resource?.version ?? '',
      resource: a.resource?.resource ?? '',
      namespace: a.resource?.namespace ?? '',
    },
    subresource: a.subresource,
    name: a.name,
    user: { username: a.user?.username ?? '', uid: a.user?.uid ?? '', groups: a.user?.groups ?? [], extra },
    dryRun: a.dryRun,
    uid: a.uid,
    options: a.options.length ? (JSON.parse(a.options.toString('utf8')) as Record<string, unknown>) : undefined,
    recorder: {
      warning: (message) => void recorded.warnings.push(message),
      auditAnnotation: (key, value) => void (recorded.auditAnnotations[key] = value),
    },
    // The request's deadline, which the registry's call carries as its own.
    ...(deadline === undefined ? {} : { deadline }),
  };
  return Object.defineProperties(attributes, {
    object: { enumerable: true, get: () => (object ??= parse(a.object)), set: (v: KubeObject | undefined) => (object = v) },
    oldObject: { enumerable: true, get: () => (oldObject ??= parse(a.oldObject)) },
  }) as AdmissionAttributes;
}

/** A denial travels back as the Status the client is to see, in the plugin's own words; warnings and annotations either way. */
async function answer(fn: (recorded: Recorded) => Promise<Buffer>): Promise<admissionV1.AdmissionReply> {
  const recorded: Recorded = { warnings: [], auditAnnotations: {} };
  try {
    const object = await fn(recorded);
    return { allowed: true, object, status: Buffer.alloc(0), ...recorded };
  } catch (err) {
    if (!isStatusError(err)) throw err;
    return { allowed: false, object: Buffer.alloc(0), status: Buffer.from(JSON.stringify(toStatus(err))), ...recorded };
  }
}

@Injectable()
export class AdmissionGrpcServer extends GrpcServerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly chain: AdmissionChain;
  private readonly informers: SharedInformers;
  private readonly watchCache: watchcacheV1.WatchCacheClient;
  private readonly registry: registryV1.RegistryClient;
  private readonly authz: authzV1.AuthorizationClient;
  private readonly webhooks: WebhookPlugins;

  constructor(
    @Inject(CONFIG) config: ServiceConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(CREDENTIALS) credentials: ServiceCredentials,
    @Inject(ADMISSION_SETTINGS) settings: AdmissionSettings,
  ) {
    super(config, logger, credentials);
    requireSettings(config, { watchCacheAddrs: 'KAPI_WATCH_CACHE_ADDR', registryAddrs: 'KAPI_REGISTRY_ADDR', authzAddrs: 'KAPI_AUTHZ_ADDR' });
    this.watchCache = createClient(watchcacheV1.WatchCacheClient, config.watchCacheAddrs, credentials.channelTo('watch-cache'), 'watch-cache');
    this.registry = createClient(registryV1.RegistryClient, config.registryAddrs, credentials.channelTo('registry'), 'registry');
    this.authz = createClient(authzV1.AuthorizationClient, config.authzAddrs, credentials.channelTo('authz'), 'authz');
    this.informers = new SharedInformers(new WatchCacheListWatch(this.watchCache), { logger });
    // Custom resources join the catalogue as their CRDs are established (policies' params, webhooks'
    // equivalent resources and conversions, through a CRD's conversion webhook when it has one,
    // re-defaulting after a webhook's patch).
    const customResources = new CustomResourceKinds({
      conversionTransport: { post: (hook, review, timeoutMs) => this.webhooks.sharedClients(this.informers).post(hook, review, timeoutMs) },
    });
    customResources.follow(this.informers.informerFor<CustomResourceDefinition>(CRD_RESOURCE));
    const catalogue = servedCatalogue(config, customResources);
    this.webhooks = new WebhookPlugins(webhookSettingsFromEnv(), catalogue, logger);
    const plugins = admissionPlugins(config, catalogue, this.webhooks);
    const { names, unavailable } = enabledPlugins(settings, plugins);
    this.chain = buildAdmissionChain(
      names,
      plugins,
      {
        informers: this.informers,
        api: registryReader(this.registry),
        authorizer: authzAuthorizer(this.authz),
        settings,
        quotaStatus: registryQuotaStatus(this.registry),
      },
      // kube's reinvoker: the mutating plugins run again when a webhook changed the object.
      new AdmissionChain({ runMutation: admitWithReinvocation }),
    );
    logger.info('admission plugins', { enabled: this.chain.names, ...(unavailable.length ? { notImplemented: unavailable } : {}) });
  }

  override async onApplicationBootstrap(): Promise<void> {
    this.informers.start();
    await super.onApplicationBootstrap();
  }

  override async onApplicationShutdown(): Promise<void> {
    await super.onApplicationShutdown();
    this.webhooks.close();
    await this.informers.stop();
    this.watchCache.close();
    this.registry.close();
    this.authz.close();
  }

  protected services() {
    return [
      {
        definition: admissionV1.AdmissionService,
        handlers: toGrpcHandlers(
          admissionV1.AdmissionService,
          {
            mutate: (a, call) =>
              answer(async (recorded) => {
                const attributes = toAttributes(a, recorded, call.deadline);
                if (!this.chain.mutates(attributes.operation)) return Buffer.alloc(0);
                const result = await this.chain.mutate(attributes);
                // A DELETE or CONNECT has no object to change, only a decision.
                if (!a.object.length) return Buffer.alloc(0);
                const mutated = JSON.stringify(result);
                // Plugins change the object in place or return another: only a difference travels back.
                return mutated === a.object.toString('utf8') ? Buffer.alloc(0) : Buffer.from(mutated);
              }),
            validate: (a, call) =>
              answer(async (recorded) => {
                await this.chain.validate(toAttributes(a, recorded, call.deadline));
                return Buffer.alloc(0);
              }),
          },
          this.logger,
        ),
      },
      // Not ready until the plugins' informers have listed (kube's plugins wait for theirs).
      healthService('admission', [
        {
          name: 'informer-sync',
          check: async () => {
            if (!this.informers.synced) throw new Error(`informers not synced yet: ${this.informers.pending.join(', ')}`);
          },
        },
      ]),
    ];
  }
}
