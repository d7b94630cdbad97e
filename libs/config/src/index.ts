// A service's configuration, read once at start from the environment the stack launcher sets
// (KAPI_*). A missing or malformed value stops the start with one line naming it.

import { parseDuration } from '@kapi/api-machinery';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface HostPort {
  host: string;
  port: number;
}

export interface ServiceConfig {
  serviceName: string;
  instance: string;
  listen: HostPort;
  authnAddrs: string[];
  authzAddrs: string[];
  admissionAddrs: string[];
  registryAddrs: string[];
  watchCacheAddrs: string[];
  etcdEndpoints: string[];
  /** How to reach etcd over TLS (kube-apiserver's --etcd-cafile, --etcd-certfile, --etcd-keyfile). */
  etcdTls: EtcdTlsFiles;
  natsUrl: string;
  /** This process's identity among the services, for gRPC both ways and for NATS (see ServiceTlsFiles). */
  serviceTls: ServiceTlsFiles;
  pkiDir: string;
  traceFile: string;
  advertiseAddress: string;
  stateDir: string;
  /** Where to serve Prometheus /metrics over plain HTTP, if anywhere. */
  metricsListen?: HostPort;
  /** KAPI_DEPENDENCY_TIMEOUT, a Go duration (default 30s): how long a start waits for etcd and NATS. */
  dependencyTimeoutMs: number;
  /** Authorization modes and the authentication/authorization webhooks (see AuthWebhookConfig). */
  authWebhooks: AuthWebhookConfig;
  /** KAPI_MAX_REQUESTS_INFLIGHT (kube's --max-requests-inflight, default 400; 0 for no limit): the front door's read-only requests at once. */
  maxRequestsInflight: number;
  /** KAPI_MAX_MUTATING_REQUESTS_INFLIGHT (--max-mutating-requests-inflight, default 200; 0 for no limit). */
  maxMutatingRequestsInflight: number;
  /**
   * KAPI_RUNTIME_CONFIG (kube's --runtime-config): APIs switched on or off, `group/version` or
   * `group/version/resource` to true or false (a bare key is true). Every service reads it, so they
   * all serve the same kinds; which keys kapi can switch is the kinds catalogue's to say.
   */
  runtimeConfig: Record<string, boolean>;
  /** KAPI_FEATURE_GATES (kube's --feature-gates): `Name=true|false`, for the gates kapi knows (FEATURE_GATES). */
  featureGates: Record<string, boolean>;
}

/** The feature gates kapi reads, with kube-apiserver v1.34's defaults. */
export const FEATURE_GATES: Readonly<Record<string, boolean>> = {
  // Beta in 1.34, off by default: the MutatingAdmissionPolicy admission plugin.
  MutatingAdmissionPolicy: false,
};

function parseBoolean(variable: string, key: string, value: string): boolean {
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  throw new ConfigError(`${variable}: invalid value of ${key}: ${value}, err: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
}

/** KAPI_RUNTIME_CONFIG: `key[=true|false]`, comma-separated. */
export function loadRuntimeConfig(env: NodeJS.ProcessEnv): Record<string, boolean> {
  const config: Record<string, boolean> = {};
  for (const item of list(env.KAPI_RUNTIME_CONFIG)) {
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).trim();
    config[key] = eq < 0 ? true : parseBoolean('KAPI_RUNTIME_CONFIG', key, item.slice(eq + 1).trim());
  }
  return config;
}

/** KAPI_FEATURE_GATES: `Name=true|false`, comma-separated; a gate kapi does not know stops the start. */
export function loadFeatureGates(env: NodeJS.ProcessEnv): Record<string, boolean> {
  const gates = { ...FEATURE_GATES };
  for (const item of list(env.KAPI_FEATURE_GATES)) {
    const eq = item.indexOf('=');
    if (eq < 0) throw new ConfigError(`KAPI_FEATURE_GATES: missing bool value for ${item}`);
    const name = item.slice(0, eq).trim();
    if (!(name in FEATURE_GATES)) throw new ConfigError(`KAPI_FEATURE_GATES: unrecognized feature gate: ${name} (kapi knows ${Object.keys(FEATURE_GATES).join(', ')})`);
    gates[name] = parseBoolean('KAPI_FEATURE_GATES', name, item.slice(eq + 1).trim());
  }
  return gates;
}

export interface EtcdTlsFiles {
  /** KAPI_ETCD_CAFILE: the CA that signed etcd's serving certificate (default: the system's roots). */
  caFile?: string;
  /** KAPI_ETCD_CERTFILE and KAPI_ETCD_KEYFILE: the client certificate etcd asks for. */
  certFile?: string;
  keyFile?: string;
}

/**
 * The services CA and this process's certificate and key from it: every gRPC connection between
 * kapi's services, and to NATS, is mutual TLS with these. The CA is not the one that signs users'
 * client certificates (KAPI_PKI_DIR's ca.crt), so a user's certificate never passes as a service.
 */
export interface ServiceTlsFiles {
  /** KAPI_SERVICES_CA_FILE */
  caFile: string;
  /** KAPI_SERVICE_CERT_FILE */
  certFile: string;
  /** KAPI_SERVICE_KEY_FILE */
  keyFile: string;
}

/** The service TLS settings; every one is required, since no connection between services is plaintext. */
export function loadServiceTls(env: NodeJS.ProcessEnv): ServiceTlsFiles {
  const variables = { caFile: 'KAPI_SERVICES_CA_FILE', certFile: 'KAPI_SERVICE_CERT_FILE', keyFile: 'KAPI_SERVICE_KEY_FILE' } as const;
  const files = { caFile: '', certFile: '', keyFile: '' };
  for (const [key, variable] of Object.entries(variables) as [keyof ServiceTlsFiles, string][]) {
    const value = env[variable];
    if (!value) throw new ConfigError(`${variable} is not set: every connection between kapi's services is mutual TLS`);
    files[key] = value;
  }
  return files;
}

/** The etcd TLS settings, refused in one line when they cannot work with the endpoints. */
export function loadEtcdTls(env: NodeJS.ProcessEnv, endpoints: string[]): EtcdTlsFiles {
  const files: EtcdTlsFiles = { caFile: env.KAPI_ETCD_CAFILE || undefined, certFile: env.KAPI_ETCD_CERTFILE || undefined, keyFile: env.KAPI_ETCD_KEYFILE || undefined };
  if (!files.certFile !== !files.keyFile) {
    throw new ConfigError(`KAPI_ETCD_CERTFILE and KAPI_ETCD_KEYFILE go together: ${files.certFile ? 'KAPI_ETCD_KEYFILE' : 'KAPI_ETCD_CERTFILE'} is not set`);
  }
  const plain = endpoints.filter((e) => !/^https:\/\//i.test(e));
  const given = Object.entries({ KAPI_ETCD_CAFILE: files.caFile, KAPI_ETCD_CERTFILE: files.certFile }).filter(([, file]) => file);
  if (given.length && plain.length) {
    throw new ConfigError(`${given[0][0]} is set but KAPI_ETCD_ENDPOINTS has an endpoint without TLS (${plain[0]}): use https:// endpoints`);
  }
  return files;
}

export function parseHostPort(value: string, variable: string): HostPort {
  const m = value.match(/^(\[[^\]]+\]|[^:]+):(\d{1,5})$/);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 0 || port > 65535) throw new ConfigError(`${variable}=${JSON.stringify(value)} is not a host:port address`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/** host:port as an address, an IPv6 host in brackets ([::1]:50051). */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A comma-separated setting as its non-empty, trimmed items. */
export const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function loadServiceConfig(serviceName: string, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const listen = env.KAPI_LISTEN;
  if (!listen) throw new ConfigError(`KAPI_LISTEN is not set: ${serviceName} does not know where to listen`);
  return {
    serviceName,
    instance: env.KAPI_INSTANCE || `${serviceName}-0`,
    listen: parseHostPort(listen, 'KAPI_LISTEN'),
    authnAddrs: list(env.KAPI_AUTHN_ADDR),
    authzAddrs: list(env.KAPI_AUTHZ_ADDR),
    admissionAddrs: list(env.KAPI_ADMISSION_ADDR),
    registryAddrs: list(env.KAPI_REGISTRY_ADDR),
    watchCacheAddrs: list(env.KAPI_WATCH_CACHE_ADDR),
    etcdEndpoints: list(env.KAPI_ETCD_ENDPOINTS),
    etcdTls: loadEtcdTls(env, list(env.KAPI_ETCD_ENDPOINTS)),
    natsUrl: env.KAPI_NATS_URL ?? '',
    serviceTls: loadServiceTls(env),
    pkiDir: env.KAPI_PKI_DIR ?? '',
    traceFile: env.KAPI_TRACE_FILE ?? '',
    advertiseAddress: env.KAPI_ADVERTISE_ADDRESS ?? '',
    stateDir: env.KAPI_STATE_DIR ?? '',
    metricsListen: env.KAPI_METRICS_LISTEN ? parseHostPort(env.KAPI_METRICS_LISTEN, 'KAPI_METRICS_LISTEN') : undefined,
    dependencyTimeoutMs: durationSetting(env, 'KAPI_DEPENDENCY_TIMEOUT', 30_000),
    authWebhooks: loadAuthWebhookConfig(env),
    maxRequestsInflight: countSetting(env, 'KAPI_MAX_REQUESTS_INFLIGHT', 400),
    maxMutatingRequestsInflight: countSetting(env, 'KAPI_MAX_MUTATING_REQUESTS_INFLIGHT', 200),
    runtimeConfig: loadRuntimeConfig(env),
    featureGates: loadFeatureGates(env),
  };
}

/** A count of things, 0 or more: one line naming the variable when it is anything else. */
function countSetting(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const value = env[variable];
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value.trim())) throw new ConfigError(`${variable}=${JSON.stringify(value)} is not a whole number of 0 or more`);
  return Number(value.trim());
}

// ---- Authorization modes and authentication/authorization webhooks (kube-apiserver's
// --authorization-mode, --authorization-webhook-*, --authentication-token-webhook-*) ----

export interface AuthWebhookConfig {
  /** KAPI_AUTHORIZATION_MODE as listed; empty means the default (RBAC). Checked by the authz service. */
  authorizationModes: string[];
  /** KAPI_AUTHORIZATION_WEBHOOK_CONFIG_FILE: kubeconfig format. */
  authorizationWebhookConfigFile: string;
  /** KAPI_AUTHORIZATION_WEBHOOK_CACHE_AUTHORIZED_TTL, a Go duration (default 5m), in ms. */
  authorizationWebhookAuthorizedTtlMs: number;
  /** KAPI_AUTHORIZATION_WEBHOOK_CACHE_UNAUTHORIZED_TTL, a Go duration (default 30s), in ms. */
  authorizationWebhookUnauthorizedTtlMs: number;
  /** KAPI_AUTHENTICATION_TOKEN_WEBHOOK_CONFIG_FILE: kubeconfig format. */
  authenticationTokenWebhookConfigFile: string;
  /** KAPI_AUTHENTICATION_TOKEN_WEBHOOK_CACHE_TTL, a Go duration (default 2m), in ms. */
  authenticationTokenWebhookCacheTtlMs: number;
}

/** A setting that is `true` or `false`; anything else stops the start in one line. */
export function booleanSetting(env: NodeJS.ProcessEnv, variable: string, fallback: boolean): boolean {
  const value = env[variable];
  if (value === undefined || value === '') return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigError(`${variable}=${JSON.stringify(value)} is not true or false`);
}

/** A Go duration (`90s`, `1m30s`) in ms; a malformed or negative one stops the start in one line. */
export function durationSetting(env: NodeJS.ProcessEnv, variable: string, fallbackMs: number): number {
  const value = env[variable];
  if (value === undefined || value === '') return fallbackMs;
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (err) {
    throw new ConfigError(`${variable}: ${(err as Error).message}`);
  }
  if (ms < 0) throw new ConfigError(`${variable}=${JSON.stringify(value)} must not be negative`);
  return ms;
}

export function loadAuthWebhookConfig(env: NodeJS.ProcessEnv = process.env): AuthWebhookConfig {
  return {
    authorizationModes: list(env.KAPI_AUTHORIZATION_MODE),
    authorizationWebhookConfigFile: env.KAPI_AUTHORIZATION_WEBHOOK_CONFIG_FILE ?? '',
    authorizationWebhookAuthorizedTtlMs: durationSetting(env, 'KAPI_AUTHORIZATION_WEBHOOK_CACHE_AUTHORIZED_TTL', 5 * 60_000),
    authorizationWebhookUnauthorizedTtlMs: durationSetting(env, 'KAPI_AUTHORIZATION_WEBHOOK_CACHE_UNAUTHORIZED_TTL', 30_000),
    authenticationTokenWebhookConfigFile: env.KAPI_AUTHENTICATION_TOKEN_WEBHOOK_CONFIG_FILE ?? '',
    authenticationTokenWebhookCacheTtlMs: durationSetting(env, 'KAPI_AUTHENTICATION_TOKEN_WEBHOOK_CACHE_TTL', 2 * 60_000),
  };
}

// ---- end of the authorization and webhook settings ----

/** Fails the start unless every named setting is present. */
export function requireSettings<K extends keyof ServiceConfig>(config: ServiceConfig, keys: Record<K, string>): void {
  for (const [key, variable] of Object.entries(keys) as [K, string][]) {
    const value = config[key];
    if (value === '' || (Array.isArray(value) && value.length === 0)) {
      throw new ConfigError(`${variable} is not set: ${config.serviceName} needs it`);
    }
  }
}

// ── authentication settings (KAPI_ANONYMOUS_AUTH, KAPI_TOKEN_AUTH_FILE, service-account keys, OIDC) ──
export { loadAuthnConfig, type AuthnConfig, type OidcConfig } from './authn.js';

// ── graceful shutdown (KAPI_SHUTDOWN_DELAY_DURATION, KAPI_SHUTDOWN_SEND_RETRY_AFTER, …) ──
export { DEFAULT_SHUTDOWN_DELAY_MS, FRONT_DOOR_HEALTH_CHECK, loadShutdownConfig, type ShutdownConfig } from './shutdown.js';

// ── which controllers run (KAPI_CONTROLLERS, as kube-controller-manager's --controllers) ──
export { ControllerSelection, parseControllers, type KnownController } from './controllers.js';
