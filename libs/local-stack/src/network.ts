import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { StackError, describeError, oneLine } from './errors';

/** Client TLS material for talking to the kapi front doors (PEM contents, not paths). */
export interface TlsClientMaterial {
  ca: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface HttpResponse {
  status: number;
  body: string;
}

export interface WaitOptions {
  timeoutMs: number;
  /** How the awaited thing is called in error messages, e.g. `registry-0`. */
  label?: string;
  /** Stops polling early, e.g. because the process being waited for has exited. */
  signal?: AbortSignal;
  intervalMs?: number;
}

const RESPONSE_BODY_LIMIT = 64 * 1024;

/**
 * Asks the kernel for an unused port on `host`. Another process may grab it
 * before the caller binds, which is acceptable for tests that start right away.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error) =>
      reject(new StackError(`cannot allocate a free port on ${host}: ${describeError(error)}`)),
    );
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

/**
 * True when `host:port` can be bound right now. An address that does not exist
 * on this machine is reported as an error rather than "busy", because the fix
 * (configure another loopback address) differs from the fix for a busy port.
 */
export async function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
        resolve(false);
      } else if (error.code === 'EADDRNOTAVAIL') {
        reject(new StackError(`address ${host} is not available on this machine (needed for port ${port})`));
      } else {
        reject(new StackError(`cannot check port ${host}:${port}: ${describeError(error)}`));
      }
    });
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** Resolves once a TCP connection to host:port succeeds; rejects with a one-line StackError on timeout. */
export async function waitForTcpPort(host: string, port: number, options: WaitOptions): Promise<void> {
  const target = `${host}:${port}`;
  const label = options.label ? ` (${options.label})` : '';
  await poll(options, `${target}${label} to accept TCP connections`, async () => {
    await tcpConnect(host, port, Math.min(1000, options.timeoutMs));
  });
}

/**
 * Resolves once `url` answers `expectedStatus` (200 by default). Works for
 * http and https URLs; `tls` supplies the CA and optional client certificate.
 */
export async function waitForHttpsUrl(
  url: string,
  options: WaitOptions & { tls?: TlsClientMaterial; expectedStatus?: number },
): Promise<HttpResponse> {
  const expectedStatus = options.expectedStatus ?? 200;
  const label = options.label ? ` (${options.label})` : '';
  return poll(options, `${url}${label} to answer ${expectedStatus}`, async () => {
    const response = await httpGet(url, { tls: options.tls, timeoutMs: Math.min(3000, options.timeoutMs) });
    if (response.status !== expectedStatus) {
      throw new Error(`HTTP ${response.status}${response.body ? `: ${truncate(oneLine(response.body), 160)}` : ''}`);
    }
    return response;
  });
}

/** One GET request with a hard timeout and without connection reuse, so nothing keeps the event loop alive. */
export async function httpGet(
  url: string,
  options: { tls?: TlsClientMaterial; timeoutMs?: number } = {},
): Promise<HttpResponse> {
  return httpRequest(url, options);
}

/** One request (GET unless `method` says otherwise) with a hard timeout and without connection reuse. */
export async function httpRequest(
  url: string,
  options: { method?: string; body?: string; headers?: Record<string, string>; tls?: TlsClientMaterial; timeoutMs?: number } = {},
): Promise<HttpResponse> {
  const parsed = new URL(url);
  const timeoutMs = options.timeoutMs ?? 3000;
  return new Promise((resolve, reject) => {
    const requestOptions: https.RequestOptions = {
      method: options.method ?? 'GET',
      agent: false,
      timeout: timeoutMs,
      headers: { accept: 'application/json, */*', ...options.headers },
    };
    if (parsed.protocol === 'https:' && options.tls) {
      // SNI carries host names only; an IP address is verified against the certificate's IP SANs.
      if (net.isIP(parsed.hostname)) requestOptions.servername = '';
      requestOptions.ca = options.tls.ca;
      requestOptions.cert = options.tls.cert;
      requestOptions.key = options.tls.key;
    }
    const client = parsed.protocol === 'https:' ? https : http;
    const request = client.request(parsed, requestOptions, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < RESPONSE_BODY_LIMIT) {
          chunks.push(chunk);
          size += chunk.length;
        }
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(options.body);
  });
}

async function tcpConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`connect timed out after ${timeoutMs} ms`)));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

async function poll<T>(options: WaitOptions, what: string, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 150;
  let lastError = 'no attempt finished';
  for (;;) {
    if (options.signal?.aborted) {
      throw new StackError(`stopped waiting for ${what}: ${describeError(options.signal.reason)}`);
    }
    try {
      return await attempt();
    } catch (error) {
      lastError = describeError(error);
    }
    if (Date.now() >= deadline) {
      throw new StackError(`timed out after ${formatSeconds(options.timeoutMs)} waiting for ${what} (last error: ${lastError})`);
    }
    try {
      await sleep(Math.min(interval, Math.max(0, deadline - Date.now())), undefined, { signal: options.signal });
    } catch {
      // Abort surfaces through the check at the top of the loop with a clearer message.
    }
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
