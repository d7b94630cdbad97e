import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { AuthenticationFailed } from './authenticator.js';
import { DEFAULT_ISSUER, serviceAccountTokenAuthenticator, signServiceAccountToken } from './service-account-token.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const live = new Map<string, string>([['ServiceAccount/ns/bot', 'sa-uid'], ['Secret/ns/anchor', 'secret-uid']]);
const lookup = async (kind: string, ns: string, name: string) => {
  const uid = live.get(`${kind}/${ns}/${name}`);
  return uid ? { uid } : undefined;
};
const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'system:serviceaccount:ns:bot',
  aud: [DEFAULT_ISSUER],
  exp: Math.floor(Date.now() / 1000) + 600,
  'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'bot', uid: 'sa-uid' } },
  ...extra,
});
const auth = serviceAccountTokenAuthenticator({ publicKeyPem: publicPem, lookup });
const creds = (bearerToken: string) => ({ clientCertificates: [], bearerToken });
const fails = (token: string, why: RegExp) => assert.rejects(auth.authenticate(creds(token)), (err: unknown) => err instanceof AuthenticationFailed && why.test(err.message));

describe('service account tokens', () => {
  it('authenticate as the service account with its groups and credential id', async () => {
    const result = await auth.authenticate(creds(signServiceAccountToken(privatePem, claims())));
    assert.ok(result.ok);
    assert.equal(result.user.username, 'system:serviceaccount:ns:bot');
    assert.equal(result.user.uid, 'sa-uid');
    assert.deepEqual(result.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:ns']);
    assert.match(result.user.extra['authentication.kubernetes.io/credential-id'].values[0], /^JTI=[0-9a-f-]{36}$/);
  });

  it('are not this authenticator\'s when they are not JWTs or come from another issuer', async () => {
    assert.deepEqual(await auth.authenticate(creds('static-token')), { ok: false });
    assert.deepEqual(await auth.authenticate(creds(signServiceAccountToken(privatePem, { ...claims(), iss: 'https://oidc.example' }))), { ok: false });
  });

  it('fail on a wrong signature, expiry, audience, a replaced service account or a deleted bound object', async () => {
    await fails(signServiceAccountToken(other, claims()), /invalid signature/);
    await fails(signServiceAccountToken(privatePem, claims({ exp: Math.floor(Date.now() / 1000) - 1 })), /expired/);
    await fails(signServiceAccountToken(privatePem, claims({ aud: ['vault'] })), /audiences/);
    await fails(signServiceAccountToken(privatePem, claims({ 'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'bot', uid: 'old-uid' } } })), /no longer exists/);
    await fails(
      signServiceAccountToken(privatePem, claims({ 'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'bot', uid: 'sa-uid' }, secret: { name: 'gone', uid: 'x' } } })),
      /secret the token is bound to/,
    );
  });
});
