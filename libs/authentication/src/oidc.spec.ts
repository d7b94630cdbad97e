import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { AuthenticationFailed } from './authenticator.js';
import { publicJwk, signJwt } from './jws.js';
import { oidcAuthenticator, type OidcOptions } from './oidc.js';

const ISSUER = 'https://idp.example';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const rogue = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** A fake issuer: its documents, the keys it publishes (changeable) and how often it was asked. */
function issuer(published: KeyObject[]) {
  const fetched: string[] = [];
  const state = { published, clock: Date.now() };
  const fetchJson = async (url: string) => {
    fetched.push(url);
    if (url === `${ISSUER}/.well-known/openid-configuration`) return { issuer: ISSUER, jwks_uri: `${ISSUER}/keys` };
    if (url === `${ISSUER}/keys`) return { keys: state.published.map((k) => ({ ...publicJwk(k), kid: `kid-${state.published.indexOf(k)}-${k.asymmetricKeyType}` })) };
    throw new Error(`unexpected ${url}`);
  };
  return { fetched, state, fetchJson };
}

function authenticator(fetchJson: OidcOptions['fetchJson'], clock: () => number, more: Partial<OidcOptions> = {}) {
  return oidcAuthenticator({
    issuerUrl: ISSUER,
    clientId: 'kapi',
    usernameClaim: 'sub',
    usernamePrefix: `${ISSUER}#`,
    groupsClaim: 'groups',
    groupsPrefix: 'oidc:',
    fetchJson,
    now: clock,
    ...more,
  });
}

const claims = (more: Record<string, unknown> = {}) => ({ iss: ISSUER, sub: 'jane', aud: 'kapi', exp: Math.floor(Date.now() / 1000) + 600, groups: ['dev', 'ops'], ...more });
const creds = (bearerToken: string) => ({ clientCertificates: [], bearerToken });
const failsWith = (p: Promise<unknown>, re: RegExp) => assert.rejects(p, (err: unknown) => err instanceof AuthenticationFailed && err.authenticator === 'oidc' && re.test(err.message));

describe('oidcAuthenticator', () => {
  it('authenticates RS256 and ES256 ID tokens with the prefixed user name and groups', async () => {
    const idp = issuer([rsa.publicKey, ec.publicKey]);
    const auth = authenticator(idp.fetchJson, () => Date.now());
    const expected = { ok: true, user: { username: 'https://idp.example#jane', uid: '', groups: ['oidc:dev', 'oidc:ops'], extra: {} } };
    assert.deepEqual(await auth.authenticate(creds(signJwt(rsa.privateKey, claims(), 'kid-0-rsa'))), expected);
    assert.deepEqual(await auth.authenticate(creds(signJwt(ec.privateKey, claims(), 'kid-1-ec'))), expected);
    // The keys were fetched once: discovery, then the JWKS.
    assert.deepEqual(idp.fetched, [`${ISSUER}/.well-known/openid-configuration`, `${ISSUER}/keys`]);
  });

  it('reads the user name from another claim, and a single group as a string', async () => {
    const auth = authenticator(issuer([rsa.publicKey]).fetchJson, () => Date.now(), { usernameClaim: 'email', usernamePrefix: '', groupsPrefix: '' });
    const result = await auth.authenticate(creds(signJwt(rsa.privateKey, claims({ email: 'jane@example.com', email_verified: true, groups: 'admins' }), 'kid-0-rsa')));
    assert.deepEqual(result, { ok: true, user: { username: 'jane@example.com', uid: '', groups: ['admins'], extra: {} } });
    await failsWith(auth.authenticate(creds(signJwt(rsa.privateKey, claims({ email: 'j@x', email_verified: false }), 'kid-0-rsa'))), /^oidc: email not verified$/);
    await failsWith(auth.authenticate(creds(signJwt(rsa.privateKey, claims(), 'kid-0-rsa'))), /claim not present/);
  });

  it('leaves tokens of other issuers and non-JWTs to other authenticators, without fetching', async () => {
    const idp = issuer([rsa.publicKey]);
    const auth = authenticator(idp.fetchJson, () => Date.now());
    assert.deepEqual(await auth.authenticate(creds(signJwt(rsa.privateKey, claims({ iss: 'https://kubernetes.default.svc.cluster.local' })))), { ok: false });
    assert.deepEqual(await auth.authenticate(creds('static-token')), { ok: false });
    assert.deepEqual(idp.fetched, []);
  });

  it('fails an expired, not yet valid, wrong-audience or wrongly signed token', async () => {
    const auth = authenticator(issuer([rsa.publicKey]).fetchJson, () => Date.now());
    const now = Math.floor(Date.now() / 1000);
    await failsWith(auth.authenticate(creds(signJwt(rsa.privateKey, claims({ exp: now - 10 }), 'kid-0-rsa'))), /^oidc: verify token: oidc: token is expired/);
    await failsWith(auth.authenticate(creds(signJwt(rsa.privateKey, claims({ nbf: now + 3600 }), 'kid-0-rsa'))), /before the nbf/);
    await failsWith(auth.authenticate(creds(signJwt(rsa.privateKey, claims({ aud: ['other'] }), 'kid-0-rsa'))), /expected audience "kapi" got \["other"\]/);
    await failsWith(auth.authenticate(creds(signJwt(rogue.privateKey, claims(), 'kid-0-rsa'))), /failed to verify signature/);
    await failsWith(auth.authenticate(creds(signJwt(rsa.privateKey, claims({ exp: undefined }), 'kid-0-rsa'))), /missing exp/);
  });

  it('refetches the keys for an unknown key id, at most once per interval', async () => {
    const idp = issuer([rsa.publicKey]);
    let clock = Date.now();
    const auth = authenticator(idp.fetchJson, () => clock, { refetchIntervalMs: 10_000 });
    assert.equal((await auth.authenticate(creds(signJwt(rsa.privateKey, claims(), 'kid-0-rsa')))).ok, true);
    assert.equal(idp.fetched.length, 2);
    // The issuer rotates: a new key appears.
    idp.state.published = [rsa.publicKey, ec.publicKey];
    const rotated = signJwt(ec.privateKey, claims(), 'kid-1-ec');
    // Within the interval the unknown key id does not cause a fetch.
    await failsWith(auth.authenticate(creds(rotated)), /failed to verify signature/);
    assert.equal(idp.fetched.length, 2);
    clock += 10_000;
    assert.equal((await auth.authenticate(creds(rotated))).ok, true);
    assert.equal(idp.fetched.length, 4);
    // A known key id never refetches.
    clock += 60_000;
    assert.equal((await auth.authenticate(creds(rotated))).ok, true);
    assert.equal(idp.fetched.length, 4);
  });

  it('is not initialized while the issuer cannot be reached, and recovers after the interval', async () => {
    const idp = issuer([rsa.publicKey]);
    let up = false;
    let clock = Date.now();
    const auth = authenticator(async (url) => {
      if (!up) throw new Error('connect ECONNREFUSED');
      return idp.fetchJson(url);
    }, () => clock);
    const token = signJwt(rsa.privateKey, claims(), 'kid-0-rsa');
    await failsWith(auth.authenticate(creds(token)), /^oidc: authenticator not initialized: connect ECONNREFUSED$/);
    up = true;
    await failsWith(auth.authenticate(creds(token)), /^oidc: authenticator not initialized$/);
    clock += 10_000;
    assert.equal((await auth.authenticate(creds(token))).ok, true);
  });

  it('refuses a discovery document of another issuer', async () => {
    const auth = authenticator(async () => ({ issuer: 'https://evil.example', jwks_uri: 'https://evil.example/keys' }), () => Date.now());
    await failsWith(auth.authenticate(creds(signJwt(rsa.privateKey, claims()))), /issuer did not match/);
  });
});
