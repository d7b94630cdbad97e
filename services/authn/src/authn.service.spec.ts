import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAuthnConfig, loadAuthWebhookConfig, type ServiceConfig } from '@kapi/config';
import type { registryV1 } from '@kapi/proto';
import { buildAuthenticator } from './authn.service.js';

/** A PKI directory with an (empty) client CA bundle and a service-account key, and a token file. */
function withPki(fn: (config: ServiceConfig, dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kapi-authn-'));
    try {
      writeFileSync(join(dir, 'ca.crt'), '');
      writeFileSync(join(dir, 'sa.pub'), generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }));
      writeFileSync(join(dir, 'tokens.csv'), 'secret-token,jane,42,"dev,ops"\n');
      await fn({ pkiDir: dir, authWebhooks: loadAuthWebhookConfig({}) } as ServiceConfig, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const registry = {} as registryV1.RegistryClient;
const none = { clientCertificates: [], bearerToken: '' };

describe('buildAuthenticator', () => {
  it('makes a request without credentials anonymous by default', withPki(async (config) => {
    const result = await buildAuthenticator(config, registry, undefined, loadAuthnConfig(config.pkiDir, {})).authenticate(none);
    assert.deepEqual(result.ok && result.user.username, 'system:anonymous');
  }));

  it('leaves it unauthenticated with KAPI_ANONYMOUS_AUTH=false', withPki(async (config) => {
    const auth = buildAuthenticator(config, registry, undefined, loadAuthnConfig(config.pkiDir, { KAPI_ANONYMOUS_AUTH: 'false' }));
    assert.deepEqual(await auth.authenticate(none), { ok: false });
  }));

  it('authenticates the tokens of KAPI_TOKEN_AUTH_FILE, in system:authenticated', withPki(async (config, dir) => {
    const auth = buildAuthenticator(config, registry, undefined, loadAuthnConfig(config.pkiDir, { KAPI_TOKEN_AUTH_FILE: join(dir, 'tokens.csv') }));
    assert.deepEqual(await auth.authenticate({ clientCertificates: [], bearerToken: 'secret-token' }), {
      ok: true,
      audiences: ['https://kubernetes.default.svc.cluster.local'],
      user: { username: 'jane', uid: '42', groups: ['dev', 'ops', 'system:authenticated'], extra: {} },
    });
  }));

  it('does not consult bootstrap tokens unless KAPI_ENABLE_BOOTSTRAP_TOKEN_AUTH=true, as kube-apiserver', withPki(async (config) => {
    // The registry stand-in has no Get: a look-up would throw.
    const auth = buildAuthenticator(config, registry, undefined, loadAuthnConfig(config.pkiDir, {}));
    assert.deepEqual(await auth.authenticate({ clientCertificates: [], bearerToken: 'abcdef.0123456789abcdef' }), { ok: false });
    const enabled = buildAuthenticator(config, registry, undefined, loadAuthnConfig(config.pkiDir, { KAPI_ENABLE_BOOTSTRAP_TOKEN_AUTH: 'true' }));
    await assert.rejects(enabled.authenticate({ clientCertificates: [], bearerToken: 'abcdef.0123456789abcdef' }));
  }));

  it('refuses to start on a service-account key file without keys, as kube-apiserver', withPki(async (config, dir) => {
    writeFileSync(join(dir, 'empty.pub'), '');
    assert.throws(() => buildAuthenticator(config, registry, undefined, loadAuthnConfig(config.pkiDir, { KAPI_SERVICE_ACCOUNT_KEY_FILES: join(dir, 'empty.pub') })), {
      message: `failed to parse key file "${join(dir, 'empty.pub')}": data does not contain any valid RSA or ECDSA public keys (KAPI_SERVICE_ACCOUNT_KEY_FILES)`,
    });
  }));

  it('refuses to start on a malformed token file, naming file and line', withPki(async (config, dir) => {
    writeFileSync(join(dir, 'bad.csv'), 'a,b,c\nbroken\n');
    const env = { KAPI_TOKEN_AUTH_FILE: join(dir, 'bad.csv') };
    assert.throws(() => buildAuthenticator(config, registry, undefined, loadAuthnConfig(config.pkiDir, env)), {
      message: `token file '${join(dir, 'bad.csv')}' line 2: must have at least 3 columns (token, user name, user uid), found 1`,
    });
  }));
});
