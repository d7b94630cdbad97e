import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadAuthnConfig } from './index.js';

describe('loadAuthnConfig', () => {
  it('defaults to kube-apiserver\'s defaults and the stack\'s key pair', () => {
    assert.deepEqual(loadAuthnConfig('/pki', {}), {
      anonymousAuth: true,
      bootstrapTokenAuth: false,
      tokenAuthFile: '',
      serviceAccountKeyFiles: ['/pki/sa.pub'],
      serviceAccountSigningKeyFile: '/pki/sa.key',
      oidc: undefined,
    });
  });

  it('reads the anonymous and bootstrap-token switches, the token file and the service-account keys', () => {
    const config = loadAuthnConfig('/pki', {
      KAPI_ANONYMOUS_AUTH: 'false',
      KAPI_ENABLE_BOOTSTRAP_TOKEN_AUTH: 'true',
      KAPI_TOKEN_AUTH_FILE: '/etc/tokens.csv',
      KAPI_SERVICE_ACCOUNT_KEY_FILES: '/k/new.pub, /k/old.pub',
      KAPI_SERVICE_ACCOUNT_SIGNING_KEY_FILE: '/k/new.key',
    });
    assert.equal(config.anonymousAuth, false);
    assert.equal(config.bootstrapTokenAuth, true);
    assert.equal(config.tokenAuthFile, '/etc/tokens.csv');
    assert.deepEqual(config.serviceAccountKeyFiles, ['/k/new.pub', '/k/old.pub']);
    assert.equal(config.serviceAccountSigningKeyFile, '/k/new.key');
  });

  it('verifies with the signing key when no key files are listed, as kube-apiserver', () => {
    const config = loadAuthnConfig('/pki', { KAPI_SERVICE_ACCOUNT_SIGNING_KEY_FILE: '/k/new.key' });
    assert.deepEqual(config.serviceAccountKeyFiles, ['/k/new.key']);
    assert.equal(config.serviceAccountSigningKeyFile, '/k/new.key');
  });

  it('refuses a switch that is neither true nor false', () => {
    assert.throws(() => loadAuthnConfig('/pki', { KAPI_ANONYMOUS_AUTH: 'no' }), (err: unknown) => err instanceof ConfigError && err.message === 'KAPI_ANONYMOUS_AUTH="no" is not true or false');
  });

  it('prefixes OIDC user names with "<issuer>#" unless the claim is email or the prefix is "-"', () => {
    const base = { KAPI_OIDC_ISSUER_URL: 'https://idp.example', KAPI_OIDC_CLIENT_ID: 'kapi' };
    assert.deepEqual(loadAuthnConfig('/pki', base).oidc, {
      issuerUrl: 'https://idp.example',
      clientId: 'kapi',
      caFile: '',
      usernameClaim: 'sub',
      usernamePrefix: 'https://idp.example#',
      groupsClaim: '',
      groupsPrefix: '',
    });
    assert.equal(loadAuthnConfig('/pki', { ...base, KAPI_OIDC_USERNAME_CLAIM: 'email' }).oidc?.usernamePrefix, '');
    assert.equal(loadAuthnConfig('/pki', { ...base, KAPI_OIDC_USERNAME_PREFIX: '-' }).oidc?.usernamePrefix, '');
    assert.equal(loadAuthnConfig('/pki', { ...base, KAPI_OIDC_USERNAME_PREFIX: 'oidc:' }).oidc?.usernamePrefix, 'oidc:');
    const full = loadAuthnConfig('/pki', { ...base, KAPI_OIDC_CA_FILE: '/ca.crt', KAPI_OIDC_GROUPS_CLAIM: 'groups', KAPI_OIDC_GROUPS_PREFIX: 'oidc:' }).oidc;
    assert.deepEqual([full?.caFile, full?.groupsClaim, full?.groupsPrefix], ['/ca.crt', 'groups', 'oidc:']);
  });

  it('requires an https issuer and a client id', () => {
    assert.throws(() => loadAuthnConfig('/pki', { KAPI_OIDC_ISSUER_URL: 'http://idp', KAPI_OIDC_CLIENT_ID: 'x' }), /must be an https:\/\/ URL/);
    assert.throws(() => loadAuthnConfig('/pki', { KAPI_OIDC_ISSUER_URL: 'https://idp' }), /KAPI_OIDC_CLIENT_ID is not set/);
  });
});
