import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyId } from '@kapi/authentication';
import { issuerDocuments } from './issuer-discovery.js';

describe('issuerDocuments', () => {
  it('publishes every verification key with its kid, and the algorithms they sign with', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kapi-jwks-'));
    try {
      const current = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const previous = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      writeFileSync(join(dir, 'current.pub'), current.publicKey.export({ type: 'spki', format: 'pem' }));
      writeFileSync(join(dir, 'previous.key'), previous.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const docs = issuerDocuments([join(dir, 'current.pub'), join(dir, 'previous.key')]);
      const jwks = docs.jwks as { keys: Record<string, string>[] };
      assert.deepEqual(
        jwks.keys.map((k) => [k.kid, k.alg, k.kty, k.use]),
        [
          [keyId(current.publicKey), 'RS256', 'RSA', 'sig'],
          [keyId(previous.publicKey), 'ES256', 'EC', 'sig'],
        ],
      );
      // Only public material is published.
      assert.ok(jwks.keys.every((k) => !('d' in k)));
      assert.deepEqual(docs.configuration, {
        issuer: 'https://kubernetes.default.svc.cluster.local',
        jwks_uri: 'https://kubernetes.default.svc.cluster.local/openid/v1/jwks',
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256', 'RS256'],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
