// kube's WithAuthentication: the authn service's union of authenticators is asked about the client
// certificate chain and the bearer token; no user is a 401 Status.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { unauthorized } from '@kapi/api-machinery';
import { unary } from '@kapi/grpc';
import type { authnV1 } from '@kapi/proto';
import type { FrontDoorHandler } from './front-door-chain.js';

/** The DER certificates the client presented, its own first. */
export function peerCertificates(req: IncomingMessage): Buffer[] {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return [];
  const chain: Buffer[] = [];
  let cert = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return chain;
}

export function bearerToken(req: IncomingMessage): string {
  const header = req.headers.authorization ?? '';
  const m = header.match(/^Bearer\s+(.+)$/i);
  return m ? m[1].trim() : '';
}

export function authenticationFilter(authn: authnV1.AuthenticationClient): FrontDoorHandler {
  return {
    name: 'authentication',
    async handle(request, next) {
      const reply = await unary('authn', 'Authenticate', authn.authenticate.bind(authn), {
        clientCertificates: peerCertificates(request.req),
        bearerToken: bearerToken(request.req),
        audiences: [],
      });
      if (!reply.authenticated || !reply.user) throw unauthorized();
      request.user = reply.user;
      return next();
    },
  };
}
