// A NATS server for this package's tests as the local stack runs it: mutual TLS with the services
// CA, and kapi's users mapped from client certificates (NATS_USERS). `endpoint(identity)` is how a
// process with that identity reaches it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ServiceCredentials, type Identity } from '@kapi/grpc';
import { ensurePki, freePort, servingSubjectAltNames, startNats, type NatsHandle, type PkiFiles } from '@kapi/local-stack';
import { natsEndpoint, type NatsEndpoint } from './jetstream-bus.js';

export interface SecuredNats {
  nats: NatsHandle;
  pki: PkiFiles;
  credentials(identity: Identity): ServiceCredentials;
  endpoint(identity: Identity): NatsEndpoint;
  stop(): Promise<void>;
}

export async function startSecuredNats(): Promise<SecuredNats> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-bus-'));
  const { files } = ensurePki(path.join(dir, 'pki'), servingSubjectAltNames([]));
  const nats = await startNats({
    storeDir: path.join(dir, 'js'),
    port: await freePort(),
    monitorPort: await freePort(),
    tls: { certFile: files.identities.nats.cert, keyFile: files.identities.nats.key, caFile: files.servicesCaCert },
  });
  const credentials = (identity: Identity) =>
    ServiceCredentials.fromFiles({ caFile: files.servicesCaCert, certFile: files.identities[identity].cert, keyFile: files.identities[identity].key });
  return {
    nats,
    pki: files,
    credentials,
    endpoint: (identity) => natsEndpoint(nats.url, credentials(identity)),
    stop: async () => {
      await nats.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
