// One JSON POST over HTTPS, the primitive every webhook client here is built on: the caller keeps
// the agent (and with it the kept-alive connections and the CA to verify by), may connect somewhere
// other than the URL's host (a Service's endpoint, named by its Service DNS name for TLS and the
// Host header), and gets the answer whole, whatever its status code, to judge as its protocol says.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { request, type Agent } from 'node:https';
import { isIP } from 'node:net';

export interface HttpsPostOptions {
  agent: Agent;
  headers?: OutgoingHttpHeaders;
  /** Ends the request (and the wait for its answer) when it fires. */
  signal?: AbortSignal;
  /**
   * Where to connect when it is not the URL's host, e.g. a Service's endpoint. The URL's host still
   * names the server: it is the Host header and the name its certificate must carry.
   */
  connectTo?: { host: string; port: number };
  /** An answer longer than this is refused (ResponseTooLargeError) rather than held in memory. */
  maxResponseBytes?: number;
}

export interface HttpsPostResponse {
  statusCode: number;
  statusMessage: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The server answered with more than `maxResponseBytes`. */
export class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the response body is larger than ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/** Resolves with any answer the server gives; rejects with the transport's error (see transportErrorText). */
export function httpsPost(url: URL, payload: string | Buffer, options: HttpsPostOptions): Promise<HttpsPostResponse> {
  const target = options.connectTo;
  const serverName = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise<HttpsPostResponse>((resolve, reject) => {
    const req = request(
      {
        protocol: 'https:',
        host: target?.host ?? serverName,
        port: target?.port ?? (url.port ? Number(url.port) : 443),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        agent: options.agent,
        // TLS carries no IP address as a server name; an IP is checked against the certificate's IP SANs.
        servername: isIP(serverName) ? undefined : serverName,
        headers: { Host: url.host, 'Content-Length': Buffer.byteLength(payload), ...options.headers },
        signal: options.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (options.maxResponseBytes !== undefined && size > options.maxResponseBytes) {
            res.destroy();
            reject(new ResponseTooLargeError(options.maxResponseBytes));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

const DIAL_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  ETIMEDOUT: 'i/o timeout',
  EADDRNOTAVAIL: 'connect: cannot assign requested address',
};

interface TlsPeer {
  subject?: { CN?: string };
  subjectaltname?: string;
}

/** Go's x509.HostnameError, from the certificate Node saw. */
function hostnameError(host: string, cert: TlsPeer | undefined): string {
  const sans = (cert?.subjectaltname ?? '').split(', ').filter(Boolean);
  const dns = sans.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4));
  const ips = sans.filter((s) => s.startsWith('IP Address:')).map((s) => s.slice(11));
  if (!sans.length && cert?.subject?.CN === host) return 'x509: certificate relies on legacy Common Name field, use SANs instead';
  if (isIP(host)) {
    if (!ips.length) return `x509: cannot validate certificate for ${host} because it doesn't contain any IP SANs`;
    return `x509: certificate is valid for ${ips.join(', ')}, not ${host}`;
  }
  if (!dns.length) return `x509: certificate is not valid for any names, but wanted to match ${host}`;
  return `x509: certificate is valid for ${dns.join(', ')}, not ${host}`;
}

/**
 * What went wrong with a POST before an answer came, in the words of Go's net/http and crypto/tls
 * (what kube-apiserver's clients print after `Post "<url>": `), from Node's error. `dialAddress`
 * is the host:port connected to.
 */
export function transportErrorText(err: unknown, dialAddress: string): string {
  const e = err as NodeJS.ErrnoException & { reason?: string; host?: string; cert?: TlsPeer };
  if (e instanceof ResponseTooLargeError) return e.message;
  const code = e?.code ?? '';
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || code === 'ABORT_ERR') return 'context deadline exceeded';
  if (code in DIAL_ERRORS) return `dial tcp ${dialAddress}: ${DIAL_ERRORS[code]}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `dial tcp: lookup ${dialAddress.replace(/:\d+$/, '')}: no such host`;
  if (UNKNOWN_AUTHORITY.has(code)) return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `tls: failed to verify certificate: ${hostnameError(e.host ?? '', e.cert)}`;
  if (code === 'ECONNRESET') return e.message === 'socket hang up' ? 'EOF' : `read tcp ${dialAddress}: read: connection reset by peer`;
  if (code.startsWith('ERR_SSL_') && /alert/i.test(code)) {
    const alert = code.replace(/^ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_/, '').toLowerCase().replace(/_/g, ' ');
    return `remote error: tls: ${alert}`;
  }
  return e?.message ?? String(err);
}
