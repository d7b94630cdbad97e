// kube-aggregator's place in the delegation: a request for a group/version that an APIService with
// a `service` serves is proxied to that server; every other request (Local APIServices: the core
// API and custom resources) passes on. As kube's proxy handler: the user was authenticated and
// authorized by the filters before; the Service is resolved through its EndpointSlices (kube's
// --enable-aggregator-routing, the admission webhooks' resolver); TLS verifies the server as
// `<service>.<namespace>.svc` with the APIService's caBundle (or not at all with
// insecureSkipTLSVerify), and presents the front-proxy client certificate, which the aggregated
// server trusts through the extension-apiserver-authentication ConfigMap; the user travels in
// X-Remote-User, X-Remote-Uid (kube 1.34's RemoteRequestHeaderUID, beta and on by default; only a
// server configured with requestheader-uid-headers reads it), one X-Remote-Group per group and
// X-Remote-Extra-<key>, and the caller's own
// credentials (Authorization, Impersonate-*) stay behind. Bodies stream both ways, so watches and
// other long-running requests pass through as they come, and a server that switches protocols
// (exec-style upgrades) gets the client's connection joined to its own.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { joinHostPort, type ServiceResolver } from '@kapi/webhook-client';
import { serviceUnavailable } from '@kapi/api-machinery';
import { requestUser, type DiscoveredResource, type OpenApiV2Document } from '@kapi/apiserver';
import type { APIServiceSpec } from '@kapi/kinds';
import type { commonV1 } from '@kapi/proto';
import type { Logger } from '@kapi/telemetry';
import { serviceRequest, serviceServerName, ServiceAgents, transportErrorText } from '@kapi/webhook-client';
import type { FrontDoorHandler, FrontDoorRequest } from './front-door-chain.js';

/** An APIService as the front door reads it. */
export interface APIService {
  metadata?: { name?: string; resourceVersion?: string };
  spec?: APIServiceSpec;
  status?: { conditions?: { type?: string; status?: string; reason?: string; message?: string }[] };
}

/** The APIServices stored now, by name (`<version>.<group>`). */
export interface APIServiceLister {
  get(name: string): APIService | undefined;
  /** Whether the APIServices (and the Services and EndpointSlices they resolve through) have been listed; always, when absent. */
  synced?(): boolean;
  /** Resolves to whether they have been listed, at the latest after `timeoutMs`. */
  waitUntilSynced?(timeoutMs: number): Promise<boolean>;
}

/** The client certificate the front door proxies with (kube's --proxy-client-cert-file and key). */
export interface ProxyClientCertificate {
  cert: Buffer;
  key: Buffer;
}

export interface APIServiceProxyOptions {
  apiServices: APIServiceLister;
  resolver: ServiceResolver;
  clientCertificate: ProxyClientCertificate;
  /** Whether the front door serves the group/version itself (a built-in group), so it needs no APIService to know. */
  servesLocally?: (group: string, version: string) => boolean;
  logger?: Logger;
}

/**
 * How long a request waits for an informer's first list before 503 (kube's WaitForReady waits as
 * long): for the APIServices here, for the CRDs in custom-resources.ts.
 */
export const SYNC_WAIT_MS = 10_000;

/** Whether the APIService's Available condition is True (kube's IsAPIServiceConditionTrue). */
export function isAvailable(apiService: APIService): boolean {
  return (apiService.status?.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True');
}

/**
 * The APIService that serves a path under /apis/<group>/<version> (or that group/version's OpenAPI
 * v3 document, /openapi/v3/apis/<group>/<version>), named `<version>.<group>`; undefined for any
 * other path.
 */
export function apiServiceNameOf(pathname: string): string | undefined {
  const segments = pathname.replace(/^\/openapi\/v3(?=\/apis\/)/, '').split('/');
  // ['', 'apis', group, version, ...]
  if (segments[1] !== 'apis' || !segments[2] || !segments[3]) return undefined;
  return `${segments[3]}.${segments[2]}`;
}

/** How long a discovery request to an aggregated server may take (kube's discovery client: 5 s). */
const DISCOVERY_TIMEOUT_MS = 5_000;
/** How long fetching an aggregated server's OpenAPI v2 document may take: a whole API's document, larger than discovery's answers. */
const OPENAPI_V2_TIMEOUT_MS = 30_000;

/** Headers that describe one connection, not the request (Go's ReverseProxy drops the same). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** A header name kube writes for an extra key: legal token characters as they are, the rest (and %) percent-encoded. */
export function extraHeaderKey(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && ch !== '%' && /[!#$&'*+\-.^_`|~0-9A-Za-z]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * The headers the aggregated server is sent: the client's, less the hop-by-hop ones, its credentials
 * and any X-Remote-* it sent itself, plus the user the front door vouches for (client-go's
 * SetAuthProxyHeaders) and X-Forwarded-For.
 */
export function proxiedRequestHeaders(incoming: IncomingHttpHeaders, user: commonV1.UserInfo, clientAddress: string | undefined): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || lower === 'authorization' || lower.startsWith('impersonate-') || lower.startsWith('x-remote-')) continue;
    headers[lower] = value;
  }
  // A request to switch protocols keeps saying so (kube's upgrade-aware proxy).
  if (isUpgrade(incoming)) {
    headers.connection = 'Upgrade';
    headers.upgrade = incoming.upgrade;
  }
  headers['x-remote-user'] = user.username;
  if (user.uid) headers['x-remote-uid'] = user.uid;
  if (user.groups.length) headers['x-remote-group'] = [...user.groups];
  for (const [key, extra] of Object.entries(user.extra ?? {})) {
    if (extra.values.length) headers[`x-remote-extra-${extraHeaderKey(key)}`] = [...extra.values];
  }
  if (clientAddress) {
    const prior = incoming['x-forwarded-for'];
    headers['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${clientAddress}` : clientAddress;
  }
  return headers;
}

/** Whether the client asks to switch protocols (exec, attach, port-forward, websockets). */
export function isUpgrade(headers: IncomingHttpHeaders): boolean {
  return !!headers.upgrade && /(^|,)\s*upgrade\s*(,|$)/i.test(String(headers.connection ?? ''));
}

/** kube's proxyError: http.Error's plain-text answer. */
function plainError(request: FrontDoorRequest, code: number, text: string): void {
  const { res } = request;
  if (res.headersSent) return void res.destroy();
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(`${text}\n`);
}

export class APIServiceProxy implements FrontDoorHandler {
  readonly name = 'aggregator (APIService proxy)';
  /** Kept-alive connections, per TLS setting (caBundle, insecureSkipTLSVerify). */
  private readonly agents: ServiceAgents;

  constructor(private readonly options: APIServiceProxyOptions) {
    this.agents = new ServiceAgents(options.clientCertificate);
  }

  async handle(request: FrontDoorRequest, next: () => Promise<void>): Promise<void> {
    const name = apiServiceNameOf(request.url.pathname);
    if (name === undefined) return next();
    const apiService = this.options.apiServices.get(name) ?? (await this.afterSync(name));
    const service = apiService?.spec?.service;
    if (!apiService || !service) return next();
    if (!isAvailable(apiService)) return plainError(request, 503, 'service unavailable');
    const namespace = service.namespace ?? '';
    const serviceName = service.name ?? '';
    let endpoint;
    try {
      endpoint = await this.options.resolver.resolveEndpoint(namespace, serviceName, service.port ?? 443);
    } catch (err) {
      this.options.logger?.warn('error resolving an APIService\'s Service', { apiService: name, service: `${namespace}/${serviceName}`, err: (err as Error).message });
      return plainError(request, 503, 'service unavailable');
    }
    return this.forward(request, apiService, serviceServerName(namespace, serviceName), endpoint);
  }

  /**
   * An APIService not known yet: before the first list, a group/version the front door does not
   * serve itself waits for it, so that a request reaching a front door just started is never told
   * 404 for an aggregated group; then 503, as kube's WaitForReady answers, and the client retries.
   */
  private async afterSync(name: string): Promise<APIService | undefined> {
    const lister = this.options.apiServices;
    if (!lister.waitUntilSynced || lister.synced?.()) return undefined;
    const [version, ...group] = name.split('.');
    if (this.options.servesLocally?.(group.join('.'), version)) return undefined;
    if (!(await lister.waitUntilSynced(SYNC_WAIT_MS))) throw serviceUnavailable('not yet ready to handle request: the APIServices are not listed yet');
    return lister.get(name);
  }

  /**
   * A GET of `path` from the APIService's server, asked as kube's aggregator asks for discovery and
   * OpenAPI: as system:kube-aggregator in system:masters; undefined without a service.
   */
  private async askServer(apiService: APIService, path: string, timeoutMs = DISCOVERY_TIMEOUT_MS): Promise<{ status: number; body: string } | undefined> {
    const service = apiService.spec?.service;
    if (!service) return undefined;
    return serviceRequest({
      agent: this.agents.agentFor(apiService.spec ?? {}),
      endpoint: await this.options.resolver.resolveEndpoint(service.namespace ?? '', service.name ?? '', service.port ?? 443),
      serverName: serviceServerName(service.namespace ?? '', service.name ?? ''),
      method: 'GET',
      path,
      headers: { Accept: 'application/json', 'X-Remote-User': 'system:kube-aggregator', 'X-Remote-Group': 'system:masters' },
      timeoutMs,
    });
  }

  /** The resources the APIService's server lists for its group/version (GET /apis/<group>/<version>). */
  async discoverResources(apiService: APIService): Promise<DiscoveredResource[]> {
    const path = `/apis/${apiService.spec?.group ?? ''}/${apiService.spec?.version ?? ''}`;
    const answer = await this.askServer(apiService, path);
    if (!answer) return [];
    if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status}`);
    const list = JSON.parse(answer.body) as { resources?: DiscoveredResource[] };
    return Array.isArray(list.resources) ? list.resources : [];
  }

  /** Where the server serves its group/version's OpenAPI v3 document: the serverRelativeURL its /openapi/v3 lists, if any. */
  async discoverOpenApiPath(apiService: APIService): Promise<string | undefined> {
    const answer = await this.askServer(apiService, '/openapi/v3');
    if (answer?.status !== 200) return undefined;
    const paths = (JSON.parse(answer.body) as { paths?: Record<string, { serverRelativeURL?: string }> }).paths ?? {};
    const url = paths[`apis/${apiService.spec?.group ?? ''}/${apiService.spec?.version ?? ''}`]?.serverRelativeURL;
    return typeof url === 'string' && url.startsWith(`/openapi/v3/apis/${apiService.spec?.group ?? ''}/${apiService.spec?.version ?? ''}`) ? url : undefined;
  }

  /** The server's OpenAPI v2 document (GET /openapi/v2, as kube-aggregator fetches it), if it serves one. */
  async discoverOpenApiV2(apiService: APIService): Promise<OpenApiV2Document | undefined> {
    const answer = await this.askServer(apiService, '/openapi/v2', OPENAPI_V2_TIMEOUT_MS);
    if (answer?.status !== 200) return undefined;
    const doc = JSON.parse(answer.body) as OpenApiV2Document;
    return doc && typeof doc === 'object' && !Array.isArray(doc) ? doc : undefined;
  }

  /** Closes every kept-alive connection to the aggregated servers. */
  close(): void {
    this.agents.close();
  }

  private forward(request: FrontDoorRequest, apiService: APIService, serverName: string, endpoint: { host: string; port: number }): Promise<void> {
    const { req, res, url } = request;
    const headers = proxiedRequestHeaders(req.headers, requestUser(request), req.socket.remoteAddress);
    const dialAddress = joinHostPort(endpoint.host, endpoint.port);
    return new Promise<void>((resolve) => {
      const upstream = httpsRequest(
        {
          host: endpoint.host,
          port: endpoint.port,
          method: req.method,
          path: `${url.pathname}${url.search}`,
          headers,
          agent: this.agents.agentFor(apiService.spec ?? {}),
          // The certificate must name the Service, whatever address was dialled: Node checks the server name.
          servername: isIP(serverName) ? undefined : serverName,
        },
        (answer) => {
          const out: OutgoingHttpHeaders = {};
          for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
          if (res.headersSent) {
            // The deadline filter answered first: this answer has nowhere to go.
            answer.destroy();
            return resolve();
          }
          res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
          // Each chunk as it comes (a watch's events reach the client when the server sends them),
          // at the pace the client reads.
          res.flushHeaders();
          answer.pipe(res);
          answer.on('end', () => resolve());
          answer.on('error', () => (res.destroy(), resolve()));
          // A server that goes away mid-answer (a watch's server stopped) ends the client's answer too.
          answer.on('close', () => {
            if (!answer.complete) res.destroy();
            resolve();
          });
        },
      );
      upstream.on('error', (err) => {
        this.options.logger?.warn('proxying to an aggregated server failed', { apiService: apiService.metadata?.name, err: (err as Error).message });
        // kube's responder answers a failed round trip with its error, 503, in plain text.
        if (!res.headersSent) plainError(request, 503, transportErrorText(err, dialAddress));
        else res.destroy();
        resolve();
      });
      // The server switched protocols: its answer goes to the client as it came, and from then on
      // the two connections are joined byte for byte.
      upstream.on('upgrade', (answer, serverSocket, serverHead) => {
        const clientSocket = res.socket;
        if (!clientSocket || res.headersSent) {
          serverSocket.destroy();
          return resolve();
        }
        res.detachSocket(clientSocket);
        const lines = [`HTTP/1.1 ${answer.statusCode ?? 101} ${answer.statusMessage ?? 'Switching Protocols'}`];
        for (let i = 0; i < answer.rawHeaders.length; i += 2) lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
        clientSocket.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (serverHead.length) clientSocket.write(serverHead);
        serverSocket.pipe(clientSocket).on('error', () => serverSocket.destroy());
        clientSocket.pipe(serverSocket).on('error', () => clientSocket.destroy());
        serverSocket.once('close', () => clientSocket.destroy());
        clientSocket.once('close', () => serverSocket.destroy());
        resolve();
      });
      // The client went away (a watch closed): so does the upstream request.
      res.once('close', () => upstream.destroy());
      if (isUpgrade(req.headers)) upstream.end();
      else req.pipe(upstream);
    });
  }
}
