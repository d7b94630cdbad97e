// The registry's gRPC surface: decode the request, run the generic store, answer with the object or
// with the Status the client is to see.
import { Inject, Injectable } from '@nestjs/common';
import { badRequest, expired, isStatusError, PatchType, serviceUnavailable, StatusError, toStatus, type KubeObject } from '@kapi/api-machinery';
import { encodeBatch } from '@kapi/event-bus';
import { loadAuthnConfig, type ServiceConfig } from '@kapi/config';
import { newWriteRecorder, type DeleteOptions, type WriteContext } from '@kapi/generic-registry';
import { healthService, isRetriedCall, toGrpcHandlers, type CallContext, type ServiceCredentials } from '@kapi/grpc';
import { registryV1 } from '@kapi/proto';
import { CONFIG, CREDENTIALS, GrpcServerHost, LOGGER } from '@kapi/service-kit';
import { trace, type Logger } from '@kapi/telemetry';
import { isStorageError, PROGRESS_KEY } from '@kapi/storage';
import { isComponentStatuses, isLegacyBinding } from '@kapi/kinds';
import { isCompacted, readHistory } from './history.js';
import { chunksOf } from './snapshot-chunks.js';
import { Bootstrap } from './bootstrap.js';
import { Registry } from './registry.js';
import { TokenIssuer } from './token-issuer.js';
import { CONNECT_SUBRESOURCES, CREATE_SUBRESOURCES, PodSubresources } from './pod-subresources.js';
import { writeQuotaUsage } from './quota-usage.js';
import { ComponentStatuses } from './component-statuses.js';

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (err) {
    throw badRequest(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function parseObject(bytes: Buffer): KubeObject {
  const obj = parseJson<unknown>(bytes, 'the request body is not valid JSON');
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw badRequest('the request body must be a JSON object');
  return obj as KubeObject;
}

/**
 * The write context of a call; `call` tells whether the call retries an attempt that may have
 * written. The options are what the request's query said (dryRun, fieldManager, fieldValidation);
 * `force` is server-side apply's alone and is taken out of them.
 */
function writeContext(ctx: registryV1.RequestContext | undefined, call?: CallContext): WriteContext {
  const { force, ...options } = (ctx?.options?.length ? JSON.parse(ctx.options.toString('utf8')) : {}) as Record<string, unknown>;
  return {
    user: ctx?.user ?? { username: '', uid: '', groups: [], extra: {} },
    dryRun: ctx?.dryRun ?? false,
    fieldManager: ctx?.fieldManager || 'unknown',
    options: Object.keys(options).length ? options : undefined,
    force: force === true,
    recorder: newWriteRecorder(),
    ...(ctx?.requestId ? { request: { id: ctx.requestId, retry: call ? isRetriedCall(call.metadata) : false } } : {}),
    // The front door's deadline for the request, which admission's calls carry on.
    ...(call?.deadline === undefined ? {} : { deadline: call.deadline }),
  };
}

/** For a request that makes several writes: none of them is recorded as the request's one write. */
function withoutRequest(ctx: WriteContext): WriteContext {
  const { request: _request, ...rest } = ctx;
  return rest;
}

/**
 * The answer to a call: the object, or the Status the client is to see, with the warnings the
 * write collected (admission's among them) either way. `outcome.created` is read once `fn` is done:
 * a server-side apply sets it when it created the object.
 */
async function reply(fn: () => Promise<unknown>, ctx?: WriteContext, outcome = { created: false }): Promise<registryV1.ObjectReply> {
  const warnings = () => {
    // kapi keeps no audit log yet: admission's audit annotations go on the request's trace.
    for (const [key, value] of Object.entries(ctx?.recorder?.auditAnnotations ?? {})) trace.getActiveSpan()?.setAttribute(`kapi.audit.annotation.${key}`, value);
    return ctx?.recorder?.warnings ?? [];
  };
  try {
    const object = Buffer.from(JSON.stringify(await fn()));
    return { object, status: Buffer.alloc(0), warnings: warnings(), created: outcome.created };
  } catch (err) {
    if (!isStatusError(err)) throw err;
    return { object: Buffer.alloc(0), status: Buffer.from(JSON.stringify(toStatus(err))), warnings: warnings(), created: false };
  }
}

const SNAPSHOT_CHUNK = 500;
/** Well within gRPC's 64 MiB message limit, with objects of up to 1.5 MiB. */
const SNAPSHOT_MESSAGE_BYTES = 16 * 1024 * 1024;

@Injectable()
export class RegistryGrpcServer extends GrpcServerHost {
  constructor(
    @Inject(CONFIG) config: ServiceConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(CREDENTIALS) credentials: ServiceCredentials,
    private readonly registry: Registry,
    private readonly bootstrap: Bootstrap,
  ) {
    super(config, logger, credentials);
    this.tokens = new TokenIssuer(registry, loadAuthnConfig(config.pkiDir).serviceAccountSigningKeyFile);
    this.podSubresources = new PodSubresources(registry);
    // etcd answers a read of a key that need not exist when it is healthy, as kube's etcd probe reads "health".
    this.componentStatuses = new ComponentStatuses(config.etcdEndpoints, async () => void (await registry.backend.get('health')));
  }

  private readonly componentStatuses: ComponentStatuses;

  private readonly tokens: TokenIssuer;
  private readonly podSubresources: PodSubresources;

  /**
   * Requests to subresources that are not the object's own fields: create-only ones refuse,
   * connecting ones connect (after CONNECT admission, with the user `ctx` names).
   */
  private otherSubresource(ref: registryV1.CreateRequest['resource'], name: string, subresource: string, ctx: WriteContext | undefined, query = ''): Promise<unknown> | undefined {
    if (!ref?.group && ref?.resource === 'nodes' && subresource === 'proxy') return this.podSubresources.connectNode(name, query, ctx);
    if (ref?.group || ref?.resource !== 'pods') return undefined;
    if (CONNECT_SUBRESOURCES.includes(subresource)) return this.podSubresources.connect(ref.namespace, name, subresource, query, ctx);
    if (CREATE_SUBRESOURCES.includes(subresource)) {
      return Promise.reject(new StatusError('KAPI_ERR_METHOD_NOT_ALLOWED', 'the server does not allow this method on the requested resource'));
    }
    return undefined;
  }

  private createSubresource(r: registryV1.CreateRequest, ctx: WriteContext): Promise<unknown> | undefined {
    const ref = r.resource;
    if (r.subresource === 'token' && ref?.resource === 'serviceaccounts' && !ref.group) return this.tokens.issue(ref.namespace, r.name, parseObject(r.object), ctx);
    if (!ref?.group && ref?.resource === 'nodes' && r.subresource === 'proxy') return this.podSubresources.connectNode(r.name, r.query, ctx);
    // The legacy bindings resource binds the pod its body names, as pods/<name>/binding does.
    if (isLegacyBinding(ref?.group ?? '', ref?.resource ?? '')) {
      const binding = parseObject(r.object);
      if (!binding.metadata?.name) return Promise.reject(badRequest('Name parameter required.'));
      return this.podSubresources.bind(ref!.namespace, binding.metadata.name, binding, ctx);
    }
    if (ref?.group || ref?.resource !== 'pods') return undefined;
    if (r.subresource === 'binding') return this.podSubresources.bind(ref.namespace, r.name, parseObject(r.object), ctx);
    // An eviction writes the budget's status, then deletes the pod.
    if (r.subresource === 'eviction') return this.podSubresources.evict(ref.namespace, r.name, parseObject(r.object), withoutRequest(ctx));
    if (CONNECT_SUBRESOURCES.includes(r.subresource)) return this.podSubresources.connect(ref.namespace, r.name, r.subresource, r.query, ctx);
    return undefined;
  }

  private store(ref: registryV1.CreateRequest['resource']) {
    return this.registry.resolveStore(ref?.group ?? '', ref?.resource ?? '', ref?.version || undefined);
  }

  private implementation() {
    const ns = (ref: registryV1.CreateRequest['resource']) => ref?.namespace || undefined;
    const registry = this.registry;
    const progress = () => this.progress();
    return {
      create: (r: registryV1.CreateRequest, call: CallContext) => {
        const ctx = writeContext(r.context, call);
        return reply(async () => this.createSubresource(r, ctx) ?? (await this.store(r.resource)).create(ns(r.resource), parseObject(r.object), ctx), ctx);
      },
      get: (r: registryV1.GetRequest) => {
        const ctx = r.context ? writeContext(r.context) : undefined;
        if (isComponentStatuses(r.resource?.group ?? '', r.resource?.resource ?? '')) return reply(() => this.componentStatuses.get(r.name));
        return reply(async () => this.otherSubresource(r.resource, r.name, r.subresource, ctx, r.query) ?? (await this.store(r.resource)).get(ns(r.resource), r.name, r.subresource), ctx);
      },
      list: (r: registryV1.ListRequest) =>
        reply(async () =>
          isComponentStatuses(r.resource?.group ?? '', r.resource?.resource ?? '')
            ? this.componentStatuses.list()
            : (await this.store(r.resource)).list({
                namespace: r.resource?.namespace,
                labelSelector: r.labelSelector,
                fieldSelector: r.fieldSelector,
                limit: r.limit,
                continue: r.continue,
                resourceVersion: r.resourceVersion,
                resourceVersionMatch: r.resourceVersionMatch,
              }),
        ),
      update: (r: registryV1.UpdateRequest, call: CallContext) => {
        const ctx = writeContext(r.context, call);
        return reply(async () => this.otherSubresource(r.resource, r.name, r.subresource, ctx) ?? (await this.store(r.resource)).update(ns(r.resource), r.name, parseObject(r.object), ctx, r.subresource), ctx);
      },
      patch: (r: registryV1.PatchRequest, call: CallContext) => {
        const outcome = { created: false };
        const ctx = writeContext(r.context, call);
        return reply(
          async () => {
            const other = this.otherSubresource(r.resource, r.name, r.subresource, ctx);
            if (other) return other;
            const store = await this.store(r.resource);
            const patch = parseJson(r.patch, 'the patch is not valid JSON');
            if (r.patchType !== PatchType.apply) return store.patch(ns(r.resource), r.name, r.patchType, patch, ctx, r.subresource);
            const applied = await store.apply(ns(r.resource), r.name, patch, ctx, r.subresource);
            outcome.created = applied.created;
            return applied.object;
          },
          ctx,
          outcome,
        );
      },
      delete: (r: registryV1.DeleteRequest, call: CallContext) => {
        const ctx = writeContext(r.context, call);
        return reply(
          async () =>
            (await this.store(r.resource)).delete(
              ns(r.resource),
              r.name,
              r.deleteOptions.length ? parseJson<DeleteOptions>(r.deleteOptions, 'the DeleteOptions are not valid JSON') : {},
              ctx,
            ),
          ctx,
        );
      },
      deleteCollection: (r: registryV1.DeleteCollectionRequest, call: CallContext) => {
        // One request, many writes: a retry deletes what is left, which is idempotent anyway.
        const ctx = withoutRequest(writeContext(r.context, call));
        return reply(async () => {
          const list = r.list!;
          const store = await this.store(list.resource);
          const options = r.deleteOptions.length ? parseJson<DeleteOptions>(r.deleteOptions, 'the DeleteOptions are not valid JSON') : {};
          const found = await store.list({ namespace: list.resource?.namespace, labelSelector: list.labelSelector, fieldSelector: list.fieldSelector });
          for (const item of found.items) {
            await store.delete(item.metadata?.namespace, item.metadata?.name ?? '', options, ctx).catch((err) => {
              if (!(isStatusError(err) && err.httpCode === 404)) throw err;
            });
          }
          return { ...found, metadata: {} };
        }, ctx);
      },
      progress: async (): Promise<registryV1.ProgressReply> => {
        try {
          return { revision: await this.progress(), status: Buffer.alloc(0) };
        } catch (err) {
          const status = isStorageError(err, 'Unavailable') ? serviceUnavailable(`storage is unavailable: ${err.message}`, 1, 'KAPI_ERR_STORAGE_UNAVAILABLE').toStatus() : toStatus(err);
          return { revision: 0, status: Buffer.from(JSON.stringify(status)) };
        }
      },
      updateQuotaUsage: (r: registryV1.QuotaUsageRequest) => reply(() => writeQuotaUsage(this.registry.store('', 'resourcequotas'), r)),
      rbacBootstrap: async (): Promise<registryV1.RbacBootstrapReply> => {
        const revisions = this.bootstrap.rbacBootstrapRevisions;
        return { done: revisions !== undefined, revisions: { ...revisions } };
      },
      history: async function* (this: void, r: registryV1.HistoryRequest): AsyncIterable<registryV1.HistoryBatch> {
        try {
          for await (const batch of readHistory(registry.backend.client, r.prefix || '/registry/', r.fromRevision, progress)) {
            yield { batch: Buffer.from(encodeBatch(batch)), status: Buffer.alloc(0) };
          }
        } catch (err) {
          const status = isCompacted(err) ? expired(`The history from revision ${r.fromRevision} has been compacted`).toStatus() : toStatus(err);
          yield { batch: Buffer.alloc(0), status: Buffer.from(JSON.stringify(status)) };
        }
      },
      snapshot: async function* (r: registryV1.SnapshotRequest): AsyncIterable<registryV1.SnapshotChunk> {
        const prefix = r.prefix || '/registry/';
        let startKey: string | undefined;
        let revision = 0;
        for (;;) {
          const page = await registry.storage.list(prefix, { startKey, limit: SNAPSHOT_CHUNK, revision: revision || undefined });
          revision ||= page.revision;
          for (const items of chunksOf(page.items, SNAPSHOT_MESSAGE_BYTES)) {
            yield { revision, items: items.map((i) => ({ key: i.key, value: i.value, createRevision: i.createRevision, modRevision: i.modRevision })) };
          }
          if (!page.more || page.items.length === 0) return;
          startKey = page.items[page.items.length - 1].key + '\0';
        }
      },
    };
  }

  private inFlightProgress?: Promise<number>;

  /** One progress write serves every caller that arrives while it is in flight. */
  private progress(): Promise<number> {
    this.inFlightProgress ??= (async () => {
      try {
        // Another replica's write at the same time only means another try.
        for (let attempt = 0; ; attempt++) {
          const stored = await this.registry.storage.get(PROGRESS_KEY);
          const value = Buffer.from(JSON.stringify({ at: Date.now() }));
          try {
            return stored ? await this.registry.storage.update(PROGRESS_KEY, value, stored.modRevision) : await this.registry.storage.create(PROGRESS_KEY, value);
          } catch (err) {
            if (attempt >= 8 || !(isStorageError(err, 'Conflict') || isStorageError(err, 'KeyExists') || isStorageError(err, 'KeyNotFound'))) throw err;
          }
        }
      } finally {
        this.inFlightProgress = undefined;
      }
    })();
    return this.inFlightProgress;
  }

  protected services() {
    return [
      { definition: registryV1.RegistryService, handlers: toGrpcHandlers(registryV1.RegistryService, this.implementation(), this.logger) },
      healthService('registry', [
        { name: 'etcd', check: async () => void (await this.registry.storage.currentRevision()) },
        { name: 'bootstrap', check: () => this.registry.checkBootstrapped() },
        { name: 'poststarthook/rbac/bootstrap-roles', check: () => this.bootstrap.checkRbacBootstrapped() },
      ]),
    ];
  }
}
