// The apiextensions server's place in the delegation, after the core API: requests for the
// resources of established CustomResourceDefinitions. The kinds come from the front door's
// CustomResourceKinds, which an informer keeps from the stored CRDs (through the watch cache), so
// every replica serves a CRD within moments of its Established condition being written; a request
// that arrives before the informer brought the CRD reads it from the registry, so a client that saw
// the CRD established is never told its resource does not exist; and a request that arrives before
// the informer's first list waits for it (up to 10 s, then 503 with Retry-After, as the APIService
// proxy waits for its own), so a front door just started never answers 404 for a custom resource
// it is about to serve. The verbs are the core API's
// (CoreResourcesHandler.serveKind), with the custom resource's strategy. Discovery lists them from the
// same catalogue (core-non-resource.ts). Any other request passes on to the not-found handler.
import { serviceUnavailable } from '@kapi/api-machinery';
import { requestUser } from '@kapi/apiserver';
import { unary } from '@kapi/grpc';
import { WatchCacheListWatch, SharedInformers } from '@kapi/informer';
import { CRD_RESOURCE, crdNameOf, type CustomResourceDefinition, type CustomResourceKinds, type KindStrategy } from '@kapi/kinds';
import type { commonV1 } from '@kapi/proto';
import type { Logger } from '@kapi/telemetry';
import { SYNC_WAIT_MS } from './apiservice-proxy.js';
import type { Backends } from './backends.js';
import { servedKind } from './core-resources.js';
import type { FrontDoorHandler, FrontDoorRequest } from './front-door-chain.js';

export interface CustomResourceSources {
  /** The custom resources served now. */
  kinds: CustomResourceKinds;
  /** The CRD of that name as stored now, or undefined. */
  readDefinition(name: string): Promise<CustomResourceDefinition | undefined>;
  /** Serves a request for a kind (the core API's verbs). */
  serveKind(request: FrontDoorRequest, strategy: KindStrategy, user: commonV1.UserInfo): Promise<void>;
  /** The CRD informer's first list; without it, `kinds` is taken as complete. */
  definitions?: DefinitionsSync;
}

/** Whether the CRD informer has listed the stored CRDs, and a bounded wait until it has. */
export interface DefinitionsSync {
  synced(): boolean;
  waitUntilSynced(timeoutMs: number): Promise<boolean>;
}

export class CustomResourcesHandler implements FrontDoorHandler {
  readonly name = 'custom resources';

  constructor(private readonly sources: CustomResourceSources) {}

  async handle(request: FrontDoorRequest, next: () => Promise<void>): Promise<void> {
    const { info } = request;
    if (!info.isResourceRequest || !info.apiGroup) return next();
    const { kinds } = this.sources;
    if (!kinds.lookup(info.apiGroup, info.resource)) {
      const crd = await this.sources.readDefinition(crdNameOf(info.apiGroup, info.resource));
      if (crd) kinds.update(crd);
    }
    const strategy = servedKind(kinds.lookup(info.apiGroup, info.resource, info.apiVersion), info) ?? (await this.afterSync(request));
    if (!strategy) return next();
    return this.sources.serveKind(request, strategy, requestUser(request));
  }

  /**
   * A kind not served, asked before the informer's first list: what the list brings decides (the
   * registry's CRD may be older than one the list holds), and a list that does not come in time is
   * 503, not 404, so the client retries.
   */
  private async afterSync(request: FrontDoorRequest): Promise<KindStrategy | undefined> {
    const { definitions, kinds } = this.sources;
    if (!definitions || definitions.synced()) return undefined;
    if (!(await definitions.waitUntilSynced(SYNC_WAIT_MS))) throw serviceUnavailable('not yet ready to handle request: the CustomResourceDefinitions are not listed yet');
    const { info } = request;
    return servedKind(kinds.lookup(info.apiGroup, info.resource, info.apiVersion), info);
  }
}

/** The CRD as the registry has it now, or undefined when there is none. */
export function registryDefinitionReader(registry: Backends['registry']): CustomResourceSources['readDefinition'] {
  return async (name) => {
    const reply = await unary('registry', 'Get', registry.get.bind(registry), { resource: { ...CRD_RESOURCE, namespace: '' }, name, subresource: '', resourceVersion: '', query: '', context: undefined });
    return reply.object.length ? (JSON.parse(reply.object.toString('utf8')) as CustomResourceDefinition) : undefined;
  };
}

/**
 * Keeps `kinds` equal to the stored CRDs: an informer over the watch cache, every change applied as
 * it arrives. Returns whether it has listed them, a wait until it has, and what stops it.
 */
export function followDefinitions(watchCache: Backends['watchCache'], kinds: CustomResourceKinds, logger: Logger): DefinitionsSync & { stop: () => Promise<void> } {
  const informers = new SharedInformers(new WatchCacheListWatch(watchCache), { logger });
  const informer = informers.informerFor<CustomResourceDefinition>(CRD_RESOURCE);
  kinds.follow(informer);
  informers.start();
  return { synced: () => informer.synced, waitUntilSynced: (timeoutMs) => informer.waitUntilSynced(timeoutMs), stop: () => informers.stop() };
}
