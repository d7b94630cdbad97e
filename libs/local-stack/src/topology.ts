import * as net from 'node:net';
import { StackError } from './errors';

/** Services that sit behind the front doors and speak gRPC; the aggregator is the front door itself. */
export const BACKEND_SERVICES = ['registry', 'watch-cache', 'authn', 'authz', 'admission'] as const;
export type BackendServiceName = (typeof BACKEND_SERVICES)[number];
export type ServiceName = BackendServiceName | 'aggregator';
/** In start order: registry owns etcd, the others depend on it, front doors depend on everything. */
export const SERVICE_NAMES: readonly ServiceName[] = [...BACKEND_SERVICES, 'aggregator'];

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_SERVICE_BASE_PORTS: Readonly<Record<BackendServiceName, number>> = {
  authn: 50051,
  authz: 50052,
  admission: 50053,
  registry: 50054,
  'watch-cache': 50055,
};
export const DEFAULT_REPLICAS: Readonly<Record<ServiceName, number>> = {
  aggregator: 2,
  authn: 1,
  authz: 1,
  admission: 1,
  registry: 1,
  'watch-cache': 1,
};
/** Replica i of a backend service listens on base + stride * i, keeping each service's ports recognisable. */
export const DEFAULT_PORT_STRIDE = 100;
/**
 * Each front door gets its own loopback address so that all of them can use
 * the well-known port 6443, like apiservers on separate machines would.
 */
export const DEFAULT_FRONT_DOOR_BASE_ADDRESS = '127.0.0.2';
export const DEFAULT_FRONT_DOOR_PORT = 6443;
export const DEFAULT_LOAD_BALANCER_PORT = 6443;
/** The example admission webhook's HTTPS port, on the backends' address, when the stack runs it. */
export const DEFAULT_EXAMPLE_WEBHOOK_PORT = 8443;

export interface HostPort {
  host: string;
  port: number;
}

export interface ServiceInstance {
  service: ServiceName;
  index: number;
  /** `<service>-<index>`: names the log file, pid file and trace file. */
  instance: string;
  listen: HostPort;
}

export interface Topology {
  etcd: { host: string; clientPort: number; peerPort: number };
  nats: { host: string; port: number; monitorPort: number };
  /** Every service replica, in start order. */
  services: ServiceInstance[];
  loadBalancer: HostPort;
  /** The example admission webhook (examples/owner-webhook), when the stack runs it beside kapi. */
  exampleWebhook?: HostPort;
}

export interface TopologyOptions {
  /** Address of etcd, NATS and the backend services. */
  host?: string;
  etcdClientPort?: number;
  etcdPeerPort?: number;
  natsPort?: number;
  natsMonitorPort?: number;
  replicas?: Partial<Record<ServiceName, number>>;
  /** A base port (replica i gets base + stride * i) or one explicit port per replica. */
  servicePorts?: Partial<Record<BackendServiceName, number | number[]>>;
  portStride?: number;
  /** Replica i of the front door listens on this address with its last octet raised by i. */
  frontDoorBaseAddress?: string;
  frontDoorPort?: number;
  loadBalancerHost?: string;
  loadBalancerPort?: number;
  /** Run the example admission webhook and register it (KAPI_EXAMPLE_WEBHOOK=true). */
  exampleWebhook?: boolean;
  exampleWebhookPort?: number;
}

export function resolveTopology(options: TopologyOptions = {}): Topology {
  const host = options.host ?? DEFAULT_HOST;
  const stride = options.portStride ?? DEFAULT_PORT_STRIDE;
  const replicas = { ...DEFAULT_REPLICAS, ...options.replicas };
  const services: ServiceInstance[] = [];

  for (const service of SERVICE_NAMES) {
    const count = replicas[service];
    if (!Number.isInteger(count) || count < 1) {
      throw new StackError(`replica count of ${service} must be a positive integer, got ${count}`);
    }
    for (let index = 0; index < count; index++) {
      const listen =
        service === 'aggregator'
          ? { host: frontDoorAddress(options.frontDoorBaseAddress ?? DEFAULT_FRONT_DOOR_BASE_ADDRESS, index), port: options.frontDoorPort ?? DEFAULT_FRONT_DOOR_PORT }
          : { host, port: backendPort(service, index, count, options.servicePorts?.[service], stride) };
      services.push({ service, index, instance: `${service}-${index}`, listen });
    }
  }

  const topology: Topology = {
    etcd: { host, clientPort: options.etcdClientPort ?? 2379, peerPort: options.etcdPeerPort ?? 2380 },
    nats: { host, port: options.natsPort ?? 4222, monitorPort: options.natsMonitorPort ?? 8222 },
    services,
    loadBalancer: { host: options.loadBalancerHost ?? DEFAULT_HOST, port: options.loadBalancerPort ?? DEFAULT_LOAD_BALANCER_PORT },
  };
  if (options.exampleWebhook) topology.exampleWebhook = { host, port: options.exampleWebhookPort ?? DEFAULT_EXAMPLE_WEBHOOK_PORT };
  assertNoConflicts(topology);
  return topology;
}

export function instancesOf(topology: Topology, service: ServiceName): ServiceInstance[] {
  return topology.services.filter((candidate) => candidate.service === service);
}

export function findInstance(topology: Topology, instance: string): ServiceInstance | undefined {
  return topology.services.find((candidate) => candidate.instance === instance);
}

/** Every address the stack will bind, labelled with the owning process, for the pre-start port check. */
export function listeningAddresses(topology: Topology): Array<HostPort & { owner: string }> {
  return [
    { host: topology.etcd.host, port: topology.etcd.clientPort, owner: 'etcd' },
    { host: topology.etcd.host, port: topology.etcd.peerPort, owner: 'etcd peer' },
    { host: topology.nats.host, port: topology.nats.port, owner: 'nats' },
    { host: topology.nats.host, port: topology.nats.monitorPort, owner: 'nats monitor' },
    ...topology.services.map((instance) => ({ ...instance.listen, owner: instance.instance })),
    { ...topology.loadBalancer, owner: 'haproxy' },
    ...(topology.exampleWebhook ? [{ ...topology.exampleWebhook, owner: 'example-webhook' }] : []),
  ];
}

export function frontDoorAddress(baseAddress: string, index: number): string {
  if (net.isIPv4(baseAddress)) {
    const octets = baseAddress.split('.').map(Number);
    const last = octets[3] + index;
    if (last > 254) {
      throw new StackError(`front door ${index} would need address ${octets.slice(0, 3).join('.')}.${last}, beyond the /24 of ${baseAddress}`);
    }
    return [...octets.slice(0, 3), last].join('.');
  }
  throw new StackError(`front door base address must be an IPv4 address, got ${JSON.stringify(baseAddress)}`);
}

/**
 * Reads the CLI's topology overrides. Every variable is optional; invalid
 * values are rejected so a typo never silently starts the default topology.
 *   KAPI_<SERVICE>_REPLICAS or KAPI_REPLICAS_<SERVICE> (SERVICE like WATCH_CACHE)
 *   KAPI_<SERVICE>_PORT (base port of a backend service)
 *   KAPI_ETCD_PORT, KAPI_ETCD_PEER_PORT, KAPI_NATS_PORT, KAPI_NATS_MONITOR_PORT
 *   KAPI_FRONT_DOOR_ADDRESS, KAPI_FRONT_DOOR_PORT, KAPI_LB_ADDRESS, KAPI_LB_PORT
 *   KAPI_EXAMPLE_WEBHOOK (true: run the example admission webhook), KAPI_EXAMPLE_WEBHOOK_PORT
 */
export function topologyOptionsFromEnv(env: NodeJS.ProcessEnv): TopologyOptions {
  const options: TopologyOptions = {};
  const replicas: Partial<Record<ServiceName, number>> = {};
  const servicePorts: Partial<Record<BackendServiceName, number>> = {};

  for (const service of SERVICE_NAMES) {
    const key = service.toUpperCase().replace(/-/g, '_');
    const count = readInteger(env, `KAPI_${key}_REPLICAS`, 1, 200) ?? readInteger(env, `KAPI_REPLICAS_${key}`, 1, 200);
    if (count !== undefined) replicas[service] = count;
  }
  for (const service of BACKEND_SERVICES) {
    const port = readInteger(env, `KAPI_${service.toUpperCase().replace(/-/g, '_')}_PORT`, 1, 65535);
    if (port !== undefined) servicePorts[service] = port;
  }
  if (Object.keys(replicas).length > 0) options.replicas = replicas;
  if (Object.keys(servicePorts).length > 0) options.servicePorts = servicePorts;

  options.etcdClientPort = readInteger(env, 'KAPI_ETCD_PORT', 1, 65535);
  options.etcdPeerPort = readInteger(env, 'KAPI_ETCD_PEER_PORT', 1, 65535);
  options.natsPort = readInteger(env, 'KAPI_NATS_PORT', 1, 65535);
  options.natsMonitorPort = readInteger(env, 'KAPI_NATS_MONITOR_PORT', 1, 65535);
  options.frontDoorPort = readInteger(env, 'KAPI_FRONT_DOOR_PORT', 1, 65535);
  options.loadBalancerPort = readInteger(env, 'KAPI_LB_PORT', 1, 65535);
  options.frontDoorBaseAddress = readAddress(env, 'KAPI_FRONT_DOOR_ADDRESS');
  options.loadBalancerHost = readAddress(env, 'KAPI_LB_ADDRESS');
  options.exampleWebhook = readBoolean(env, 'KAPI_EXAMPLE_WEBHOOK');
  options.exampleWebhookPort = readInteger(env, 'KAPI_EXAMPLE_WEBHOOK_PORT', 1, 65535);

  for (const key of Object.keys(options) as Array<keyof TopologyOptions>) {
    if (options[key] === undefined) delete options[key];
  }
  return options;
}

function backendPort(service: BackendServiceName, index: number, count: number, configured: number | number[] | undefined, stride: number): number {
  if (Array.isArray(configured)) {
    if (configured.length !== count) {
      throw new StackError(`${service} has ${count} replicas but ${configured.length} ports were given`);
    }
    return configured[index];
  }
  return (configured ?? DEFAULT_SERVICE_BASE_PORTS[service]) + stride * index;
}

function assertNoConflicts(topology: Topology): void {
  const owners = new Map<string, string>();
  for (const address of listeningAddresses(topology)) {
    if (!Number.isInteger(address.port) || address.port < 1 || address.port > 65535) {
      throw new StackError(`port ${address.port} of ${address.owner} is not a valid TCP port`);
    }
    const key = `${address.host}:${address.port}`;
    const previous = owners.get(key);
    if (previous) throw new StackError(`address ${key} is assigned to both ${previous} and ${address.owner}`);
    owners.set(key, address.owner);
  }
}

function readInteger(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new StackError(`${name}=${raw} is invalid: expected an integer from ${min} to ${max}`);
  }
  return value;
}

function readBoolean(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  if (raw.trim() === 'true') return true;
  if (raw.trim() === 'false') return false;
  throw new StackError(`${name}=${raw} is invalid: expected true or false`);
}

function readAddress(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!net.isIPv4(raw.trim())) throw new StackError(`${name}=${raw} is invalid: expected an IPv4 address`);
  return raw.trim();
}
