import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ANONYMOUS_USER,
  AUTHENTICATED_GROUP,
  AuthenticationFailed,
  UNAUTHENTICATED_GROUP,
  authenticatorFunc,
  unionAuthenticator,
  type Credentials,
  type User,
} from './authenticator.js';
import { anonymousAuthenticator } from './anonymous.js';

const none: Credentials = { clientCertificates: [], bearerToken: '' };
const withToken = (t: string): Credentials => ({ clientCertificates: [], bearerToken: t });
const user = (username: string, groups: string[] = []): User => ({ username, uid: '', groups, extra: {} });

/** A token authenticator that knows one token. */
const tokens = (known: Record<string, User>) =>
  authenticatorFunc('token', async ({ bearerToken }) => {
    if (!bearerToken) return { ok: false };
    const u = known[bearerToken];
    if (!u) throw new AuthenticationFailed('token', 'invalid bearer token');
    return { ok: true, user: { ...u, groups: [...u.groups] } };
  });

describe('well-known names', () => {
  it('match kube-apiserver', () => {
    assert.equal(ANONYMOUS_USER, 'system:anonymous');
    assert.equal(AUTHENTICATED_GROUP, 'system:authenticated');
    assert.equal(UNAUTHENTICATED_GROUP, 'system:unauthenticated');
  });
});

describe('AuthenticationFailed', () => {
  it('names the authenticator that refused the credential', () => {
    const err = new AuthenticationFailed('x509', 'bad cert');
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'AuthenticationFailed');
    assert.equal(err.authenticator, 'x509');
    assert.equal(err.message, 'bad cert');
  });
});

describe('anonymousAuthenticator', () => {
  it('makes a request without credentials system:anonymous in system:unauthenticated', async () => {
    assert.deepEqual(await anonymousAuthenticator.authenticate(none), { ok: true, user: user('system:anonymous', ['system:unauthenticated']) });
  });

  it('leaves requests that carry a credential alone', async () => {
    assert.deepEqual(await anonymousAuthenticator.authenticate(withToken('t')), { ok: false });
    assert.deepEqual(await anonymousAuthenticator.authenticate({ clientCertificates: [Buffer.from('x')], bearerToken: '' }), { ok: false });
  });
});

describe('unionAuthenticator', () => {
  const alice = user('alice', ['dev']);

  it('adds system:authenticated to an authenticated user', async () => {
    const union = unionAuthenticator([tokens({ t1: alice })]);
    assert.equal(union.name, 'union');
    assert.deepEqual(await union.authenticate(withToken('t1')), { ok: true, user: user('alice', ['dev', 'system:authenticated']) });
  });

  it('does not add system:authenticated twice', async () => {
    const union = unionAuthenticator([tokens({ t1: user('bob', ['system:authenticated', 'x']) })]);
    assert.deepEqual(await union.authenticate(withToken('t1')), { ok: true, user: user('bob', ['system:authenticated', 'x']) });
  });

  it('leaves the anonymous user unauthenticated', async () => {
    const union = unionAuthenticator([tokens({}), anonymousAuthenticator]);
    assert.deepEqual(await union.authenticate(none), { ok: true, user: user('system:anonymous', ['system:unauthenticated']) });
  });

  it('lets the first authenticator that recognises the request decide', async () => {
    const first = authenticatorFunc('first', async () => ({ ok: true, user: user('from-first') }));
    const second = authenticatorFunc('second', async () => ({ ok: true, user: user('from-second') }));
    const result = await unionAuthenticator([first, second]).authenticate(none);
    assert.equal(result.ok && result.user.username, 'from-first');
  });

  it('asks the next authenticator when one says "not mine"', async () => {
    const notMine = authenticatorFunc('x509', async () => ({ ok: false }));
    const result = await unionAuthenticator([notMine, tokens({ t1: alice })]).authenticate(withToken('t1'));
    assert.equal(result.ok && result.user.username, 'alice');
  });

  it('is not authenticated when nobody recognises the request', async () => {
    assert.deepEqual(await unionAuthenticator([tokens({})]).authenticate(none), { ok: false });
    assert.deepEqual(await unionAuthenticator([]).authenticate(none), { ok: false });
  });

  it('fails a bad credential when no authenticator accepts the request', async () => {
    await assert.rejects(unionAuthenticator([tokens({}), anonymousAuthenticator]).authenticate(withToken('nope')), AuthenticationFailed);
  });

  it('still authenticates with a later credential after an earlier authenticator failed, as kube\'s union does', async () => {
    const badCert = authenticatorFunc('x509', async () => {
      throw new AuthenticationFailed('x509', 'x509: certificate signed by unknown authority');
    });
    const result = await unionAuthenticator([badCert, tokens({ t1: alice })]).authenticate(withToken('t1'));
    assert.equal(result.ok && result.user.username, 'alice');
  });
});

describe('unionAuthenticator and audiences', () => {
  const api = 'https://kubernetes.default.svc.cluster.local';
  const alice = user('alice');

  it('gives an audience-agnostic credential the API server\'s audiences', async () => {
    const union = unionAuthenticator([tokens({ t1: alice })], [api]);
    const result = await union.authenticate(withToken('t1'));
    assert.ok(result.ok);
    assert.deepEqual(result.audiences, [api]);
    const asked = await union.authenticate({ ...withToken('t1'), audiences: ['vault', api] });
    assert.deepEqual(asked.ok && asked.audiences, [api]);
  });

  it('does not authenticate an audience-agnostic credential for other audiences', async () => {
    assert.deepEqual(await unionAuthenticator([tokens({ t1: alice })], [api]).authenticate({ ...withToken('t1'), audiences: ['vault'] }), { ok: false });
  });

  it('keeps the audiences an audience-aware authenticator answered', async () => {
    const aware = authenticatorFunc('aware', async (c) => ({ ok: true, user: user('bot'), audiences: c.audiences ?? [] }));
    const result = await unionAuthenticator([aware], [api]).authenticate({ ...withToken('x'), audiences: ['vault'] });
    assert.deepEqual(result.ok && result.audiences, ['vault']);
  });
});
