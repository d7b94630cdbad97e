// The watch cache calls CRD conversion webhooks to answer lists and watches in a version other
// than the storage version, with the admission webhooks' client; a webhook behind a Service is
// reached through the Service's EndpointSlices as this cache holds them.
import { endpointSliceResolver, SERVICE_NAME_LABEL, WebhookClients, type ServiceEndpointSource } from '@kapi/webhook-client';
import type { KubeObject } from '@kapi/api-machinery';
import type { WatchStore } from '@kapi/watch-store';

/** A Service and its EndpointSlices as the cache has them now. */
export function cacheEndpointSource(store: WatchStore): ServiceEndpointSource {
  return {
    service: async (namespace, name) => store.get(`/registry/services/specs/${namespace}/${name}`)?.object as KubeObject | undefined,
    endpointSlices: async (namespace, serviceName) =>
      store.list(`/registry/endpointslices/${namespace}/`, (o) => o.metadata?.labels?.[SERVICE_NAME_LABEL] === serviceName).map((c) => c.object as KubeObject),
  };
}

export function conversionWebhookClients(store: WatchStore): WebhookClients {
  return new WebhookClients({ serviceResolver: endpointSliceResolver(cacheEndpointSource(store)) });
}
