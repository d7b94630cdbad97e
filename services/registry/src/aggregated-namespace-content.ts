// A terminating namespace's objects held by aggregated API servers, deleted as kube's namespace
// controller deletes them through the aggregator: for each available APIService with a service, the
// namespaced resources its server lists for its group/version are deleted by collection, then
// listed to see what is left. Beyond kube: an APIService that is not available holds nothing up
// (kube leaves the namespace Terminating with NamespaceDeletionDiscoveryFailure): the namespace
// goes once everything else has, and the objects that server may still hold in it stay there.
// The servers are reached as the front door reaches them (the Service's endpoint, TLS verified by
// the caBundle as `<service>.<namespace>.svc`, the front-proxy client certificate), as
// system:kube-aggregator in system:masters, the registry acting for the cluster.
import { joinHostPort, type ServiceResolver } from '@kapi/webhook-client';
import type { KubeObject } from '@kapi/api-machinery';
import { serviceRequest, serviceServerName, ServiceAgents, type ClientCertificate, type ServiceTls } from '@kapi/webhook-client';
import type { APIServiceObject } from './apiservice-availability.check.js';

/** How long one request to an aggregated server may take. */
const REQUEST_TIMEOUT_MS = 10_000;

export interface AggregatedServerCall {
  /** One request to the APIService's server; its status code and body. */
  (apiService: APIServiceObject, method: 'GET' | 'DELETE', path: string): Promise<{ status: number; body: string }>;
}

interface ListedResource {
  name: string;
  namespaced?: boolean;
  verbs?: string[];
}

const isAvailable = (a: APIServiceObject) => (a.status?.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True');

/** Requests to aggregated servers over connections kept per APIService's TLS settings. */
export function aggregatedServerCall(resolver: ServiceResolver, clientCertificate: ClientCertificate | undefined): { call: AggregatedServerCall; close: () => void } {
  const agents = new ServiceAgents(clientCertificate);
  const call: AggregatedServerCall = async (apiService, method, path) => {
    const service = apiService.spec?.service ?? {};
    const endpoint = await resolver.resolveEndpoint(service.namespace ?? '', service.name ?? '', service.port ?? 443);
    try {
      return await serviceRequest({
        agent: agents.agentFor((apiService.spec ?? {}) as ServiceTls),
        endpoint,
        serverName: serviceServerName(service.namespace ?? '', service.name ?? ''),
        method,
        path,
        headers: { Accept: 'application/json', 'X-Remote-User': 'system:kube-aggregator', 'X-Remote-Group': 'system:masters' },
        timeoutMs: REQUEST_TIMEOUT_MS,
      });
    } catch (err) {
      throw new Error(`${method} https://${joinHostPort(endpoint.host, endpoint.port)}${path}: ${(err as Error).message}`);
    }
  };
  return { call, close: () => agents.close() };
}

/**
 * Deletes the namespace's objects of every available aggregated server; resolves to how many are
 * left (0 when none). A server that fails to answer counts as holding something, so the namespace
 * waits for it, as for any other deletion under way.
 */
export async function deleteAggregatedContent(namespace: string, apiServices: readonly KubeObject[], call: AggregatedServerCall): Promise<number> {
  let remaining = 0;
  for (const apiService of apiServices as APIServiceObject[]) {
    const spec = apiService.spec;
    if (!spec?.service || !spec.group || !spec.version || !isAvailable(apiService)) continue;
    const base = `/apis/${spec.group}/${spec.version}`;
    try {
      const discovery = await call(apiService, 'GET', base);
      if (discovery.status !== 200) throw new Error(`GET ${base}: ${discovery.status}`);
      const resources = ((JSON.parse(discovery.body) as { resources?: ListedResource[] }).resources ?? []).filter((r) => r.namespaced && !r.name.includes('/'));
      for (const r of resources) {
        const collection = `${base}/namespaces/${encodeURIComponent(namespace)}/${r.name}`;
        if (r.verbs?.includes('deletecollection')) {
          const deleted = await call(apiService, 'DELETE', collection);
          if (deleted.status >= 300 && deleted.status !== 404) throw new Error(`DELETE ${collection}: ${deleted.status}`);
        }
        if (!r.verbs?.includes('list')) continue;
        const listed = await call(apiService, 'GET', collection);
        if (listed.status === 404) continue;
        if (listed.status !== 200) throw new Error(`GET ${collection}: ${listed.status}`);
        remaining += ((JSON.parse(listed.body) as { items?: unknown[] }).items ?? []).length;
      }
    } catch {
      remaining++;
    }
  }
  return remaining;
}
