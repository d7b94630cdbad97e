// HTTPS to a server kapi reaches through a Service and verifies by a caBundle, as kube-aggregator
// reaches an APIService's server: the bundle's CAs (the system's roots without one), or no
// verification when the APIService says insecureSkipTLSVerify, the front-proxy client certificate
// presented, and the certificate checked for the Service's DNS name whatever address is dialled.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { Agent, request } from 'node:https';
import { isIP } from 'node:net';

export interface ServiceTls {
  /** PEM certificates, base64-encoded, as an APIService's spec.caBundle. */
  caBundle?: string;
  insecureSkipTLSVerify?: boolean;
}

export type ClientCertificate = { cert: Buffer; key: Buffer };

/** The name a Service's server certificate must carry: `<service>.<namespace>.svc`. */
export function serviceServerName(namespace: string, name: string): string {
  return `${name}.${namespace}.svc`;
}

/** Kept-alive agents, one per TLS setting, all presenting the same client certificate. */
export class ServiceAgents {
  private readonly agents = new Map<string, Agent>();

  constructor(private readonly clientCertificate?: ClientCertificate) {}

  agentFor(tls: ServiceTls): Agent {
    const key = JSON.stringify([tls.caBundle ?? '', tls.insecureSkipTLSVerify === true]);
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new Agent({
        keepAlive: true,
        cert: this.clientCertificate?.cert,
        key: this.clientCertificate?.key,
        ca: tls.caBundle ? Buffer.from(tls.caBundle, 'base64') : undefined,
        rejectUnauthorized: tls.insecureSkipTLSVerify !== true,
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Closes the connections of every TLS setting not in `inUse`. */
  retain(inUse: Iterable<ServiceTls>): void {
    const keep = new Set([...inUse].map((tls) => JSON.stringify([tls.caBundle ?? '', tls.insecureSkipTLSVerify === true])));
    for (const [key, agent] of this.agents) {
      if (keep.has(key)) continue;
      agent.destroy();
      this.agents.delete(key);
    }
  }

  close(): void {
    this.retain([]);
  }
}

export interface ServiceRequest {
  agent: Agent;
  /** Where to connect: a Service's endpoint. */
  endpoint: { host: string; port: number };
  /** The name the certificate must carry (serviceServerName). */
  serverName: string;
  method: string;
  path: string;
  headers?: OutgoingHttpHeaders;
  timeoutMs: number;
}

/** One request with no body; resolves with any answer, rejects with the transport's error. */
export function serviceRequest(options: ServiceRequest): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: options.endpoint.host,
        port: options.endpoint.port,
        method: options.method,
        path: options.path,
        headers: options.headers,
        agent: options.agent,
        servername: isIP(options.serverName) ? undefined : options.serverName,
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
