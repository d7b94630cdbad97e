// Finishes namespace deletion: once a namespace is Terminating, its content is deleted (that of
// aggregated API servers too, aggregated-namespace-content.ts), and when nothing is left the
// namespace itself is removed. Every pass is idempotent, so replicas running it
// at the same time only race on compare-and-swap writes, which one of them wins.
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { endpointSliceResolver } from '@kapi/webhook-client';
import { isStatusError } from '@kapi/api-machinery';
import type { ServiceConfig } from '@kapi/config';
import { storageKey } from '@kapi/kinds';
import { CONFIG, LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { aggregatedServerCall, deleteAggregatedContent } from './aggregated-namespace-content.js';
import { readClientCertificate } from './apiservice-availability.js';
import { storeEndpointSource } from './store-endpoint-source.js';
import { Registry, SYSTEM_USER } from './registry.js';

const PASS_INTERVAL_MS = 1000;

@Injectable()
export class NamespaceLifecycleController implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly aggregated: ReturnType<typeof aggregatedServerCall>;

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
      const namespaces = await this.registry.namespaces.list({});
      for (const ns of namespaces.items) {
        if (ns.metadata?.deletionTimestamp) await this.finish(ns.metadata.name ?? '');
      }
    } catch (err) {
      this.logger.warn('namespace lifecycle pass failed', { err });
    } finally {
      this.running = false;
    }
  }

  private async finish(namespace: string): Promise<void> {
    let remaining = 0;
    const ctx = { user: SYSTEM_USER, dryRun: false, fieldManager: 'namespace-controller' };
    for (const store of this.registry.namespacedStores()) {
      const content = await store.list({ namespace });
      for (const obj of content.items) {
        remaining++;
        await store.delete(namespace, obj.metadata?.name ?? '', { propagationPolicy: 'Background' }, ctx).catch((err) => {
          if (!(isStatusError(err) && err.httpCode === 404)) throw err;
        });
      }
    }
    const apiServices = (await this.registry.store('apiregistration.k8s.io', 'apiservices').list({})).items;
    remaining += await deleteAggregatedContent(namespace, apiServices, this.aggregated.call);
    if (remaining > 0) return;
    const key = storageKey(this.registry.namespaces.info, undefined, namespace);
    const stored = await this.registry.storage.get(key);
    if (!stored) return;
    const ns = JSON.parse(stored.value.toString('utf8')) as { metadata?: { finalizers?: string[] } };
    if ((ns.metadata?.finalizers?.length ?? 0) > 0) return;
    await this.registry.storage.delete(key, stored.modRevision).catch(() => {});
    this.logger.info('namespace deleted', { namespace });
  }
}
