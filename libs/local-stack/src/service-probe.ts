// The status probe of a backend service: its Health check over mutual TLS, as the operator identity
// (the one identity that may call Health and nothing else), checking that the server's certificate
// chains to the services CA and names the service that was meant.
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import type { PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { healthV1 } from '@kapi/proto';
import { describeError } from './errors';
import type { TlsClientMaterial } from './network';
import { pkiFiles } from './pki';
import type { StatePaths } from './state-dir';

/** The operator's certificate and key and the services CA from a state directory, or undefined before the PKI exists. */
export function operatorTlsMaterial(paths: StatePaths): TlsClientMaterial | undefined {
  const files = pkiFiles(paths.pkiDir);
  try {
    return { ca: fs.readFileSync(files.servicesCaCert), cert: fs.readFileSync(files.identities.operator.cert), key: fs.readFileSync(files.identities.operator.key) };
  } catch {
    return undefined;
  }
}

function expectService(service: string) {
  return (_host: string, cert: PeerCertificate): Error | undefined =>
    cert.raw && new X509Certificate(cert.raw).subject.split('\n').includes(`CN=${service}`) ? undefined : new Error(`the server's certificate does not name ${service}`);
}

/**
 * Asks the service at `address` for its Health. Answering is healthy (a service that is alive and
 * serves, as the kubelet's liveness would see it); whether it is ready is in the detail.
 */
export async function probeServiceHealth(address: string, service: string, tls: TlsClientMaterial, timeoutMs = 2000): Promise<{ healthy: boolean; detail: string }> {
  const pem = (value: string | Buffer | undefined) => (value === undefined ? null : Buffer.from(value));
  const credentials = grpc.credentials.createSsl(pem(tls.ca), pem(tls.key), pem(tls.cert), { checkServerIdentity: expectService(service) });
  const client = new healthV1.HealthClient(address, credentials, { 'grpc.ssl_target_name_override': service });
  try {
    const reply = await new Promise<healthV1.CheckReply>((resolve, reject) =>
      client.check({}, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res))),
    );
    const failing = reply.checks.filter((check) => !check.ok).map((check) => `${check.name}: ${check.message}`);
    return { healthy: true, detail: reply.ready ? 'ready' : `answering, not ready (${failing.join('; ') || 'not ready'})` };
  } catch (error) {
    const details = (error as grpc.ServiceError).details;
    return { healthy: false, detail: details || describeError(error) };
  } finally {
    client.close();
  }
}
