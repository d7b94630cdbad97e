// Finishes namespace deletion: once a namespace is Terminating, its content is deleted (that of
// aggregated API servers too, aggregated-namespace-content.ts), its status keeps kube's five
// deletion conditions (namespace-deletion-conditions.ts), and when nothing is left, nothing is
// unknown and nothing failed, the namespace itself is removed. Every few seconds the pass also looks
// at what the available aggregated servers hold, so that a namespace they held nothing in does not
// wait for one that becomes unavailable. Every pass is idempotent, so replicas running it at the
// same time only race on compare-and-swap writes, which one of them wins.
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { endpointSliceResolver } from '@kapi/webhook-client';
import { isStatusError, nowTimestamp, type KubeObject } from '@kapi/api-machinery';
import type { ServiceConfig } from '@kapi/config';
import type { WriteContext } from '@kapi/generic-registry';
import { storageKey } from '@kapi/kinds';
import { CONFIG, LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { AggregatedContentLook, aggregatedServerCall, countRemaining, deleteAggregatedContent, emptyOutcome, lookAtAggregatedContent } from './aggregated-namespace-content.js';
import { contentGone, namespaceDeletionConditions, sameConditions, type NamespaceCondition } from './namespace-deletion-conditions.js';
import { readClientCertificate } from './apiservice-availability.js';
import { storeEndpointSource } from './store-endpoint-source.js';
import { Registry, SYSTEM_USER } from './registry.js';

const PASS_INTERVAL_MS = 1000;
/** How often the aggregated servers' content is looked at (a cluster-wide list of each deletable resource). */
const LOOK_INTERVAL_MS = 5000;

@Injectable()
export class NamespaceLifecycleController implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly aggregated: ReturnType<typeof aggregatedServerCall>;
  private readonly look = new AggregatedContentLook();
  private lastLook = 0;

  constructor(
    private readonly registry: Registry,
    @Inject(CONFIG) config: ServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.aggregated = aggregatedServerCall(endpointSliceResolver(storeEndpointSource(registry)), readClientCertificate(config.pkiDir, logger));
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.pass(), PASS_INTERVAL_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.aggregated.close();
  }

  async pass(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const terminating = (await this.registry.namespaces.list({})).items.filter((ns) => ns.metadata?.deletionTimestamp);
      const apiServices = (await this.registry.store('apiregistration.k8s.io', 'apiservices').list({})).items;
      // Every few seconds, and at the next pass after an APIService becomes available.
      if (Date.now() - this.lastLook >= LOOK_INTERVAL_MS || this.look.missing(apiServices)) {
        this.lastLook = Date.now();
        await lookAtAggregatedContent(apiServices, this.aggregated.call, this.look);
      }
      for (const ns of terminating) await this.finish(ns, apiServices);
    } catch (err) {
      this.logger.warn('namespace lifecycle pass failed', { err });
    } finally {
      this.running = false;
    }
  }

  private async finish(ns: KubeObject, apiServices: readonly KubeObject[]): Promise<void> {
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
    if (!contentGone(outcome)) return;
    const key = storageKey(this.registry.namespaces.info, undefined, namespace);
    const stored = await this.registry.storage.get(key);
    if (!stored) return;
    const current = JSON.parse(stored.value.toString('utf8')) as { metadata?: { finalizers?: string[] } };
    if ((current.metadata?.finalizers?.length ?? 0) > 0) return;
    await this.registry.storage.delete(key, stored.modRevision).catch(() => {});
    this.logger.info('namespace deleted', { namespace });
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
