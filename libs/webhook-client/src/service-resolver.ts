// Where a webhook named by `clientConfig.service` is reached. kapi has no kube-proxy and no cluster
// DNS, so it does what kube-apiserver does with --enable-aggregator-routing (util/proxy
// ResolveEndpoint): it reads the Service and the EndpointSlices labelled with its name, finds the
// slice port named as the Service port the webhook names, and connects to a ready endpoint of it,
// picked at random, while TLS still verifies the name `<service>.<namespace>.svc`.
import { notFound, StatusError, type KubeObject } from '@kapi/api-machinery';
import { isIP } from 'node:net';

/** Where to connect: an IP address (or host name) and port. */
export interface ServiceEndpoint {
  host: string;
  port: number;
}

export interface ServiceResolver {
  /** A live endpoint of the Service's port `port`; throws, in kube's words, when there is none. */
  resolveEndpoint(namespace: string, name: string, port: number): Promise<ServiceEndpoint>;
}

/** The cluster state the EndpointSlice resolver reads, e.g. from a watch cache. */
export interface ServiceEndpointSource {
  /** The Service, or undefined when it does not exist. */
  service(namespace: string, name: string): Promise<KubeObject | undefined>;
  /** The EndpointSlices of the namespace labelled `kubernetes.io/service-name=<name>`. */
  endpointSlices(namespace: string, serviceName: string): Promise<readonly KubeObject[]>;
}

/** What a lister of one resource offers (an informer of @kapi/informer). */
export interface ObjectLister {
  readonly synced: boolean;
  waitUntilSynced(timeoutMs: number): Promise<boolean>;
  get(namespace: string, name: string): KubeObject | undefined;
  list(namespace?: string): KubeObject[];
}

/** The label kube's EndpointSlice controller puts on a Service's slices. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** How long a lister waits for its informer's first list, as kube's listers wait for theirs. */
const SYNC_WAIT_MS = 10_000;

async function synced(lister: ObjectLister): Promise<void> {
  if (!lister.synced) await lister.waitUntilSynced(SYNC_WAIT_MS);
}

/**
 * A Service and its EndpointSlices as informers hold them, for kube's endpoint routing: what the
 * admission webhooks and the front door's APIService proxy both resolve Services with.
 */
export function listerEndpointSource(services: ObjectLister, slices: ObjectLister): ServiceEndpointSource {
  return {
    async service(namespace, name) {
      await synced(services);
      return services.get(namespace, name);
    },
    async endpointSlices(namespace, serviceName) {
      await synced(slices);
      return slices.list(namespace).filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === serviceName);
    },
  };
}

interface ServicePort {
  name?: string;
  port?: number;
}
interface SlicePort {
  name?: string | null;
  port?: number | null;
}
interface SliceEndpoint {
  addresses?: string[];
  conditions?: { ready?: boolean | null };
}

const unavailable = (message: string) => new StatusError('KAPI_ERR_DEPENDENCY_UNAVAILABLE', message);

const ROUTABLE_TYPES = new Set(['ClusterIP', 'LoadBalancer', 'NodePort']);

/** host:port as Go's net.JoinHostPort writes it (IPv6 in brackets). */
export function joinHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** kube-apiserver's endpoint routing over EndpointSlices, with its messages. */
export function endpointSliceResolver(source: ServiceEndpointSource, random: () => number = Math.random): ServiceResolver {
  const pick = (n: number) => Math.floor(random() * n) % n;
  return {
    async resolveEndpoint(namespace, name, port) {
      const service = await source.service(namespace, name);
      // The lister's NotFound names the resource "service" (singular), as kube-apiserver's message does.
      if (!service) throw notFound({ group: '', resource: 'service' }, name);
      const spec = (service.spec ?? {}) as { type?: string; ports?: ServicePort[]; ipFamilies?: string[] };
      const type = spec.type ?? 'ClusterIP';
      if (!ROUTABLE_TYPES.has(type)) throw new Error(`unsupported service type ${JSON.stringify(type)}`);
      const servicePort = (spec.ports ?? []).find((p) => p.port === port);
      if (!servicePort) throw unavailable(`no service port ${port} found for service ${JSON.stringify(service.metadata?.name ?? name)}`);
      const slices = [...(await source.endpointSlices(namespace, name))];
      if (slices.length === 0) throw unavailable(`no endpoints available for service ${JSON.stringify(name)}`);
      const preferred = spec.ipFamilies?.[0];
      if (slices.length > 1 && preferred) {
        // The Service's first IP family first, the rest in random order.
        const order = new Map(slices.map((s) => [s, random()]));
        slices.sort((a, b) => {
          const pa = a.addressType === preferred;
          const pb = b.addressType === preferred;
          return pa !== pb ? (pa ? -1 : 1) : order.get(a)! - order.get(b)!;
        });
      }
      const wantedName = servicePort.name ?? '';
      for (const slice of slices) {
        const endpoints = (Array.isArray(slice.endpoints) ? slice.endpoints : []) as SliceEndpoint[];
        // A slice port's name defaults to "" on write, as an unnamed Service port's.
        for (const slicePort of (Array.isArray(slice.ports) ? slice.ports : []) as SlicePort[]) {
          if ((slicePort.name ?? '') !== wantedName || typeof slicePort.port !== 'number' || endpoints.length === 0) continue;
          const offset = pick(endpoints.length);
          for (let i = 0; i < endpoints.length; i++) {
            const endpoint = endpoints[(i + offset) % endpoints.length];
            const ready = endpoint.conditions?.ready;
            if ((ready === undefined || ready === null || ready) && endpoint.addresses?.length) return { host: endpoint.addresses[0], port: slicePort.port };
          }
        }
      }
      throw unavailable(`no endpoints available for service ${JSON.stringify(name)}`);
    },
  };
}
