// The HTTPS agent for a server kapi reaches through a Service and verifies by a caBundle, as
// kube-aggregator reaches an APIService's server: the bundle's CAs (the system's roots without
// one), or no verification when the APIService says insecureSkipTLSVerify, and the front-proxy
// client certificate presented. The name to verify is the Service's DNS name, given per request.
import { Agent } from 'node:https';

export interface ServiceAgentOptions {
  /** PEM certificates, base64-encoded, as an APIService's spec.caBundle. */
  caBundle?: string;
  insecureSkipTLSVerify?: boolean;
  clientCertificate?: { cert: Buffer; key: Buffer };
  keepAlive?: boolean;
}

export function serviceAgent(options: ServiceAgentOptions): Agent {
  return new Agent({
    keepAlive: options.keepAlive ?? true,
    cert: options.clientCertificate?.cert,
    key: options.clientCertificate?.key,
    ca: options.caBundle ? Buffer.from(options.caBundle, 'base64') : undefined,
    rejectUnauthorized: options.insecureSkipTLSVerify !== true,
  });
}

/** The name a Service's server certificate must carry: `<service>.<namespace>.svc`. */
export function serviceServerName(namespace: string, name: string): string {
  return `${name}.${namespace}.svc`;
}
