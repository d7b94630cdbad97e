// Finishes namespace deletion, as kube-controller-manager's namespace controller: once a namespace
// is Terminating, its content is deleted (that of aggregated API servers too,
// aggregated-namespace-content.ts), its status keeps kube's five deletion conditions
// (namespace-deletion-conditions.ts), and when nothing is left, nothing is unknown and nothing
// failed, the namespace itself is removed.
//
// It runs on the registry's leader only (controllers.ts; KAPI_CONTROLLERS names it
// `namespace-controller`, alias `namespace`) and is driven by watches: each term follows the
// namespaces in etcd (a list, then a watch), and a Terminating namespace is worked on when it
// becomes Terminating or changes, when something in it is deleted (a delete watch on all of etcd),
// and every five minutes (kube's resync). A namespace not finished yet comes back with a backoff
// (content with finalizers, or an aggregated server's content, may go without a delete kapi
// sees). What the available aggregated servers hold (which no watch tells) is looked at every five
// seconds, and at once when an APIService becomes available (a watch of the APIServices), so that
// a namespace they held nothing in does not wait for one that becomes unavailable. Every pass is
// idempotent, and writes are compare-and-swap besides.
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { endpointSliceResolver } from '@kapi/webhook-client';
import { isStatusError, nowTimestamp, type KubeObject } from '@kapi/api-machinery';
import type { ServiceConfig } from '@kapi/config';
import type { WriteContext } from '@kapi/generic-registry';
import { namespaceStrategy, storageKey } from '@kapi/kinds';
import type { Watcher } from 'etcd3';
import { CONFIG, LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { AggregatedContentLook, aggregatedServerCall, countRemaining, deleteAggregatedContent, emptyOutcome, lookAtAggregatedContent } from './aggregated-namespace-content.js';
import { contentGone, namespaceDeletionConditions, sameConditions, type NamespaceCondition } from './namespace-deletion-conditions.js';
import { readClientCertificate } from './apiservice-availability.js';
import { NAMESPACE_CONTROLLER, runSelectedController } from './controllers.js';
import { EtcdPrefixFollow } from './etcd-follow.js';
import { EventPublisher } from './event-publisher.js';
import { ReconcileQueue } from './reconcile-queue.js';
import { storeEndpointSource } from './store-endpoint-source.js';
import { Registry, SYSTEM_USER } from './registry.js';

/** How old the look at the aggregated servers' content may be (each is a cluster-wide list of each deletable resource). */
const LOOK_INTERVAL_MS = 5000;
/** kube's namespace controller resyncs every five minutes. */
const RESYNC_MS = 5 * 60_000;
/** A namespace not finished comes back after this, doubling up to the look's age. */
const REQUEUE: { baseMs: number; maxMs: number } = { baseMs: 250, maxMs: LOOK_INTERVAL_MS };
const NAMESPACES_PREFIX = storageKey(namespaceStrategy.info, undefined);
const APISERVICES_PREFIX = '/registry/apiregistration.k8s.io/apiservices/';

const isTerminating = (ns: KubeObject | undefined): boolean => !!ns?.metadata?.deletionTimestamp;

/** The namespace a deleted key was in, if it names one of `namespaces` (`/registry/<resource>/<namespace>/<name>`). */
export function namespaceOfKey(key: string, namespaces: { has(name: string): boolean }): string | undefined {
  const segments = key.split('/');
  const namespace = segments[segments.length - 2];
  return namespace !== undefined && namespaces.has(namespace) ? namespace : undefined;
}

@Injectable()
export class NamespaceLifecycleController implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly aggregated: ReturnType<typeof aggregatedServerCall>;
  private readonly look = new AggregatedContentLook();
  private lastLook = 0;
  /** The names of the namespaces last seen Terminating. */
  private readonly terminating = new Set<string>();
  private readonly queue: ReconcileQueue;
  private follow?: EtcdPrefixFollow;
  /** The APIServices, as the term's watch of them says: when one becomes available, its server is looked at. */
  private apiServiceFollow?: EtcdPrefixFollow;
  private readonly apiServices = new Map<string, KubeObject>();
  private looking?: Promise<void>;
  private deletes?: Watcher;
  private resync?: NodeJS.Timeout;
  private lookTimer?: NodeJS.Timeout;
  private stopSelected?: () => Promise<void>;

  constructor(
    private readonly registry: Registry,
    private readonly publisher: EventPublisher,
    @Inject(CONFIG) config: ServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.aggregated = aggregatedServerCall(endpointSliceResolver(storeEndpointSource(registry)), readClientCertificate(config.pkiDir, logger));
    this.queue = new ReconcileQueue((namespace) => this.sync(namespace), (namespace, err) => this.logger.warn('namespace deletion failed; retrying', { namespace, err }), REQUEUE);
  }

  onApplicationBootstrap(): void {
    this.stopSelected = runSelectedController(NAMESPACE_CONTROLLER, this.publisher.leadership, this, this.logger);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopSelected?.();
    this.aggregated.close();
  }

  /** A term begins: follow deletions of content, then the namespaces (each Terminating one is worked on). */
  async start(): Promise<void> {
    try {
      const from = (await this.registry.backend.currentRevision()) + 1;
      const deletes = await this.registry.backend.client.watch().prefix('/registry/').only('delete').startRevision(String(from)).create();
      this.deletes = deletes;
      deletes.on('delete', (kv) => {
        const namespace = namespaceOfKey(kv.key.toString('utf8'), this.terminating);
        if (namespace) this.queue.add(namespace);
      });
      deletes.on('error', (err) => this.logger.warn('namespace controller lost its watch of deletions', { err }));
    } catch (err) {
      // Without it a namespace only waits for its backoff; the next term watches again.
      this.logger.warn('namespace controller cannot watch deletions', { err });
    }
    this.follow = new EtcdPrefixFollow(this.registry.backend, NAMESPACES_PREFIX, {
      listed: (namespaces) => {
        this.terminating.clear();
        for (const ns of namespaces) this.seen(ns.metadata?.name ?? '', ns);
      },
      changed: (name, ns) => this.seen(name, ns),
      lost: (err) => this.logger.warn('namespace controller lost etcd; starting over', { err }),
    });
    this.follow.start();
    this.apiServiceFollow = new EtcdPrefixFollow(this.registry.backend, APISERVICES_PREFIX, {
      listed: (apiServices) => {
        this.apiServices.clear();
        for (const a of apiServices) this.apiServices.set(a.metadata?.name ?? '', a);
        this.lookIfMissing();
      },
      changed: (name, apiService) => {
        if (apiService) this.apiServices.set(name, apiService);
        else this.apiServices.delete(name);
        this.lookIfMissing();
      },
      lost: (err) => this.logger.warn('namespace controller lost its watch of APIServices; starting over', { err }),
    });
    this.apiServiceFollow.start();
    this.lookTimer = setInterval(() => void this.lookAtAggregatedServers(), LOOK_INTERVAL_MS);
    this.lookTimer.unref();
    this.resync = setInterval(() => {
      for (const name of this.terminating) this.queue.add(name);
    }, RESYNC_MS);
    this.resync.unref();
  }

  /** The term ended. */
  async stop(): Promise<void> {
    clearInterval(this.resync);
    clearInterval(this.lookTimer);
    this.queue.clear();
    this.terminating.clear();
    this.apiServices.clear();
    const follows = [this.follow, this.apiServiceFollow];
    const deletes = this.deletes;
    this.follow = undefined;
    this.apiServiceFollow = undefined;
    this.deletes = undefined;
    await Promise.all([...follows.map((f) => f?.stop()), deletes?.cancel().catch(() => {})]);
  }

  private lookIfMissing(): void {
    if (this.look.missing([...this.apiServices.values()])) void this.lookAtAggregatedServers();
  }

  /** Looks at what every available aggregated server holds; one look at a time. */
  private lookAtAggregatedServers(apiServices: readonly KubeObject[] = [...this.apiServices.values()]): Promise<void> {
    this.looking ??= (async () => {
      try {
        this.lastLook = Date.now();
        await lookAtAggregatedContent(apiServices, this.aggregated.call, this.look);
      } finally {
        this.looking = undefined;
      }
    })();
    return this.looking;
  }

  private seen(name: string, ns: KubeObject | undefined): void {
    if (!isTerminating(ns)) {
      this.terminating.delete(name);
      return;
    }
    this.terminating.add(name);
    this.queue.add(name);
  }

  /** One pass over a Terminating namespace; 'again' while it is not gone. */
  async sync(namespace: string): Promise<void | 'again'> {
    if (!this.follow) return;
    // Read afresh: the namespace as the watch last gave it may be older than a write of ours.
    const ns = await this.registry.namespaces.get(undefined, namespace).catch((err) => {
      if (isStatusError(err) && err.httpCode === 404) return undefined;
      throw err;
    });
    if (!isTerminating(ns)) return;
    const apiServices = (await this.registry.store('apiregistration.k8s.io', 'apiservices').list({})).items;
    // The APIServices as stored now (the watch of them may lag); a look under way is waited for, and one made when old or missing.
    await this.looking;
    if (Date.now() - this.lastLook >= LOOK_INTERVAL_MS || this.look.missing(apiServices)) await this.lookAtAggregatedServers(apiServices);
    return (await this.finish(ns!, apiServices)) ? undefined : 'again';
  }

  /** Deletes what the namespace holds, keeps its conditions, and removes it when empty; true when it is gone. */
  private async finish(ns: KubeObject, apiServices: readonly KubeObject[]): Promise<boolean> {
    const namespace = ns.metadata?.name ?? '';
    const outcome = emptyOutcome();
    const ctx: WriteContext = { user: SYSTEM_USER, dryRun: false, fieldManager: 'namespace-controller' };
    for (const store of this.registry.namespacedStores()) {
      const content = await store.list({ namespace });
      if (!content.items.length) continue;
      for (const obj of content.items) {
        await store.delete(namespace, obj.metadata?.name ?? '', { propagationPolicy: 'Background' }, ctx).catch((err) => {
          if (!(isStatusError(err) && err.httpCode === 404)) throw err;
        });
      }
      countRemaining(outcome, `${store.info.resource}.${store.info.group}`, (await store.list({ namespace })).items);
    }
    await deleteAggregatedContent(namespace, apiServices, this.aggregated.call, this.look, outcome);
    await this.writeConditions(ns, namespaceDeletionConditions(outcome, ((ns.status as { conditions?: NamespaceCondition[] } | undefined)?.conditions ?? []), nowTimestamp()), ctx);
    if (!contentGone(outcome)) return false;
    const key = storageKey(this.registry.namespaces.info, undefined, namespace);
    const stored = await this.registry.storage.get(key);
    if (!stored) return true;
    const current = JSON.parse(stored.value.toString('utf8')) as { metadata?: { finalizers?: string[] } };
    // Another finalizer (spec.finalizers' `kubernetes` is ours; metadata's belong to others) keeps it: its update brings it back.
    if ((current.metadata?.finalizers?.length ?? 0) > 0) return true;
    await this.registry.storage.delete(key, stored.modRevision).catch(() => {});
    this.logger.info('namespace deleted', { namespace });
    return true;
  }

  /** Writes the deletion conditions when they say something new; a conflict means another replica wrote. */
  private async writeConditions(ns: KubeObject, conditions: NamespaceCondition[], ctx: WriteContext): Promise<void> {
    const status = (ns.status ?? {}) as { conditions?: NamespaceCondition[] };
    if (sameConditions(status.conditions ?? [], conditions)) return;
    await this.registry.namespaces.update(undefined, ns.metadata?.name ?? '', { ...ns, status: { ...status, conditions } }, ctx, 'status').catch((err) => {
      if (!(isStatusError(err) && (err.httpCode === 409 || err.httpCode === 404))) throw err;
    });
  }
}
