// Where the registry finds a Service's endpoints, for the calls it makes to servers behind Services
// (aggregated servers, CRD conversion webhooks): its own stores, which read etcd.
import { SERVICE_NAME_LABEL, type ServiceEndpointSource } from '@kapi/webhook-client';
import { isStatusError } from '@kapi/api-machinery';
import type { GenericStore } from '@kapi/generic-registry';

/** A Service and its EndpointSlices as the registry's stores have them now. */
export function storeEndpointSource(registry: { store(group: string, resource: string): GenericStore }): ServiceEndpointSource {
  return {
    async service(namespace, name) {
      try {
        return await registry.store('', 'services').get(namespace, name);
      } catch (err) {
        if (isStatusError(err) && err.httpCode === 404) return undefined;
        throw err;
      }
    },
    async endpointSlices(namespace, name) {
      return (await registry.store('discovery.k8s.io', 'endpointslices').list({ namespace, labelSelector: `${SERVICE_NAME_LABEL}=${name}` })).items;
    },
  };
}
