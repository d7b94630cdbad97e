import { pkiFiles } from './pki';
import { StatePaths, traceFileOf } from './state-dir';
import { ServiceInstance, ServiceName, Topology, instancesOf } from './topology';

/**
 * The environment variables through which a service learns its place in the
 * stack. This is the whole contract between the launcher and the services.
 */
export const SERVICE_ENV_KEYS = [
  'KAPI_SERVICE_NAME',
  'KAPI_INSTANCE',
  'KAPI_LISTEN',
  'KAPI_AUTHN_ADDR',
  'KAPI_AUTHZ_ADDR',
  'KAPI_ADMISSION_ADDR',
  'KAPI_REGISTRY_ADDR',
  'KAPI_WATCH_CACHE_ADDR',
  'KAPI_ETCD_ENDPOINTS',
  'KAPI_NATS_URL',
  'KAPI_SERVICES_CA_FILE',
  'KAPI_SERVICE_CERT_FILE',
  'KAPI_SERVICE_KEY_FILE',
  'KAPI_PKI_DIR',
  'KAPI_TRACE_FILE',
  'KAPI_ADVERTISE_ADDRESS',
  'KAPI_STATE_DIR',
  'KAPI_METRICS_LISTEN',
] as const;

/**
 * Backend services serve /metrics on their gRPC port number at this loopback address: no port of
 * its own to allocate, and no clash with the addresses the stack already uses.
 */
export const METRICS_ADDRESS = '127.0.2.1';

export type ServiceEnvironment = Partial<Record<(typeof SERVICE_ENV_KEYS)[number], string>>;

const ADDRESS_VARIABLES: ReadonlyArray<[key: (typeof SERVICE_ENV_KEYS)[number], service: ServiceName]> = [
  ['KAPI_AUTHN_ADDR', 'authn'],
  ['KAPI_AUTHZ_ADDR', 'authz'],
  ['KAPI_ADMISSION_ADDR', 'admission'],
  ['KAPI_REGISTRY_ADDR', 'registry'],
  ['KAPI_WATCH_CACHE_ADDR', 'watch-cache'],
];

export function serviceEnvironment(topology: Topology, instance: ServiceInstance, paths: StatePaths): ServiceEnvironment {
  const environment: ServiceEnvironment = {
    KAPI_SERVICE_NAME: instance.service,
    KAPI_INSTANCE: instance.instance,
    KAPI_LISTEN: `${instance.listen.host}:${instance.listen.port}`,
  };
  for (const [key, service] of ADDRESS_VARIABLES) {
    environment[key] = instancesOf(topology, service)
      .map((replica) => `${replica.listen.host}:${replica.listen.port}`)
      .join(',');
  }
  environment.KAPI_ETCD_ENDPOINTS = `http://${topology.etcd.host}:${topology.etcd.clientPort}`;
  environment.KAPI_NATS_URL = `nats://${topology.nats.host}:${topology.nats.port}`;
  // Its own identity among the services, for every gRPC connection both ways and for NATS.
  const pki = pkiFiles(paths.pkiDir);
  environment.KAPI_SERVICES_CA_FILE = pki.servicesCaCert;
  environment.KAPI_SERVICE_CERT_FILE = pki.identities[instance.service].cert;
  environment.KAPI_SERVICE_KEY_FILE = pki.identities[instance.service].key;
  environment.KAPI_PKI_DIR = paths.pkiDir;
  environment.KAPI_TRACE_FILE = traceFileOf(paths, instance.instance);
  if (instance.service === 'aggregator') environment.KAPI_ADVERTISE_ADDRESS = instance.listen.host;
  else environment.KAPI_METRICS_LISTEN = `${METRICS_ADDRESS}:${instance.listen.port}`;
  environment.KAPI_STATE_DIR = paths.stateDir;
  return environment;
}

/**
 * The caller's environment plus the contract. Contract variables inherited
 * from the caller are dropped first: a KAPI_ADVERTISE_ADDRESS left in a shell
 * must not leak into a service that should not have one.
 */
export function childEnvironment(base: NodeJS.ProcessEnv, contract: ServiceEnvironment): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { ...base };
  for (const key of SERVICE_ENV_KEYS) delete environment[key];
  return { ...environment, ...contract };
}
