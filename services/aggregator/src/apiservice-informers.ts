// What the front door's APIService proxy reads, kept by informers over the watch cache: the
// APIServices (a change written to etcd reaches every front door within milliseconds, the watch
// cache's path), and the Services and EndpointSlices their services are resolved through.
import { endpointSliceResolver, listerEndpointSource, type ServiceResolver } from '@kapi/webhook-client';
import type { KubeObject } from '@kapi/api-machinery';
import { SharedInformers, WatchCacheListWatch } from '@kapi/informer';
import { metrics, type Logger } from '@kapi/telemetry';
import { isAvailable, type APIService, type APIServiceLister } from './apiservice-proxy.js';
import type { Backends } from './backends.js';

export const AGGREGATION_RESOURCES = {
  apiServices: { group: 'apiregistration.k8s.io', version: 'v1', resource: 'apiservices' },
  services: { group: '', version: 'v1', resource: 'services' },
  endpointSlices: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
} as const;

/** kube's availability collector: 1 for each APIService not available, 0 for the others, from the lister. */
const unavailableGauge = metrics.gauge('aggregator_unavailable_apiservice', 'Gauge of APIServices which are marked as unavailable broken down by APIService name.');

export interface AggregationSources {
  apiServices: Required<APIServiceLister> & { list(): APIService[]; subscribe(listener: () => void): () => void };
  resolver: ServiceResolver;
  stop(): Promise<void>;
}

export function followAggregation(watchCache: Backends['watchCache'], logger: Logger): AggregationSources {
  const informers = new SharedInformers(new WatchCacheListWatch(watchCache), { logger });
  const apiServices = informers.informerFor<KubeObject>(AGGREGATION_RESOURCES.apiServices);
  const services = informers.informerFor<KubeObject>(AGGREGATION_RESOURCES.services);
  const endpointSlices = informers.informerFor<KubeObject>(AGGREGATION_RESOURCES.endpointSlices);
  const resolver = endpointSliceResolver(listerEndpointSource(services, endpointSlices));
  apiServices.subscribe(() => {
    unavailableGauge.clear();
    for (const a of apiServices.list() as APIService[]) unavailableGauge.set(isAvailable(a) ? 0 : 1, { name: a.metadata?.name ?? '' });
  });
  informers.start();
  return {
    apiServices: {
      get: (name) => apiServices.get('', name) as APIService | undefined,
      list: () => apiServices.list() as APIService[],
      subscribe: (listener) => apiServices.subscribe(() => listener()),
      synced: () => informers.synced,
      waitUntilSynced: async (timeoutMs) => {
        if (informers.synced) return true;
        const deadline = Date.now() + timeoutMs;
        for (const informer of [apiServices, services, endpointSlices]) {
          if (!(await informer.waitUntilSynced(Math.max(0, deadline - Date.now())))) return false;
        }
        return true;
      },
    },
    resolver,
    stop: () => informers.stop(),
  };
}
