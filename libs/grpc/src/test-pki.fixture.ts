// A services PKI for this package's tests, issued once per test process by the local stack's PKI
// (the same openssl issuer `npm run up` uses): credentials of every identity, and a user's
// certificate from the other CA, which must never pass as a service.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensurePki, servingSubjectAltNames, type PkiFiles } from '@kapi/local-stack';
import { ServiceCredentials, type Identity } from './identity.js';

export interface TestPki {
  files: PkiFiles;
  credentials(identity: Identity): ServiceCredentials;
  remove(): void;
}

export function createTestPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-grpc-pki-'));
  const { files } = ensurePki(dir, servingSubjectAltNames([]));
  return {
    files,
    credentials: (identity) =>
      ServiceCredentials.fromFiles({ caFile: files.servicesCaCert, certFile: files.identities[identity].cert, keyFile: files.identities[identity].key }),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
