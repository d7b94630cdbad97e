import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import type { PeerCertificate } from 'node:tls';
import { SERVICE_IDENTITY_NAMES } from '@kapi/local-stack';
import { IDENTITIES, expectIdentity, identityOf } from './identity.js';
import { createTestPki } from './test-pki.fixture.js';

const pki = createTestPki();
after(() => pki.remove());

describe('service identities', () => {
  it('are the ones the local stack issues a certificate for', () => {
    assert.deepEqual([...SERVICE_IDENTITY_NAMES].sort(), [...IDENTITIES].sort());
  });

  it("are read from a certificate's common name", () => {
    assert.equal(identityOf(fs.readFileSync(pki.files.identities['watch-cache'].cert)), 'watch-cache');
    assert.equal(identityOf(fs.readFileSync(pki.files.adminCert)), 'kubernetes-admin');
  });

  it("let a client accept exactly the server that names the identity it meant, whatever the host", () => {
    const peer = (file: string) => ({ raw: new X509Certificate(fs.readFileSync(file)).raw }) as PeerCertificate;
    assert.equal(expectIdentity('registry')('127.0.0.9', peer(pki.files.identities.registry.cert)), undefined);
    assert.match(String(expectIdentity('registry')('127.0.0.1', peer(pki.files.identities.authz.cert))), /names the identity "authz", not "registry"/);
  });
});
