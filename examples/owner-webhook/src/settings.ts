// The service's settings, from its environment (what the Helm chart and the local stack set).
import { DEFAULT_REQUESTS, type ResourceRequests } from './default-requests.js';

export interface Settings {
  host: string;
  port: number;
  certFile: string;
  keyFile: string;
  ownerLabel: string;
  requests: ResourceRequests;
}

/** A Kubernetes quantity, as resource.ParseQuantity reads it. */
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;
/** A label key: an optional DNS-subdomain prefix and a name. */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 *   WEBHOOK_LISTEN           host:port to serve on (0.0.0.0:8443)
 *   WEBHOOK_TLS_CERT_FILE    serving certificate (/etc/webhook/tls/tls.crt)
 *   WEBHOOK_TLS_KEY_FILE     its key (/etc/webhook/tls/tls.key)
 *   OWNER_LABEL              the label Deployments must carry (owner)
 *   DEFAULT_CPU_REQUEST      (100m) and DEFAULT_MEMORY_REQUEST (128Mi)
 * Throws one line naming the variable that is wrong.
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv): Settings {
  const listen = env.WEBHOOK_LISTEN || '0.0.0.0:8443';
  const match = /^(.*):(\d+)$/.exec(listen);
  const port = Number(match?.[2]);
  if (!match || !match[1] || port < 1 || port > 65535) throw new Error(`WEBHOOK_LISTEN=${listen} is invalid: expected host:port`);
  const quantity = (name: string, fallback: string) => {
    const value = env[name] || fallback;
    if (!QUANTITY.test(value)) throw new Error(`${name}=${value} is invalid: expected a quantity such as ${fallback}`);
    return value;
  };
  const ownerLabel = env.OWNER_LABEL || 'owner';
  if (!LABEL_KEY.test(ownerLabel)) throw new Error(`OWNER_LABEL=${ownerLabel} is invalid: expected a label key`);
  return {
    host: match[1].replace(/^\[(.*)\]$/, '$1'),
    port,
    certFile: env.WEBHOOK_TLS_CERT_FILE || '/etc/webhook/tls/tls.crt',
    keyFile: env.WEBHOOK_TLS_KEY_FILE || '/etc/webhook/tls/tls.key',
    ownerLabel,
    requests: { cpu: quantity('DEFAULT_CPU_REQUEST', DEFAULT_REQUESTS.cpu), memory: quantity('DEFAULT_MEMORY_REQUEST', DEFAULT_REQUESTS.memory) },
  };
}
