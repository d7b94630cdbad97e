// Watch and list served from the watch store over gRPC server streams.
import { Inject, Injectable } from '@nestjs/common';
import {
  apiVersionOf,
  badRequest,
  encodeContinue,
  isStatusError,
  parseFieldSelector,
  parseLabelSelector,
  parseResourceVersion,
  StatusError,
  toStatus,
  type KubeObject,
  type Status,
} from '@kapi/api-machinery';
import type { ServiceConfig } from '@kapi/config';
import { healthService, toGrpcHandlers, type CallContext, type ServiceCredentials } from '@kapi/grpc';
import { checkFieldSelector, crdNameOf, CRD_STORAGE_PREFIX, CustomResourceKinds, KindCatalogue, servedStrategies, storageKey, type CustomResourceDefinition, type KindStrategy } from '@kapi/kinds';
import { watchcacheV1 } from '@kapi/proto';
import { CONFIG, CREDENTIALS, GrpcServerHost, LOGGER } from '@kapi/service-kit';
import { LATENCY_BUCKETS, metrics, type Logger } from '@kapi/telemetry';
import { filterEvent, TooOldResourceVersionError, type CachedObject, type WatchEventOut, type WatchFilter } from '@kapi/watch-store';
import type { WebhookClients } from '@kapi/webhook-client';
import { CacheSync, positiveInteger } from './cache-sync.js';
import { conversionWebhookClients } from './conversion-webhooks.js';

/** How long a list waits for the cache to reach the revision it asks for, as kube-apiserver waits 3 s. */
const TOO_LARGE_WAIT_MS = 3_000;

// One event reaches many watchers with the same object: it is serialised once, for all of them.
const encoded = new WeakMap<object, Buffer>();
function encodeOnce(object: object): Buffer {
  let bytes = encoded.get(object);
  if (!bytes) {
    bytes = Buffer.from(JSON.stringify(object));
    encoded.set(object, bytes);
  }
  return bytes;
}

const NONE = Buffer.alloc(0);
const listReply = (fields: Partial<watchcacheV1.ListReply>): watchcacheV1.ListReply => ({ list: NONE, status: NONE, notInCache: false, notReady: false, ...fields });
const failedList = (status: object) => listReply({ status: Buffer.from(JSON.stringify(status)) });

const event = (type: string, object: object, resourceVersion: string): watchcacheV1.WatchEvent => ({
  type,
  object: encodeOnce(object),
  resourceVersion,
});

@Injectable()
export class WatchCacheGrpcServer extends GrpcServerHost {
  private readonly catalogue: KindCatalogue;
  /** Conversion webhooks of the CRDs, for lists and watches in a version other than the storage version. */
  private readonly conversionWebhooks: WebhookClients;
  /** The custom resources served, read from the CRDs this cache holds whenever one is asked for. */
  private readonly customResources: CustomResourceKinds;
  /** kube-apiserver bookmarks at least once a minute; half that leaves room for delays. */
  private readonly bookmarkIntervalMs = positiveInteger('KAPI_WATCH_BOOKMARK_INTERVAL_MS', 30_000);

  private listsNotReady = 0;
  private watchesNotReady = 0;
  private consistentListsFromEtcd = 0;
  private readonly deliveryLatency = metrics.histogram(
    'kapi_watch_cache_delivery_latency_seconds',
    'Time from the publisher receiving a change from etcd to the watch cache sending it to a watcher.',
    LATENCY_BUCKETS,
  );

  constructor(
    @Inject(CONFIG) config: ServiceConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(CREDENTIALS) credentials: ServiceCredentials,
    private readonly sync: CacheSync,
  ) {
    super(config, logger, credentials);
    this.conversionWebhooks = conversionWebhookClients(sync.store);
    this.customResources = new CustomResourceKinds({ conversionTransport: this.conversionWebhooks });
    this.catalogue = new KindCatalogue(servedStrategies(config.runtimeConfig), this.customResources);
    const store = sync.store;
    metrics.gauge('apiserver_registered_watchers', 'Number of currently registered watchers.', () => store.watcherCount);
    metrics.counter('kapi_watch_cache_events_dispatched_total', 'Events the watch cache queued for its watchers.', () => store.eventsDispatched);
    metrics.gauge('kapi_watch_cache_objects', 'Objects held in the watch cache.', () => store.size);
    metrics.counter('kapi_watch_cache_lists_not_ready_total', 'Lists answered "not ready" because the cache had not synchronised.', () => this.listsNotReady);
    metrics.counter(
      'kapi_watch_cache_consistent_lists_from_etcd_total',
      'Consistent lists left to etcd because the cache did not reach etcd\'s revision in time (the event stream away or behind).',
      () => this.consistentListsFromEtcd,
    );
    metrics.counter('kapi_watch_cache_watches_not_ready_total', 'Watches answered "not ready" because the cache had not synchronised.', () => this.watchesNotReady);
    metrics.gauge('kapi_watch_cache_revision', 'The etcd revision the watch cache has reached.', () => store.revision);
  }

  /**
   * The kind of a resource: a built-in one, or a custom resource as its CRD is in this cache now (the
   * strategy is rebuilt only when the CRD changed), so what is served follows the cache's own state.
   */
  private lookup(group: string, resource: string, version?: string): KindStrategy | undefined {
    if (group && !this.catalogue.isBuiltin(group, resource)) {
      const name = crdNameOf(group, resource);
      const crd = this.sync.store.get(`${CRD_STORAGE_PREFIX}${name}`);
      if (crd) this.customResources.update(crd.object as CustomResourceDefinition);
      else this.customResources.remove(name);
    }
    return this.catalogue.lookup(group, resource, version);
  }

  private scope(ref: watchcacheV1.WatchRequest['resource'], labelSelector: string, fieldSelector: string, name = '') {
    const strategy = this.lookup(ref?.group ?? '', ref?.resource ?? '', ref?.version || undefined);
    if (!strategy) throw new StatusError('KAPI_ERR_ROUTE_NOT_FOUND', 'the server could not find the requested resource');
    const labels = parseLabelSelector(labelSelector);
    const fields = parseFieldSelector(fieldSelector);
    checkFieldSelector(strategy, fields);
    // The cache holds objects as stored; a kind that shares another version's storage sees them
    // converted. Selectors look at that view; what is sent is converted by the conversion made
    // elsewhere when the kind has one (a CRD's webhook: a list's objects in one review).
    const view = (obj: unknown): KubeObject => strategy.storageConversion?.fromStorage(obj as KubeObject) ?? (obj as KubeObject);
    const converter = strategy.asyncStorageConversion;
    const convert = async (stored: readonly unknown[]): Promise<KubeObject[]> =>
      converter ? converter.fromStorage(stored as KubeObject[]) : stored.map(view);
    const selected = (obj: KubeObject) => labels.matches(obj.metadata?.labels) && (fields.isEmpty() || fields.matches(strategy.selectableFields(obj)));
    // Selectors of a kind converted elsewhere look at the converted objects: a list with them is
    // left to the registry, which selects after converting; a watch selects after converting
    // (`selectConverted`), the store filtering by name alone.
    const selectsConverted = !!converter && (labelSelector !== '' || fieldSelector !== '');
    const filter: WatchFilter = (stored) => {
      const obj = view(stored);
      return (!name || obj.metadata?.name === name) && (selectsConverted || selected(obj));
    };
    const prefix = storageKey(strategy.info, strategy.info.namespaced ? ref?.namespace || undefined : undefined);
    return { strategy, filter, prefix, convert, selectsConverted, selected };
  }

  /**
   * What a replica that has not synchronised answers at once, as kube-apiserver answers while its
   * watch cache initialises (KEP-4568), rather than after a wait: the front door asks another
   * replica (or this one again, a moment later), or the registry for a list.
   */
  private notReady(): Status {
    return new StatusError('KAPI_ERR_TOO_MANY_REQUESTS', 'storage is (re)initializing', { retryAfterSeconds: 1 }).toStatus();
  }

  async *watch(req: watchcacheV1.WatchRequest, ctx: CallContext): AsyncIterable<watchcacheV1.WatchEvent> {
    const store = this.sync.store;
    let channel;
    let info;
    let convert;
    let selectConverted: ((e: WatchEventOut) => Promise<WatchEventOut | undefined>) | undefined;
    if (this.sync.notReadyReason) {
      this.watchesNotReady++;
      yield event('ERROR', this.notReady(), '');
      return;
    }
    try {
      const scope = this.scope(req.resource, req.labelSelector, req.fieldSelector, req.name);
      const { strategy, filter, prefix } = scope;
      info = strategy.info;
      convert = scope.convert;
      if (scope.selectsConverted) {
        const { convert: toVersion, selected } = scope;
        // The event and the object before it, converted in one review, then kube's watch-cache rules on them.
        selectConverted = async (e) => {
          const [object, prevObject] = await toVersion(e.prevObject ? [e.object, e.prevObject] : [e.object]);
          const change = e.type === 'DELETED' ? 'DELETED' : e.type === 'MODIFIED' ? 'MODIFIED' : 'ADDED';
          return filterEvent({ type: change, key: '', revision: e.revision, object, prevObject, observedAt: e.observedAt }, (o) => selected(o as KubeObject));
        };
      }
      const rv = parseResourceVersion(req.resourceVersion);
      // sendInitialEvents streams the current state first, whatever resourceVersion was given.
      channel = store.watch(prefix, filter, req.sendInitialEvents ? 0 : rv, { initialEventsEnd: req.sendInitialEvents });
    } catch (err) {
      if (err instanceof TooOldResourceVersionError) {
        yield event('ERROR', new StatusError('KAPI_ERR_WATCH_GONE', err.message).toStatus(), '');
        return;
      }
      if (isStatusError(err)) {
        yield event('ERROR', toStatus(err), '');
        return;
      }
      throw err;
    }
    const kind = info.kind;
    const apiVersion = apiVersionOf(info);
    const bookmark = (revision: number, initialEventsEnd: boolean) =>
      event(
        'BOOKMARK',
        {
          kind,
          apiVersion,
          metadata: { resourceVersion: String(revision), ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}) },
        },
        String(revision),
      );
    const timer = req.allowBookmarks ? setInterval(() => store.bookmark(channel), this.bookmarkIntervalMs) : undefined;
    const onAbort = () => store.unwatch(channel);
    ctx.signal.addEventListener('abort', onAbort);
    try {
      for await (const e of channel) {
        if (e.type === 'BOOKMARK') {
          const initialEventsEnd = e.object.initialEventsEnd === true;
          // Periodic bookmarks go only to clients that allow them; the end of the initial events always does.
          if (initialEventsEnd || req.allowBookmarks) yield bookmark(e.revision, initialEventsEnd);
        } else {
          // An object its conversion webhook fails on ends the watch (logged below) without an ERROR
          // event, as kube's does: there the watch cache's etcd watch cannot decode the event, and
          // the cache re-initialises, ending its watchers (Cacher.terminateAllWatchers).
          if (selectConverted) {
            const out = await selectConverted(e);
            if (out) yield event(out.type, out.object, String(e.revision));
          } else {
            const [object] = await convert([e.object]);
            yield event(e.type, object, String(e.revision));
          }
          if (e.observedAt) this.deliveryLatency.observe(Math.max(0, Date.now() - e.observedAt) / 1000);
        }
      }
    } catch (err) {
      // The watcher overflowed or the cache re-synchronised: the client re-watches.
      this.logger.info('watch closed', { reason: err instanceof Error ? err.message : String(err) });
    } finally {
      clearInterval(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      store.unwatch(channel);
    }
  }

  async list(req: watchcacheV1.ListRequest): Promise<watchcacheV1.ListReply> {
    if (this.sync.notReadyReason) {
      this.listsNotReady++;
      return { ...failedList(this.notReady()), notReady: true };
    }
    try {
      // Continued pages are the registry's (etcd's), at the revision their token names.
      if (req.continue) throw badRequest('a continued list is served by the registry');
      const rv = parseResourceVersion(req.resourceVersion);
      if (req.resourceVersionMatch === 'Exact') return await this.listExact(req, rv ?? 0);
      // "" is a consistent read: everything etcd held now. N (NotOlderThan) is at least N. 0 is anything.
      const wanted = rv === undefined ? await this.sync.consistentRevision() : rv;
      if (wanted > 0 && !(await this.sync.waitForRevision(wanted, TOO_LARGE_WAIT_MS))) {
        // kube's cacher falls back to etcd when its cache cannot catch up with a consistent read
        // in time (the event stream away or behind): the client is answered, only more slowly.
        // An explicit resourceVersion the cache has not reached is refused, as kube refuses it.
        if (rv === undefined) {
          this.consistentListsFromEtcd++;
          return listReply({ notInCache: true });
        }
        throw new StatusError('KAPI_ERR_REQUEST_TIMEOUT', `Timeout: Too large resource version: ${wanted}, current: ${this.sync.store.revision}`, {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        });
      }
      const revision = this.sync.store.revision;
      const { strategy, filter, prefix, convert, selectsConverted } = this.scope(req.resource, req.labelSelector, req.fieldSelector);
      if (selectsConverted) return listReply({ notInCache: true });
      // "Any version" lists are whole, as kube's watch cache serves them.
      return await this.listedPage(strategy, convert, prefix, this.sync.store.list(prefix, filter), revision, rv === 0 ? 0 : Number(req.limit) || 0);
    } catch (err) {
      if (!isStatusError(err)) throw err;
      return failedList(toStatus(err));
    }
  }

  /**
   * An exact list: the state at that revision, rebuilt from the window of recent events; older
   * revisions than the window holds are left to etcd. A revision the cache has not seen yet is
   * waited for, as a not-older-than read is.
   */
  private async listExact(req: watchcacheV1.ListRequest, revision: number): Promise<watchcacheV1.ListReply> {
    if (revision > 0 && !(await this.sync.waitForRevision(revision, TOO_LARGE_WAIT_MS))) {
      return listReply({ notInCache: true });
    }
    const { strategy, filter, prefix, convert, selectsConverted } = this.scope(req.resource, req.labelSelector, req.fieldSelector);
    const items = selectsConverted ? undefined : this.sync.store.listAt(prefix, filter, revision);
    if (!items) return listReply({ notInCache: true });
    return this.listedPage(strategy, convert, prefix, items, revision, Number(req.limit) || 0);
  }

  private async listedPage(
    strategy: KindStrategy,
    convert: (stored: readonly unknown[]) => Promise<KubeObject[]>,
    prefix: string,
    matching: CachedObject[],
    revision: number,
    limit: number,
  ): Promise<watchcacheV1.ListReply> {
    // A first page comes from memory at the cache's revision; its continue token reads the rest
    // from etcd at that same revision, so the pages form one consistent list (410 once compacted).
    const page = limit > 0 ? matching.slice(0, limit) : matching;
    const next = limit > 0 && matching.length > limit ? page[page.length - 1].key + '\0' : undefined;
    const metadata = {
      resourceVersion: String(revision),
      ...(next ? { continue: encodeContinue(revision, next.slice(prefix.length)), remainingItemCount: matching.length - limit } : {}),
    };
    const list = { apiVersion: apiVersionOf(strategy.info), kind: strategy.info.listKind, metadata, items: await convert(page.map((i) => i.object)) };
    return listReply({ list: Buffer.from(JSON.stringify(list)) });
  }

  override async onApplicationShutdown(): Promise<void> {
    await super.onApplicationShutdown();
    this.conversionWebhooks.close();
  }

  protected services() {
    return [
      {
        definition: watchcacheV1.WatchCacheService,
        handlers: toGrpcHandlers(watchcacheV1.WatchCacheService, { watch: (r, ctx) => this.watch(r, ctx), list: (r) => this.list(r) }, this.logger),
      },
      healthService('watch-cache', [
        {
          name: 'synchronised',
          check: () => {
            if (this.sync.notReadyReason) throw new Error(this.sync.notReadyReason);
          },
        },
      ]),
    ];
  }
}
