// A small HTTPS client for the tests, speaking to a webhook server as kube-apiserver does.
import { request, type Agent } from 'node:https';
import * as tls from 'node:tls';

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function post(url: string, body: string | Buffer, options: { ca: string; headers?: Record<string, string>; method?: string; agent?: Agent }): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'POST', ca: options.ca, agent: options.agent, headers: { 'Content-Type': 'application/json', ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The SHA-256 fingerprint of the certificate a TLS server at host:port presents, verified against `ca`. */
export function servedFingerprint(host: string, port: number, ca: string | string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, ca }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.on('error', reject);
  });
}
