// The apiextensions server's place in the delegation, after the core API: requests for the
// resources of established CustomResourceDefinitions. The kinds come from the front door's
// CustomResourceKinds, which an informer keeps from the stored CRDs (through the watch cache), so
// every replica serves a CRD within moments of its Established condition being written; a request
// that arrives before the informer brought the CRD reads it from the registry, so a client that saw
// the CRD established is never told its resource does not exist. The verbs are the core API's
// (CoreResourcesHandler.serveKind), with the custom resource's strategy. Discovery lists them from the
// same catalogue (core-non-resource.ts). Any other request passes on to the not-found handler.
import { requestUser } from '@kapi/apiserver';
import { unary } from '@kapi/grpc';
import { WatchCacheListWatch, SharedInformers } from '@kapi/informer';
import { CRD_RESOURCE, crdNameOf, type CustomResourceDefinition, type CustomResourceKinds, type KindStrategy } from '@kapi/kinds';
import type { commonV1 } from '@kapi/proto';
import type { Logger } from '@kapi/telemetry';
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
    const strategy = servedKind(kinds.lookup(info.apiGroup, info.resource, info.apiVersion), info);
    if (!strategy) return next();
    return this.sources.serveKind(request, strategy, requestUser(request));
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
 * it arrives. Returns whether it has listed them, and what stops it.
 */
export function followDefinitions(watchCache: Backends['watchCache'], kinds: CustomResourceKinds, logger: Logger): { synced: () => boolean; stop: () => Promise<void> } {
  const informers = new SharedInformers(new WatchCacheListWatch(watchCache), { logger });
  kinds.follow(informers.informerFor<CustomResourceDefinition>(CRD_RESOURCE));
  informers.start();
  return { synced: () => informers.synced, stop: () => informers.stop() };
}
