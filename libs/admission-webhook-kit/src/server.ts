// The HTTPS server of a webhook service: several webhooks on their paths, health endpoints for the
// kubelet's probes, kube-apiserver's `?timeout=` honoured, a bound on the body, the certificate
// reloaded when its files change, and a graceful close.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseGoDuration } from './duration.js';
import { DEFAULT_TLS_RELOAD_INTERVAL_MS, readKeyPair, watchKeyPair, type TlsFiles } from './tls-files.js';
import { answer, statusReply, type Reply, type Webhook } from './webhook.js';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface WebhookServerOptions {
  /** The webhooks by path, e.g. `{ '/validate-owner': validating(...), '/mutate-requests': mutating(...) }`. */
  webhooks: Record<string, Webhook>;
  tls: TlsFiles & {
    /** How often the files are read for a renewed certificate (10 s unless given). */
    reloadIntervalMs?: number;
  };
  /** 0.0.0.0 unless given. */
  host?: string;
  /** 8443 unless given; 0 picks a free port (see `address()` after `listen()`). */
  port?: number;
  /**
   * The largest body read. 7 MiB unless given: a review holds the object and the old object, each up
   * to kube-apiserver's 3 MiB request limit, and the request around them.
   */
  maxBodyBytes?: number;
  /** How long a handler may take when the caller sends no `?timeout=` (kube-apiserver always does): 10 s, kube's default. */
  defaultTimeoutMs?: number;
  /** How long `close()` lets requests in flight finish: 10 s unless given. */
  shutdownGraceMs?: number;
  /** JSON lines on stderr unless given. */
  logger?: Logger;
}

export const DEFAULT_PORT = 8443;
export const DEFAULT_MAX_BODY_BYTES = 7 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 10_000;
/** kube-apiserver's largest timeoutSeconds: a `?timeout=` beyond it is taken as this. */
export const MAX_TIMEOUT_MS = 30_000;
/** Answered on every path below; a webhook cannot be mounted there. */
export const HEALTH_PATHS = ['/healthz', '/livez', '/readyz'] as const;

/**
 * Longer than Go's idle-connection timeout (90 s), which kube-apiserver's webhook client keeps
 * connections alive with, so that the client rather than this server closes an idle connection: a
 * server closing it while the client sends a review would fail that call.
 */
const KEEP_ALIVE_TIMEOUT_MS = 120_000;

export class WebhookServer {
  private readonly server: Server;
  private readonly webhooks: Map<string, Webhook>;
  private readonly logger: Logger;
  private readonly maxBodyBytes: number;
  private readonly defaultTimeoutMs: number;
  private readonly inFlight = new Set<AbortController>();
  private stopWatching: (() => void) | undefined;
  private closing = false;

  constructor(private readonly options: WebhookServerOptions) {
    this.logger = options.logger ?? jsonLogger;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.webhooks = new Map();
    for (const [path, webhook] of Object.entries(options.webhooks)) {
      if (!path.startsWith('/')) throw new Error(`webhook path ${JSON.stringify(path)} must start with "/"`);
      if ((HEALTH_PATHS as readonly string[]).includes(path)) throw new Error(`webhook path ${path} is the server's health endpoint`);
      if (webhook?.type !== 'validating' && webhook?.type !== 'mutating') throw new Error(`webhook at ${path} must be made with validating() or mutating()`);
      this.webhooks.set(path, webhook);
    }
    const pair = readKeyPair(options.tls);
    this.server = createServer({ ...pair, minVersion: 'TLSv1.2' }, (req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    this.server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 5_000;
    this.server.on('tlsClientError', () => undefined);
    this.stopWatching = watchKeyPair(options.tls, pair, {
      intervalMs: options.tls.reloadIntervalMs ?? DEFAULT_TLS_RELOAD_INTERVAL_MS,
      onChange: (next) => {
        this.server.setSecureContext({ ...next, minVersion: 'TLSv1.2' });
        this.logger.info('serving a renewed certificate', { certFile: options.tls.certFile });
      },
      onError: (error) => this.logger.error('cannot use the certificate files; still serving the previous certificate', { error: error.message }),
    });
  }

  /** Starts listening; resolves with the address bound. */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? DEFAULT_PORT, this.options.host ?? '0.0.0.0', () => {
        this.server.off('error', reject);
        const address = this.address();
        this.logger.info('serving admission webhooks', { address: `${address.address}:${address.port}`, paths: [...this.webhooks.keys()] });
        resolve(address);
      });
    });
  }

  address(): AddressInfo {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the webhook server is not listening');
    return address;
  }

  /**
   * Stops: /readyz fails at once, no new connection is accepted, requests in flight may finish within
   * the grace period, then whatever remains is aborted.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.stopWatching?.();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const grace = new Promise<void>((resolve) => setTimeout(resolve, this.options.shutdownGraceMs ?? 10_000).unref());
    await Promise.race([closed, grace]);
    for (const controller of this.inFlight) controller.abort(new Error('the webhook server is shutting down'));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'https://webhook.invalid');
      if ((HEALTH_PATHS as readonly string[]).includes(url.pathname)) return this.health(url.pathname, req, res);
      const webhook = this.webhooks.get(url.pathname);
      if (!webhook) return send(res, statusReply(404, `no webhook is served at ${url.pathname}`));
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        return send(res, statusReply(405, `${req.method} is not allowed: send an AdmissionReview with POST`));
      }
      const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
      if (contentType !== 'application/json') {
        return send(res, statusReply(415, `unsupported media type ${JSON.stringify(contentType)}: an AdmissionReview is sent as application/json`));
      }
      const timeoutMs = this.timeoutOf(url);
      if (timeoutMs === undefined) return send(res, statusReply(400, `invalid timeout ${JSON.stringify(url.searchParams.get('timeout'))}: expected a duration such as 10s`));
      const body = await readBody(req, this.maxBodyBytes);
      if (body === undefined) {
        res.setHeader('Connection', 'close');
        return send(res, statusReply(413, `the request body is larger than ${this.maxBodyBytes} bytes`));
      }
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error(`${timeoutMs} ms passed`)), timeoutMs);
      const onGone = () => controller.abort(new Error('the caller closed the connection'));
      res.once('close', onGone);
      this.inFlight.add(controller);
      try {
        const reply = await answer(webhook, body, controller.signal);
        if (reply.problem) this.logger.error('admission review failed', { path: url.pathname, uid: reply.uid, status: reply.statusCode, problem: reply.problem });
        // While closing, a kept-alive connection ends with this answer: the caller's next review opens a new one elsewhere.
        if (this.closing) res.setHeader('Connection', 'close');
        send(res, reply);
      } finally {
        clearTimeout(timer);
        res.off('close', onGone);
        this.inFlight.delete(controller);
      }
    } catch (error) {
      // Reading the body failed (the caller went away, say): nobody is left to answer.
      this.logger.error('request failed', { error: (error as Error).message });
      if (!res.headersSent && !res.destroyed) send(res, statusReply(500, (error as Error).message));
    }
  }

  private health(path: string, req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, statusReply(405, `${req.method} is not allowed on ${path}`));
    }
    const ready = !(path === '/readyz' && this.closing);
    res.writeHead(ready ? 200 : 503, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(ready ? 'ok' : 'shutting down');
  }

  /** The handler's budget: the caller's `?timeout=` (a Go duration, at most kube's 30 s), or the default. */
  private timeoutOf(url: URL): number | undefined {
    const raw = url.searchParams.get('timeout');
    if (raw === null) return this.defaultTimeoutMs;
    const ms = parseGoDuration(raw);
    if (ms === undefined || ms <= 0) return undefined;
    return Math.min(ms, MAX_TIMEOUT_MS);
  }
}

export function createWebhookServer(options: WebhookServerOptions): WebhookServer {
  return new WebhookServer(options);
}

/** The body, or undefined once it exceeds `limit` (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.statusCode, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(reply.body) });
  res.end(reply.body);
}

const jsonLogger: Logger = {
  info: (message, fields) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', message, ...fields })}\n`),
  error: (message, fields) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', message, ...fields })}\n`),
};
