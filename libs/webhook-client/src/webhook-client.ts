// The client both authentication and authorization webhooks use, as kube-apiserver's generic
// webhook does: a kubeconfig-format file names the server, the CA to trust it by and the client
// certificate the API server presents; each call is one JSON POST with a timeout, retried with
// exponential backoff only on transient failures (connection reset, 429, 500, 504, Retry-After).
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { httpsPost, type HttpsPostResponse } from './https-post.js';

export interface WebhookConnection {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  tlsServerName?: string;
  insecureSkipTlsVerify?: boolean;
}

interface Named<T> {
  name?: string;
  cluster?: T;
  user?: T;
  context?: T;
}

type Fields = Record<string, unknown>;

/** Reads a kubeconfig-format webhook configuration: the current context's cluster and user. */
export function loadWebhookKubeconfig(file: string): WebhookConnection {
  let doc: Fields;
  try {
    doc = (parseYaml(readFileSync(file, 'utf8')) ?? {}) as Fields;
  } catch (err) {
    throw new Error(`the webhook configuration ${file} cannot be read: ${(err as Error).message}`);
  }
  const base = dirname(file);
  const pick = (list: unknown, key: 'cluster' | 'user' | 'context', name: string | undefined): Fields | undefined => {
    const entries = (Array.isArray(list) ? list : []) as Named<Fields>[];
    if (name === undefined) return entries.length === 1 ? entries[0][key] : undefined;
    return entries.find((e) => e.name === name)?.[key];
  };
  const currentContext = typeof doc['current-context'] === 'string' && doc['current-context'] ? doc['current-context'] : undefined;
  const context = pick(doc.contexts, 'context', currentContext);
  const cluster = pick(doc.clusters, 'cluster', context?.cluster as string | undefined);
  const user = pick(doc.users, 'user', context?.user as string | undefined) ?? {};
  if (!cluster || typeof cluster.server !== 'string' || !cluster.server) {
    throw new Error(`the webhook configuration ${file} names no cluster server (invalid configuration: no configuration has been provided)`);
  }
  const material = (entry: Fields, dataKey: string, fileKey: string): Buffer | undefined => {
    if (typeof entry[dataKey] === 'string') return Buffer.from(entry[dataKey], 'base64');
    if (typeof entry[fileKey] !== 'string') return undefined;
    const path = resolve(base, entry[fileKey]);
    try {
      return readFileSync(path);
    } catch {
      throw new Error(`the webhook configuration ${file} names ${fileKey} ${path}, which cannot be read`);
    }
  };
  return {
    server: cluster.server,
    ca: material(cluster, 'certificate-authority-data', 'certificate-authority'),
    cert: material(user, 'client-certificate-data', 'client-certificate'),
    key: material(user, 'client-key-data', 'client-key'),
    token: typeof user.token === 'string' ? user.token : undefined,
    tlsServerName: typeof cluster['tls-server-name'] === 'string' ? cluster['tls-server-name'] : undefined,
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
  };
}

export interface Backoff {
  initialMs: number;
  factor: number;
  jitter: number;
  steps: number;
}

/** kube-apiserver's DefaultAuthWebhookRetryBackoff. */
export const DEFAULT_WEBHOOK_BACKOFF: Backoff = { initialMs: 500, factor: 1.5, jitter: 0.2, steps: 5 };
/** kube-apiserver gives its authentication and authorization webhooks 30 seconds. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 30_000;

/** One JSON POST to the webhook, resolving to the decoded answer. */
export type WebhookPost = (body: unknown) => Promise<unknown>;

export class WebhookError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}

export interface WebhookClientOptions {
  timeoutMs?: number;
  backoff?: Backoff;
  sleep?: (ms: number) => Promise<void>;
}

const RETRIABLE_CODES = new Set([429, 500, 504]);

/** A WebhookPost over HTTPS to the connection's server. */
export function webhookClient(connection: WebhookConnection, options: WebhookClientOptions = {}): WebhookPost {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  const backoff = options.backoff ?? DEFAULT_WEBHOOK_BACKOFF;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const url = new URL(connection.server);
  const agent = new Agent({
    keepAlive: true,
    ca: connection.ca,
    cert: connection.cert,
    key: connection.key,
    servername: connection.tlsServerName,
    rejectUnauthorized: !connection.insecureSkipTlsVerify,
  });
  const once = async (payload: string): Promise<unknown> => {
    const fail = (why: string, retriable: boolean) => new WebhookError(`Post ${JSON.stringify(url.href)}: ${why}`, retriable);
    let res: HttpsPostResponse;
    try {
      res = await httpsPost(url, payload, {
        agent,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...(connection.token ? { Authorization: `Bearer ${connection.token}` } : {}) },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.name === 'TimeoutError' || e.name === 'AbortError') throw fail(`the request timed out after ${timeoutMs / 1000}s`, false);
      throw fail(e.message, e.code === 'ECONNRESET');
    }
    const text = res.body.toString('utf8');
    if (res.statusCode < 200 || res.statusCode > 299) {
      const retriable = RETRIABLE_CODES.has(res.statusCode) || res.headers['retry-after'] !== undefined;
      throw fail(`the server responded with ${res.statusCode} ${res.statusMessage}`.trim() + (text ? `: ${text.slice(0, 512)}` : ''), retriable);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw fail('the server answered with a body that is not JSON', false);
    }
  };
  return (body) => {
    const payload = JSON.stringify(body);
    return withRetries(() => once(payload), backoff, sleep);
  };
}

/** Calls `attempt` until it succeeds, fails for good, or the backoff's steps are spent; retriable WebhookErrors are retried. */
export async function withRetries<T>(attempt: () => Promise<T>, backoff: Backoff, sleep: (ms: number) => Promise<void>): Promise<T> {
  let delay = backoff.initialMs;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof WebhookError) || !err.retriable || n >= backoff.steps) throw err;
    }
    await sleep(delay * (1 + Math.random() * backoff.jitter));
    delay *= backoff.factor;
  }
}

/** The webhook a kubeconfig-format file describes. */
export function webhookFromKubeconfig(file: string, options?: WebhookClientOptions): WebhookPost {
  return webhookClient(loadWebhookKubeconfig(file), options);
}
