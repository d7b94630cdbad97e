// Raw HTTPS to kapi's front doors with the admin client certificate: plain requests for writes and
// lists, and watch streams read line by line, as client-go reads them.
import * as https from 'node:https';
import type { TlsClientMaterial } from '@kapi/local-stack';

export interface Endpoint {
  /** `lb`, or the front door instance, e.g. `aggregator-0`. */
  name: string;
  /** e.g. https://127.0.0.1:6443 */
  url: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  text: string;
  /** The Retry-After header, when the answer had one. */
  retryAfter?: string;
}

export interface WatchLine {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: {
    code?: number;
    message?: string;
    metadata?: { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
    [k: string]: unknown;
  };
}

export interface WatchOutcome {
  /** The HTTP status; anything but 200 means the stream never started. */
  status: number;
  /** How the stream ended: `eof`, `aborted`, `error: …`, or the body of a non-200 answer. */
  end: string;
}

export interface WatchHandle {
  done: Promise<WatchOutcome>;
  abort(): void;
}

export class ApiClient {
  private readonly agents = new Map<string, https.Agent>();

  constructor(private readonly tls: TlsClientMaterial) {}

  private agent(endpoint: Endpoint): https.Agent {
    let agent = this.agents.get(endpoint.url);
    if (!agent) {
      agent = new https.Agent({ keepAlive: true, maxSockets: 16, ca: this.tls.ca, cert: this.tls.cert, key: this.tls.key });
      this.agents.set(endpoint.url, agent);
    }
    return agent;
  }

  /** One request; a transport failure or timeout resolves with status 0 instead of throwing. */
  request(endpoint: Endpoint, method: string, path: string, options: { body?: unknown; contentType?: string; timeoutMs?: number } = {}): Promise<ApiResponse> {
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    return new Promise((resolve) => {
      let settled = false;
      const settle = (response: ApiResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(response);
      };
      const req = https.request(new URL(path, endpoint.url), {
        method,
        agent: this.agent(endpoint),
        headers: {
          accept: 'application/json',
          ...(payload ? { 'content-type': options.contentType ?? 'application/json', 'content-length': payload.length } : {}),
        },
      });
      const timer = setTimeout(() => {
        req.destroy(new Error(`no answer within ${options.timeoutMs ?? 8000} ms`));
      }, options.timeoutMs ?? 8000);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON; keep the text
          }
          const retryAfter = res.headers['retry-after'];
          settle({ status: res.statusCode ?? 0, body, text, ...(retryAfter ? { retryAfter: String(retryAfter) } : {}) });
        });
        res.on('error', (err) => settle({ status: 0, body: undefined, text: `error: ${err.message}` }));
      });
      req.on('error', (err) => settle({ status: 0, body: undefined, text: `error: ${err.message}` }));
      req.end(payload);
    });
  }

  /** Opens a watch; `onLine` gets every JSON line until the stream ends or `abort` is called. */
  watch(endpoint: Endpoint, path: string, onLine: (line: WatchLine) => void): WatchHandle {
    let abort = () => undefined as void;
    const done = new Promise<WatchOutcome>((resolve) => {
      let settled = false;
      let status = 0;
      const settle = (end: string) => {
        if (settled) return;
        settled = true;
        resolve({ status, end });
      };
      // A connection of its own per watch, so the load balancer spreads watches like separate clients.
      const req = https.request(new URL(path, endpoint.url), {
        method: 'GET',
        agent: false,
        ca: this.tls.ca,
        cert: this.tls.cert,
        key: this.tls.key,
        headers: { accept: 'application/json' },
      });
      abort = () => {
        settle('aborted');
        req.destroy();
      };
      req.on('response', (res) => {
        status = res.statusCode ?? 0;
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (settled) return;
          buffered += chunk;
          if (status !== 200) return;
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (!line) continue;
            let parsed: WatchLine;
            try {
              parsed = JSON.parse(line) as WatchLine;
            } catch {
              settle(`error: a line that is not JSON: ${line.slice(0, 200)}`);
              req.destroy();
              return;
            }
            onLine(parsed);
            if (settled) return;
          }
        });
        res.on('end', () => settle(status === 200 ? (buffered.trim() ? `error: a partial last line: ${buffered.slice(0, 200)}` : 'eof') : buffered.slice(0, 300)));
        res.on('error', (err) => settle(`error: ${err.message}`));
        res.on('close', () => settle('error: the connection closed before the stream ended'));
      });
      req.on('error', (err) => settle(`error: ${err.message}`));
      req.end();
    });
    return { done, abort: () => abort() };
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
  }
}
