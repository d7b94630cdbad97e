// The HTTPS calls to webhooks named by a clientConfig (admission webhooks, CRD conversion webhooks),
// as kube-apiserver's webhook ClientManager (k8s.io/apiserver/pkg/util/webhook) and client-go's REST
// client make them: one client per clientConfig (URL or Service, and caBundle), each with its own
// kept-alive connections, replaced when its configuration changes; `?timeout=Ns` tells the webhook
// how long it has; an answer other than 2xx is read as client-go reads it (a Status it carries, else
// kube's generic words for its code); 429 and 5xx answers naming Retry-After are tried again.
import { Agent } from 'node:https';
import { posix } from 'node:path';
import { httpsPost, transportErrorText, type HttpsPostResponse } from './https-post.js';
import { joinHostPort, type ServiceEndpoint, type ServiceResolver } from './service-resolver.js';

/** A webhook's Service as admissionregistration and apiextensions name it in a clientConfig. */
export interface ServiceReference {
  namespace?: string;
  name?: string;
  path?: string;
  /** 443 when unset. */
  port?: number;
}

/**
 * Where a webhook is reached, as admission webhooks, CRD conversion webhooks and APIServices'
 * callers name it: a URL or a Service, and the CA bundle its certificate is checked against.
 */
export interface WebhookClientConfig {
  url?: string;
  service?: ServiceReference;
  /** PEM certificates, base64-encoded as the API carries bytes; the system's roots when empty. */
  caBundle?: string;
}

/** kube's webhook client cache holds this many clients (util/webhook defaultCacheSize). */
export const CLIENT_CACHE_SIZE = 200;
/** client-go's default for how often a request answered with Retry-After is tried again. */
export const MAX_RETRIES = 10;
/**
 * kapi's bound on a webhook's answer (kube reads any size): an AdmissionReview carrying a patch of
 * an object of etcd's largest size stays well below it, and a broken webhook cannot fill the heap.
 */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
// client-go quotes at most this much of an unstructured error body.
const MAX_UNSTRUCTURED_RESPONSE_BYTES = 2048;

/** A call that ended without a usable answer: `message` follows `failed to call webhook: `. */
export class WebhookCallFailure extends Error {
  constructor(
    message: string,
    /** The code the failure is counted under: the answer's, or 503 when no answer came (kube's "error calling webhook"). */
    readonly statusCode: number,
  ) {
    super(message);
    this.name = 'WebhookCallFailure';
  }
}

/** A clientConfig the client cannot be built for (kube's `could not get REST client`). */
export class WebhookClientConfigError extends Error {}

/** How webhook calls are made: WebhookClients, or a fake in unit tests. */
export interface WebhookTransport {
  /**
   * POSTs the review within `timeoutMs` and resolves with the answer's text; rejects with a
   * WebhookCallFailure (or WebhookClientConfigError) in kube's words.
   */
  post(config: WebhookClientConfig, review: unknown, timeoutMs: number): Promise<string>;
  /** Which clientConfigs `owner` uses now; the others' connections may close. */
  retain(owner: string, configs: Iterable<WebhookClientConfig>): void;
}

/** What identifies a webhook's client: kube keys its client cache on the clientConfig without the webhook's name. */
export function clientKey(config: WebhookClientConfig): string {
  const s = config.service;
  return JSON.stringify({
    url: config.url ?? '',
    caBundle: config.caBundle ?? '',
    service: s ? { name: s.name ?? '', namespace: s.namespace ?? '', path: s.path ?? '', port: s.port ?? 443 } : null,
  });
}

/** client-go joins the API path onto the host with Go's path.Join: cleaned, no trailing slash, `/` when empty. */
function cleanPath(path: string | undefined): string {
  const cleaned = posix.normalize(`/${path ?? ''}`).replace(/\/+$/, '');
  return cleaned || '/';
}

interface HookClient {
  agent: Agent;
  /** Where requests go, without the timeout. */
  base: URL;
  /** The same as kube prints it: the host as written, a default port kept (WHATWG URLs drop it). */
  display: string;
  /** The Host header, as Go sends it: the host as written. */
  host: string;
  service?: { namespace: string; name: string; port: number };
}

/** Go's Duration.String() of whole seconds, as `?timeout=` carries it. */
function goSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m}m${seconds % 60}s` : `${Math.floor(m / 60)}h${m % 60}m${seconds % 60}s`;
}

const GENERIC_MESSAGES: Record<number, string> = {
  400: 'the server rejected our request for an unknown reason',
  401: 'the server has asked for the client to provide credentials',
  404: 'the server could not find the requested resource',
  405: 'the server does not allow this method on the requested resource',
  409: 'the server reported a conflict',
  422: 'the server rejected our request due to an error in our request',
  429: 'the server has received too many requests and has asked us to try again later',
  503: 'the server is currently unable to handle the request',
  504: 'the server was unable to return a response in the time allotted, but may still be processing the request',
};

/** apimachinery's NewGenericServerResponse message for a POST without a resource. */
function genericServerMessage(code: number, serverMessage: string): string {
  if (code === 403 || code === 415) return serverMessage;
  if (code === 406) return !serverMessage || serverMessage === 'unknown' ? 'the server was unable to respond with a content type that the client supports' : serverMessage;
  if (GENERIC_MESSAGES[code]) return GENERIC_MESSAGES[code];
  if (code >= 500) return `an error on the server (${JSON.stringify(serverMessage)}) has prevented the request from succeeding`;
  return `the server responded with the status code ${code} but did not return more information`;
}

/** A non-2xx answer as client-go turns it into an error: the Status it carries, else kube's generic words. */
function answerFailure(res: HttpsPostResponse): WebhookCallFailure {
  const text = res.body.toString('utf8');
  if (text) {
    try {
      const status = JSON.parse(text) as Record<string, unknown>;
      if (status && status.kind === 'Status' && (status.apiVersion === undefined || status.apiVersion === 'v1') && status.status === 'Failure') {
        return new WebhookCallFailure(typeof status.message === 'string' ? status.message : '', typeof status.code === 'number' ? status.code : res.statusCode);
      }
    } catch {
      // not a Status: an unstructured error
    }
  }
  const contentType = res.headers['content-type'] ?? '';
  const isText = !contentType || contentType.trim().toLowerCase().startsWith('text/');
  const serverMessage = isText ? res.body.subarray(0, MAX_UNSTRUCTURED_RESPONSE_BYTES).toString('utf8').trim() : 'unknown';
  return new WebhookCallFailure(genericServerMessage(res.statusCode, serverMessage), res.statusCode);
}

function retryAfterSeconds(res: HttpsPostResponse): number | undefined {
  if (res.statusCode !== 429 && res.statusCode < 500) return undefined;
  const header = res.headers['retry-after'];
  return typeof header === 'string' && /^[+-]?\d+$/.test(header.trim()) ? Number(header.trim()) : undefined;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** Races a promise against the call's deadline. */
function bounded<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

export interface WebhookClientsOptions {
  /** Where Service webhooks are reached; without it, calling one fails. */
  serviceResolver?: ServiceResolver;
  cacheSize?: number;
}

/**
 * The webhook clients of a process: shared by the webhook admission plugins and CRD conversion, so
 * a webhook configured in a mutating and a validating configuration alike keeps one set of connections.
 */
export class WebhookClients implements WebhookTransport {
  private readonly clients = new Map<string, HookClient>();
  private readonly owners = new Map<string, Set<string>>();
  private readonly cacheSize: number;

  constructor(private readonly options: WebhookClientsOptions = {}) {
    this.cacheSize = options.cacheSize ?? CLIENT_CACHE_SIZE;
  }

  private client(config: WebhookClientConfig): HookClient {
    const key = clientKey(config);
    const cached = this.clients.get(key);
    if (cached) {
      this.clients.delete(key);
      this.clients.set(key, cached); // most recently used last
      return cached;
    }
    let display: string;
    let host: string;
    let service: HookClient['service'];
    if (config.service) {
      const s = config.service;
      const port = s.port ?? 443;
      service = { namespace: s.namespace ?? '', name: s.name ?? '', port };
      host = `${s.name}.${s.namespace}.svc:${port}`;
      display = `https://${host}${cleanPath(s.path)}`;
    } else if (config.url) {
      let u: URL;
      try {
        u = new URL(config.url);
      } catch (err) {
        throw new WebhookClientConfigError(`Unparsable URL: ${(err as Error).message}`);
      }
      host = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(config.url)?.[1] ?? u.host;
      display = `${u.protocol}//${host}${cleanPath(u.pathname)}`;
    } else {
      throw new WebhookClientConfigError('webhook configuration must have either service or URL');
    }
    const agent = new Agent({ keepAlive: true, ca: config.caBundle ? Buffer.from(config.caBundle, 'base64') : undefined });
    const client = { agent, base: new URL(display), display, host, service };
    this.clients.set(key, client);
    if (this.clients.size > this.cacheSize) this.evict(this.clients.keys().next().value as string);
    return client;
  }

  private evict(key: string): void {
    this.clients.get(key)?.agent.destroy();
    this.clients.delete(key);
  }

  /**
   * Records which clients `owner` (a plugin) uses now and closes the connections of every client no
   * owner uses any more: a changed URL, Service or caBundle replaces its client.
   */
  retain(owner: string, configs: Iterable<WebhookClientConfig>): void {
    const keys = new Set<string>();
    for (const c of configs) keys.add(clientKey(c));
    this.owners.set(owner, keys);
    const inUse = new Set([...this.owners.values()].flatMap((k) => [...k]));
    for (const key of [...this.clients.keys()]) if (!inUse.has(key)) this.evict(key);
  }

  /** The URL a call with this timeout goes to, and how kube's messages name it. */
  requestUrl(config: WebhookClientConfig, timeoutMs: number): { url: URL; text: string } {
    const client = this.client(config);
    const query = timeoutMs > 0 ? `?timeout=${goSeconds(Math.ceil(timeoutMs / 1000))}` : '';
    const url = new URL(client.base);
    url.search = query;
    return { url, text: `${client.display}${query}` };
  }

  /**
   * POSTs the review and resolves with the answer's text (2xx); rejects with a WebhookCallFailure
   * worded as kube's `failed to call webhook: ...` goes on, or a WebhookClientConfigError.
   * `timeoutMs` ≤ 0 fails at once, as a call with an expired deadline does in kube.
   */
  async post(config: WebhookClientConfig, review: unknown, timeoutMs: number): Promise<string> {
    const client = this.client(config);
    const { url, text } = this.requestUrl(config, timeoutMs);
    const failed = (why: string) => new WebhookCallFailure(`Post ${JSON.stringify(text)}: ${why}`, 503);
    if (timeoutMs <= 0) throw failed('context deadline exceeded');
    const signal = AbortSignal.timeout(timeoutMs);
    const payload = JSON.stringify(review);
    for (let attempt = 0; ; attempt++) {
      let connectTo: ServiceEndpoint | undefined;
      let dialAddress = url.port ? url.host : `${url.host}:443`;
      let res: HttpsPostResponse;
      try {
        if (client.service) {
          const resolver = this.options.serviceResolver;
          if (!resolver) throw new Error(`no resolver is configured for service ${JSON.stringify(client.service.name)}`);
          const s = client.service;
          connectTo = await bounded(resolver.resolveEndpoint(s.namespace, s.name, s.port), signal);
          dialAddress = joinHostPort(connectTo.host, connectTo.port);
        }
        res = await httpsPost(url, payload, {
          agent: client.agent,
          connectTo,
          signal,
          maxResponseBytes: MAX_RESPONSE_BYTES,
          headers: { Host: client.host, 'Content-Type': 'application/json', Accept: 'application/json, */*', 'User-Agent': 'kube-apiserver-admission' },
        });
      } catch (err) {
        throw failed(transportErrorText(signal.aborted ? signal.reason : err, dialAddress));
      }
      if (res.statusCode >= 200 && res.statusCode <= 206) {
        if (res.body.length === 0) {
          throw new WebhookCallFailure(`0-length response with status code: ${res.statusCode} and content type: ${res.headers['content-type'] ?? ''}`, 503);
        }
        return res.body.toString('utf8');
      }
      const wait = retryAfterSeconds(res);
      if (wait === undefined || attempt >= MAX_RETRIES) throw answerFailure(res);
      try {
        await sleep(Math.max(0, wait) * 1000, signal);
      } catch {
        throw failed('context deadline exceeded');
      }
    }
  }

  /** Closes every kept-alive connection. */
  close(): void {
    for (const key of [...this.clients.keys()]) this.evict(key);
  }
}
