// kube-aggregator's availability check of one APIService, with its reasons and messages: a Local
// APIService is always available; one with a service needs the Service (ServiceNotFound), for a
// ClusterIP Service the port it names (ServicePortError), EndpointSlices (EndpointsNotFound) with a
// ready endpoint on that port's name (MissingEndpoints), and a 2xx answer to GET
// /apis/<group>/<version> from one of five tries at an endpoint (FailedDiscoveryCheck); then
// `Passed`. The check's I/O is injected.
import type { KubeObject } from '@kapi/api-machinery';

export interface AvailableCondition {
  type: 'Available';
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason: string;
  message: string;
}

export interface APIServiceObject extends KubeObject {
  spec?: { service?: { namespace?: string; name?: string; port?: number }; group?: string; version?: string };
  status?: { conditions?: AvailableCondition[] };
}

export interface AvailabilityProbe {
  /** The Service, or undefined when there is none. */
  service(namespace: string, name: string): Promise<KubeObject | undefined>;
  /** The EndpointSlices labelled with the Service's name. */
  endpointSlices(namespace: string, name: string): Promise<readonly KubeObject[]>;
  /** Where one try connects (an endpoint of the Service's port); throws when there is none. */
  resolve(namespace: string, name: string, port: number): Promise<{ host: string; port: number }>;
  /** GETs the URL as the aggregator (front-proxy certificate, system:masters): the answer's status code; throws the transport's error text. */
  get(url: string): Promise<number>;
}

/** How many tries the discovery check makes at once; one success is enough. */
export const DISCOVERY_ATTEMPTS = 5;

const serviceTypeOf = (service: KubeObject) => ((service.spec as { type?: string } | undefined)?.type ?? 'ClusterIP');

/** kube's hasAvailableEndpoint: a slice with a ready endpoint and a port of that name. */
function hasAvailableEndpoint(portName: string, slices: readonly KubeObject[]): boolean {
  return slices.some((slice) => {
    const endpoints = (Array.isArray(slice.endpoints) ? slice.endpoints : []) as { conditions?: { ready?: boolean | null } }[];
    const ports = (Array.isArray(slice.ports) ? slice.ports : []) as { name?: string | null; port?: number | null }[];
    const ready = endpoints.some((e) => e.conditions?.ready === undefined || e.conditions.ready === null || e.conditions.ready);
    return ready && ports.some((p) => (p.name ?? '') === portName && typeof p.port === 'number');
  });
}

/** The Available condition the APIService has now (without lastTransitionTime). */
export async function checkAvailability(apiService: APIServiceObject, probe: AvailabilityProbe): Promise<AvailableCondition> {
  const ref = apiService.spec?.service;
  if (!ref) return { type: 'Available', status: 'True', reason: 'Local', message: 'Local APIServices are always available' };
  const namespace = ref.namespace ?? '';
  const name = ref.name ?? '';
  const port = ref.port ?? 443;
  const unavailable = (reason: string, message: string): AvailableCondition => ({ type: 'Available', status: 'False', reason, message });
  const service = await probe.service(namespace, name);
  if (!service) return unavailable('ServiceNotFound', `service/${name} in ${JSON.stringify(namespace)} is not present`);
  if (serviceTypeOf(service) === 'ClusterIP') {
    const servicePort = ((service.spec as { ports?: { name?: string; port?: number }[] } | undefined)?.ports ?? []).find((p) => p.port === port);
    if (!servicePort) return unavailable('ServicePortError', `service/${name} in ${JSON.stringify(namespace)} is not listening on port ${port}`);
    const portName = servicePort.name ?? '';
    const slices = await probe.endpointSlices(namespace, name);
    if (slices.length === 0) return unavailable('EndpointsNotFound', `cannot find endpointslices for service/${name} in ${JSON.stringify(namespace)}`);
    if (!hasAvailableEndpoint(portName, slices)) return unavailable('MissingEndpoints', `endpointslices for service/${name} in ${JSON.stringify(namespace)} have no addresses with port name ${JSON.stringify(portName)}`);
  }
  const path = apiService.metadata?.name === 'v1.' ? `/api/${apiService.spec?.version ?? ''}` : `/apis/${apiService.spec?.group ?? ''}/${apiService.spec?.version ?? ''}`;
  const attempt = async (): Promise<string | undefined> => {
    let endpoint;
    try {
      endpoint = await probe.resolve(namespace, name, port);
    } catch (err) {
      return (err as Error).message;
    }
    const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
    const url = `https://${host}:${endpoint.port}${path}`;
    try {
      const code = await probe.get(url);
      return code >= 200 && code < 300 ? undefined : `failing or missing response from ${url}: bad status from ${url}: ${code}`;
    } catch (err) {
      return `failing or missing response from ${url}: Get ${JSON.stringify(url)}: ${(err as Error).message}`;
    }
  };
  const results = await Promise.all(Array.from({ length: DISCOVERY_ATTEMPTS }, attempt));
  if (results.some((r) => r === undefined)) return { type: 'Available', status: 'True', reason: 'Passed', message: 'all checks passed' };
  return unavailable('FailedDiscoveryCheck', results[results.length - 1]!);
}

/**
 * The APIService's conditions with `condition` set, as kube's SetAPIServiceCondition: the
 * lastTransitionTime kept while the status stays the same.
 */
export function withCondition(conditions: readonly AvailableCondition[] | undefined, condition: AvailableCondition, now: string): AvailableCondition[] {
  const existing = (conditions ?? []).find((c) => c.type === condition.type);
  const next = { ...condition, lastTransitionTime: existing && existing.status === condition.status ? existing.lastTransitionTime : now };
  return existing ? (conditions ?? []).map((c) => (c === existing ? next : c)) : [...(conditions ?? []), next];
}

/** Whether the stored condition already says this (kube writes only a change). */
export function conditionIsCurrent(conditions: readonly AvailableCondition[] | undefined, condition: AvailableCondition): boolean {
  const existing = (conditions ?? []).find((c) => c.type === condition.type);
  return !!existing && existing.status === condition.status && existing.reason === condition.reason && existing.message === condition.message;
}
