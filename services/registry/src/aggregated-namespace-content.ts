// A terminating namespace's objects held by aggregated API servers, deleted as kube's namespace
// controller deletes them through the aggregator: for each group's preferred available APIService
// with a service, the namespaced resources its server lists with the verbs `list` and `delete` are
// deleted by collection (or one by one without `deletecollection`), then listed to see what is left
// and which finalizers hold it.
// An APIService that is not available is a discovery failure, as in kube (`<group>/<version>: stale
// GroupVersion discovery`), which keeps the namespace Terminating until the server returns or the
// APIService is removed. Beyond kube (kubernetes/kubernetes#83332): a namespace the server held
// nothing in at the last successful look (AggregatedContentLook, a cluster-wide list of those
// resources every few seconds while it is available) does not wait for it.
// The servers are reached as the front door reaches them (the Service's endpoint, TLS verified by
// the caBundle as `<service>.<namespace>.svc`, the front-proxy client certificate), as
// system:kube-aggregator in system:masters, the registry acting for the cluster.
import { joinHostPort, type ServiceResolver } from '@kapi/webhook-client';
import type { KubeObject } from '@kapi/api-machinery';
import { metrics } from '@kapi/telemetry';
import { serviceRequest, serviceServerName, ServiceAgents, type ClientCertificate, type ServiceTls } from '@kapi/webhook-client';
import type { APIServiceObject } from './apiservice-availability.check.js';

const looks = metrics.counter('kapi_namespace_controller_aggregated_looks_total', 'Looks at what an aggregated API server holds in which namespaces, by APIService and result (success or failure).');

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

interface ListedObject {
  metadata?: { name?: string; namespace?: string; finalizers?: string[] };
}

type RemoteAPIService = APIServiceObject & { spec: { group: string; version: string; service: object; versionPriority?: number } };

const isAvailable = (a: APIServiceObject) => (a.status?.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True');
const isRemote = (a: APIServiceObject): a is RemoteAPIService => !!(a.spec?.service && a.spec.group && a.spec.version);
/** Who an APIService is: a removed and recreated one starts with no look of its own. */
const identity = (a: APIServiceObject) => `${a.metadata?.name ?? ''}/${a.metadata?.uid ?? ''}`;

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
 * Which namespaces each aggregated server held objects in when it last answered: an APIService
 * never looked at (since this process started) may hold anything.
 */
export class AggregatedContentLook {
  private readonly holding = new Map<string, Set<string>>();

  /** A complete look at the server: the namespaces it holds objects in. */
  record(apiService: APIServiceObject, namespaces: Iterable<string>): void {
    this.holding.set(identity(apiService), new Set(namespaces));
  }

  /** What one namespace's deletion pass saw of the server. */
  recordNamespace(apiService: APIServiceObject, namespace: string, holds: boolean): void {
    const set = this.holding.get(identity(apiService));
    if (!set) return;
    if (holds) set.add(namespace);
    else set.delete(namespace);
  }

  /** Whether an available APIService with a service has not been looked at yet: the next pass should. */
  missing(apiServices: readonly KubeObject[]): boolean {
    return (apiServices as APIServiceObject[]).some((a) => isRemote(a) && isAvailable(a) && !this.holding.has(identity(a)));
  }

  mayHold(apiService: APIServiceObject, namespace: string): boolean {
    return this.holding.get(identity(apiService))?.has(namespace) ?? true;
  }

  /** Forgets APIServices that are gone. */
  retain(apiServices: readonly APIServiceObject[]): void {
    const present = new Set(apiServices.map(identity));
    for (const key of this.holding.keys()) if (!present.has(key)) this.holding.delete(key);
  }
}

/** The namespaced resources of a server that namespace deletion handles (kube's: with `list` and `delete`). */
async function deletableResources(apiService: RemoteAPIService, call: AggregatedServerCall): Promise<ListedResource[]> {
  const base = `/apis/${apiService.spec.group}/${apiService.spec.version}`;
  const discovery = await call(apiService, 'GET', base);
  if (discovery.status !== 200) throw new Error(`GET ${base}: ${discovery.status}`);
  return ((JSON.parse(discovery.body) as { resources?: ListedResource[] }).resources ?? []).filter(
    (r) => r.namespaced && !r.name.includes('/') && r.verbs?.includes('list') && r.verbs.includes('delete'),
  );
}

async function listItems(apiService: RemoteAPIService, path: string, call: AggregatedServerCall): Promise<ListedObject[]> {
  const listed = await call(apiService, 'GET', path);
  if (listed.status === 404) return [];
  if (listed.status !== 200) throw new Error(`GET ${path}: ${listed.status}`);
  return (JSON.parse(listed.body) as { items?: ListedObject[] }).items ?? [];
}

/**
 * Looks at every available aggregated server: the namespaces its deletable resources hold objects
 * in, recorded in `look`. A server that fails to answer keeps its previous look.
 */
export async function lookAtAggregatedContent(apiServices: readonly KubeObject[], call: AggregatedServerCall, look: AggregatedContentLook): Promise<void> {
  const all = apiServices as APIServiceObject[];
  look.retain(all);
  for (const apiService of all) {
    if (!isRemote(apiService) || !isAvailable(apiService)) continue;
    try {
      const namespaces = new Set<string>();
      for (const r of await deletableResources(apiService, call)) {
        for (const item of await listItems(apiService, `/apis/${apiService.spec.group}/${apiService.spec.version}/${r.name}`, call)) namespaces.add(item.metadata?.namespace ?? '');
      }
      look.record(apiService, namespaces);
      looks.inc({ apiservice: apiService.metadata?.name ?? '', result: 'success' });
    } catch {
      // Not a look: what was known stays known.
      looks.inc({ apiservice: apiService.metadata?.name ?? '', result: 'failure' });
    }
  }
}

/** What deleting a namespace's aggregated content found, in the terms of kube's namespace conditions. */
export interface NamespaceContentOutcome {
  /** `<group>/<version>: <error>` of servers whose resources are unknown. */
  discoveryFailures: string[];
  /** Errors deleting content. */
  deletionFailures: string[];
  /** Objects left per `<resource>.<group>`. */
  remaining: Map<string, number>;
  /** Objects left per finalizer they carry. */
  finalizers: Map<string, number>;
}

export const emptyOutcome = (): NamespaceContentOutcome => ({ discoveryFailures: [], deletionFailures: [], remaining: new Map(), finalizers: new Map() });

/** Counts objects left in a namespace into the outcome. */
export function countRemaining(outcome: NamespaceContentOutcome, groupResource: string, items: readonly ListedObject[]): void {
  if (!items.length) return;
  outcome.remaining.set(groupResource, (outcome.remaining.get(groupResource) ?? 0) + items.length);
  for (const item of items) {
    for (const f of item.metadata?.finalizers ?? []) outcome.finalizers.set(f, (outcome.finalizers.get(f) ?? 0) + 1);
  }
}

/**
 * Deletes the namespace's objects on every available aggregated server (the preferred version of
 * each group, as kube's discovery of preferred resources does) and tells what is left into
 * `outcome`. An unavailable server is a discovery failure unless `look` knows it held nothing there.
 */
export async function deleteAggregatedContent(
  namespace: string,
  apiServices: readonly KubeObject[],
  call: AggregatedServerCall,
  look: AggregatedContentLook,
  outcome: NamespaceContentOutcome,
): Promise<void> {
  const remote = (apiServices as APIServiceObject[]).filter(isRemote).sort((a, b) => (b.spec.versionPriority ?? 0) - (a.spec.versionPriority ?? 0));
  /** Each group resource once, with whether objects are left of it: a group's versions are views of the same objects. */
  const handled = new Map<string, boolean>();
  for (const apiService of remote) {
    const { group, version } = apiService.spec;
    const gv = `${group}/${version}`;
    if (!isAvailable(apiService)) {
      if (look.mayHold(apiService, namespace)) outcome.discoveryFailures.push(`${gv}: stale GroupVersion discovery: ${gv}`);
      continue;
    }
    let resources: ListedResource[];
    try {
      resources = await deletableResources(apiService, call);
    } catch (err) {
      outcome.discoveryFailures.push(`${gv}: ${(err as Error).message}`);
      continue;
    }
    let holds = false;
    let complete = true;
    let looked = false;
    for (const r of resources) {
      const groupResource = `${r.name}.${group}`;
      looked = true;
      if (handled.has(groupResource)) {
        holds ||= handled.get(groupResource)!;
        continue;
      }
      handled.set(groupResource, true);
      const collection = `/apis/${gv}/namespaces/${encodeURIComponent(namespace)}/${r.name}`;
      try {
        if (r.verbs?.includes('deletecollection')) {
          const deleted = await call(apiService, 'DELETE', collection);
          if (deleted.status >= 300 && deleted.status !== 404) throw new Error(`DELETE ${collection}: ${deleted.status}`);
        } else {
          for (const item of await listItems(apiService, collection, call)) {
            const path = `${collection}/${encodeURIComponent(item.metadata?.name ?? '')}`;
            const deleted = await call(apiService, 'DELETE', path);
            if (deleted.status >= 300 && deleted.status !== 404) throw new Error(`DELETE ${path}: ${deleted.status}`);
          }
        }
        const left = await listItems(apiService, collection, call);
        countRemaining(outcome, groupResource, left);
        handled.set(groupResource, left.length > 0);
        holds ||= left.length > 0;
      } catch (err) {
        outcome.deletionFailures.push((err as Error).message);
        complete = false;
      }
    }
    if (holds || (complete && looked)) look.recordNamespace(apiService, namespace, holds);
  }
}
