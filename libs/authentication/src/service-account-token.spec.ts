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
const auth = serviceAccountTokenAuthenticator({ verificationKeysPem: [publicPem], lookup });
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

  it('fail on a wrong signature, expiry, audience, a replaced service account or a deleted bound object, in kube\'s words', async () => {
    await fails(signServiceAccountToken(other, claims()), /^invalid signature$/);
    await fails(signServiceAccountToken(privatePem, claims({ exp: Math.floor(Date.now() / 1000) - 1 })), /^service account token has expired$/);
    await fails(signServiceAccountToken(privatePem, claims({ nbf: Math.floor(Date.now() / 1000) + 3600 })), /^service account token is not valid yet$/);
    await fails(
      signServiceAccountToken(privatePem, claims({ aud: ['vault', 'x'] })),
      /^token audiences \["vault" "x"\] is invalid for the target audiences \["https:\/\/kubernetes.default.svc.cluster.local"\]$/,
    );
    await fails(
      signServiceAccountToken(privatePem, claims({ 'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'bot', uid: 'old-uid' } } })),
      /^service account UID \(sa-uid\) does not match claim \(old-uid\)$/,
    );
    await fails(signServiceAccountToken(privatePem, claims({ 'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'gone', uid: 'x' } } })), /^serviceaccount "gone" not found$/);
    await fails(
      signServiceAccountToken(privatePem, claims({ 'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'bot', uid: 'sa-uid' }, secret: { name: 'gone', uid: 'x' } } })),
      /^service account token has been invalidated$/,
    );
    await fails(
      signServiceAccountToken(privatePem, claims({ 'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'bot', uid: 'sa-uid' }, secret: { name: 'anchor', uid: 'old' } } })),
      /^secret UID \(secret-uid\) does not match service account secret ref claim \(old\)$/,
    );
  });

  it('keep working for a minute after their service account or bound object started being deleted', async () => {
    const deletedAt = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();
    const bound = claims({ 'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'bot', uid: 'sa-uid' }, secret: { name: 'anchor', uid: 'secret-uid' } } });
    const withDeletion = (kind: string, secondsAgo: number) =>
      serviceAccountTokenAuthenticator({
        verificationKeysPem: [publicPem],
        lookup: async (k, ns, name) => {
          const found = await lookup(k, ns, name);
          return found && k === kind ? { ...found, deletionTimestamp: deletedAt(secondsAgo) } : found;
        },
      });
    const token = signServiceAccountToken(privatePem, bound);
    assert.equal((await withDeletion('Secret', 10).authenticate(creds(token))).ok, true);
    await assert.rejects(withDeletion('Secret', 120).authenticate(creds(token)), /^AuthenticationFailed: service account token has been invalidated$/);
    assert.equal((await withDeletion('ServiceAccount', 10).authenticate(creds(token))).ok, true);
    await assert.rejects(withDeletion('ServiceAccount', 120).authenticate(creds(token)), /^AuthenticationFailed: service account ns\/bot has been deleted$/);
  });
});

describe('service account tokens across a key rotation', () => {
  const newKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const newPrivate = newKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const newPublic = newKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();

  it('verifies a token with any listed key, and stops once its key is no longer listed', async () => {
    const oldToken = signServiceAccountToken(privatePem, claims());
    const newToken = signServiceAccountToken(newPrivate, claims());
    assert.equal(JSON.parse(Buffer.from(newToken.split('.')[0], 'base64url').toString()).alg, 'ES256');
    const both = serviceAccountTokenAuthenticator({ verificationKeysPem: [newPublic, publicPem], lookup });
    assert.equal((await both.authenticate(creds(oldToken))).ok, true);
    assert.equal((await both.authenticate(creds(newToken))).ok, true);
    const newOnly = serviceAccountTokenAuthenticator({ verificationKeysPem: [newPublic], lookup });
    assert.equal((await newOnly.authenticate(creds(newToken))).ok, true);
    await assert.rejects(newOnly.authenticate(creds(oldToken)), /invalid signature/);
  });

  it('reads every key of a file, private keys as their public half', async () => {
    const auth = serviceAccountTokenAuthenticator({ verificationKeysPem: [`${newPrivate}${publicPem}`], lookup });
    assert.equal((await auth.authenticate(creds(signServiceAccountToken(privatePem, claims())))).ok, true);
    assert.equal((await auth.authenticate(creds(signServiceAccountToken(newPrivate, claims())))).ok, true);
  });
});

describe('service account tokens and requested audiences', () => {
  it('answer the requested audiences the token names, and fail when it names none of them', async () => {
    const token = signServiceAccountToken(privatePem, claims({ aud: ['vault', DEFAULT_ISSUER] }));
    const result = await auth.authenticate({ clientCertificates: [], bearerToken: token, audiences: ['vault', 'other'] });
    assert.ok(result.ok);
    assert.deepEqual(result.audiences, ['vault']);
    const own = await auth.authenticate(creds(token));
    assert.deepEqual(own.ok && own.audiences, [DEFAULT_ISSUER]);
    await assert.rejects(auth.authenticate({ clientCertificates: [], bearerToken: token, audiences: ['other'] }), /audiences/);
  });

  it('name the pod a pod-bound token is bound to in the user\'s extra', async () => {
    live.set('Pod/ns/web-0', 'pod-uid');
    const token = signServiceAccountToken(privatePem, claims({ 'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'bot', uid: 'sa-uid' }, pod: { name: 'web-0', uid: 'pod-uid' } } }));
    const result = await auth.authenticate(creds(token));
    assert.ok(result.ok);
    assert.deepEqual(result.user.extra['authentication.kubernetes.io/pod-name'], { values: ['web-0'] });
    assert.deepEqual(result.user.extra['authentication.kubernetes.io/pod-uid'], { values: ['pod-uid'] });
    live.delete('Pod/ns/web-0');
    await assert.rejects(auth.authenticate(creds(token)), /service account token has been invalidated/);
  });
});
