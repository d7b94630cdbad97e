// Who a process is, between kapi's services: one certificate per identity, issued by the services
// CA, a CA of its own apart from the one that signs users' client certificates (as kube keeps its
// front-proxy CA apart), so a user's certificate never passes as a service. The identity is the
// certificate's common name, as kube-apiserver's --requestheader-allowed-names reads a front
// proxy's. Replicas share their service's identity; their addresses vary, so a client checks the
// identity a server's certificate names rather than the host name it dialled.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import type { ConnectionOptions, PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { ServiceTlsFiles } from '@kapi/config';

/** The services, each of which serves or calls over gRPC with a certificate of its own. */
export const SERVICE_IDENTITIES = ['aggregator', 'authn', 'authz', 'admission', 'registry', 'watch-cache'] as const;
export type ServiceIdentity = (typeof SERVICE_IDENTITIES)[number];
/** What `npm run status` and an operator's tools probe Health as. */
export const OPERATOR_IDENTITY = 'operator';
/** The NATS server's identity, which the registry and the watch-caches check when they connect. */
export const NATS_IDENTITY = 'nats';
/** Every identity the services CA issues a certificate for. */
export const IDENTITIES = [...SERVICE_IDENTITIES, OPERATOR_IDENTITY, NATS_IDENTITY] as const;
export type Identity = (typeof IDENTITIES)[number];

/** The identity a certificate names (its common name), or undefined when it names none. */
export function identityOf(certificate: X509Certificate | Buffer | string): string | undefined {
  const cert = certificate instanceof X509Certificate ? certificate : new X509Certificate(certificate);
  for (const line of cert.subject.split('\n')) {
    if (line.startsWith('CN=')) return line.slice(3);
  }
  return undefined;
}

/**
 * A TLS `checkServerIdentity` that accepts exactly the server whose certificate names `expected`;
 * the chain to the services CA is verified by TLS itself before this is asked.
 */
export function expectIdentity(expected: string): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host, cert) => {
    const found = cert.raw ? identityOf(cert.raw) : undefined;
    if (found === expected) return undefined;
    return Object.assign(new Error(`the server's certificate names ${found === undefined ? 'no identity' : `the identity ${JSON.stringify(found)}`}, not ${JSON.stringify(expected)}`), {
      code: 'ERR_KAPI_PEER_IDENTITY',
    });
  };
}

export class TrustError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrustError';
  }
}

/**
 * This process's credentials among the services: its certificate and key, and the services CA every
 * peer is checked against. Channel credentials are made once per peer, so every client of the same
 * neighbour shares its connections (grpc-js pools subchannels by equal credentials) and a TLS
 * handshake is paid once per connection, not per call.
 */
export class ServiceCredentials {
  private readonly channels = new Map<string, grpc.ChannelCredentials>();

  private constructor(
    readonly identity: string,
    readonly ca: Buffer,
    readonly cert: Buffer,
    readonly key: Buffer,
  ) {}

  /** Reads and checks the files; refuses in one line a file that is missing, a pair that does not match or a certificate the CA did not issue. */
  static fromFiles(files: ServiceTlsFiles): ServiceCredentials {
    const read = (file: string, what: string) => {
      try {
        return fs.readFileSync(file);
      } catch (err) {
        throw new TrustError(`cannot read the ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    };
    return ServiceCredentials.fromPem(read(files.caFile, 'services CA'), read(files.certFile, 'service certificate'), read(files.keyFile, 'service key'), files.certFile);
  }

  static fromPem(ca: Buffer, cert: Buffer, key: Buffer, source = 'the service certificate'): ServiceCredentials {
    let parsed: X509Certificate;
    let authority: X509Certificate;
    try {
      parsed = new X509Certificate(cert);
      authority = new X509Certificate(ca);
    } catch (err) {
      throw new TrustError(`${source} is not a PEM certificate: ${(err as Error).message}`);
    }
    if (!parsed.checkPrivateKey(createPrivateKey(key))) throw new TrustError(`${source} does not match its key`);
    if (!parsed.checkIssued(authority) || !parsed.verify(authority.publicKey)) throw new TrustError(`${source} is not issued by the services CA`);
    const identity = identityOf(parsed);
    if (!identity) throw new TrustError(`${source} names no identity (it has no common name)`);
    return new ServiceCredentials(identity, ca, cert, key);
  }

  /** Credentials for channels to `peer`: its certificate must chain to the services CA and name `peer`. */
  channelTo(peer: string): grpc.ChannelCredentials {
    let credentials = this.channels.get(peer);
    if (!credentials) {
      credentials = grpc.credentials.createSsl(this.ca, this.key, this.cert, { checkServerIdentity: expectIdentity(peer) });
      this.channels.set(peer, credentials);
    }
    return credentials;
  }

  /** Credentials for this process's gRPC server: a client without a certificate from the services CA fails the handshake. */
  server(): grpc.ServerCredentials {
    return grpc.ServerCredentials.createSsl(this.ca, [{ cert_chain: this.cert, private_key: this.key }], true);
  }

  /** Node TLS options to reach `peer` over anything else (NATS), with the same checks as channelTo. */
  tlsTo(peer: string): ConnectionOptions {
    return { ca: this.ca, cert: this.cert, key: this.key, checkServerIdentity: expectIdentity(peer) };
  }
}
