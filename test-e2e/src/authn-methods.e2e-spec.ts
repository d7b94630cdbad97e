// The authentication methods beyond client certificates, through real kubectl against one stack
// started with anonymous access off, bootstrap tokens on, a static token file, OIDC (against a real test issuer) and
// service-account keys in files the test rotates.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyId } from '@kapi/authentication';
import { anonymousGet, apiRequest, eventually, startTestStack, userlessKubeconfig, type TestStack } from './harness.js';
import { startOidcTestIssuer, type OidcTestIssuer } from './oidc-issuer.js';

const UNAUTHORIZED = 'error: You must be logged in to the server (Unauthorized)\n';

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(), kid: keyId(publicKey) };
}

describe('authentication methods', () => {
  let stack: TestStack;
  let oidc: OidcTestIssuer;
  let dir: string;
  /** A kubeconfig with the cluster and no user, for `kubectl --token`. */
  let bare: string;
  const keyA = keyPair();
  const keyB = keyPair();
  const keyOther = keyPair();

  const asToken = (token: string, args: string[], input?: string) => stack.kubectl(['--kubeconfig', bare, `--token=${token}`, ...args], { input });
  const whoami = async (token: string) => {
    const result = await asToken(token, ['auth', 'whoami', '-o', 'json']);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout).status.userInfo as { username: string; uid?: string; groups?: string[] };
  };
  const restart = async (...services: string[]) => {
    for (const p of stack.handle.processes.filter((p) => services.some((s) => p.instance.startsWith(`${s}-`)))) await stack.handle.restartInstance(p.instance);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kapi-authn-methods-'));
    writeFileSync(join(dir, 'tokens.csv'), ['jane-token,jane,1001,"dev,ops"', 'reviewer-token,reviewer,1002', ''].join('\n'));
    // Key rotation: A signs; `other.pub` holds a key of another signer that stays listed throughout.
    writeFileSync(join(dir, 'signing.key'), keyA.key);
    writeFileSync(join(dir, 'current.pub'), keyA.pub);
    writeFileSync(join(dir, 'other.pub'), keyOther.pub);
    oidc = await startOidcTestIssuer(dir, 'kapi');
    stack = await startTestStack({
      aggregatorReplicas: 1,
      env: {
        KAPI_ANONYMOUS_AUTH: 'false',
        KAPI_ENABLE_BOOTSTRAP_TOKEN_AUTH: 'true',
        KAPI_TOKEN_AUTH_FILE: join(dir, 'tokens.csv'),
        KAPI_SERVICE_ACCOUNT_KEY_FILES: `${join(dir, 'current.pub')},${join(dir, 'other.pub')}`,
        KAPI_SERVICE_ACCOUNT_SIGNING_KEY_FILE: join(dir, 'signing.key'),
        KAPI_OIDC_ISSUER_URL: oidc.url,
        KAPI_OIDC_CLIENT_ID: 'kapi',
        KAPI_OIDC_CA_FILE: oidc.caFile,
        KAPI_OIDC_GROUPS_CLAIM: 'groups',
        KAPI_OIDC_GROUPS_PREFIX: 'oidc:',
      },
    });
    bare = userlessKubeconfig(stack);
  });

  after(async () => {
    await stack?.stop();
    await oidc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 to a request without credentials when anonymous access is off, health and version included', async () => {
    for (const path of ['/healthz', '/version', '/api', '/api/v1/namespaces']) {
      const res = await anonymousGet(stack, path);
      assert.equal(res.code, 401, path);
      assert.deepEqual(JSON.parse(res.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
  });

  it('authenticates the tokens of the static token file', async () => {
    assert.deepEqual(await whoami('jane-token'), { username: 'jane', uid: '1001', groups: ['dev', 'ops', 'system:authenticated'] });
    assert.equal((await asToken('not-in-the-file', ['auth', 'whoami'])).stderr, UNAUTHORIZED);
  });

  it('answers TokenReviews for holders of system:auth-delegator, 201 with status.error for a bad token', async () => {
    const discovery = await stack.kubectl(['api-resources', '--api-group=authentication.k8s.io', '-o', 'name']);
    assert.match(discovery.stdout, /^tokenreviews\.authentication\.k8s\.io$/m);
    const review = (token: string, audiences?: string[]) =>
      JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } });

    // --raw sends the review as written and prints the server's answer whole.
    const TOKEN_REVIEWS = '/apis/authentication.k8s.io/v1/tokenreviews';
    const good = await stack.kubectl(['create', '--raw', TOKEN_REVIEWS, '-f', '-'], { input: review('jane-token') });
    assert.equal(good.code, 0, good.stderr);
    assert.deepEqual(JSON.parse(good.stdout).status, {
      authenticated: true,
      user: { username: 'jane', uid: '1001', groups: ['dev', 'ops', 'system:authenticated'] },
      audiences: ['https://kubernetes.default.svc.cluster.local'],
    });

    const bad = await apiRequest(stack, 'POST', TOKEN_REVIEWS, review('nope'));
    assert.equal(bad.code, 201);
    assert.deepEqual(JSON.parse(bad.body).status, { user: {}, error: 'invalid bearer token' });
    // A static token is good for the API server's audience only.
    const otherAudience = await apiRequest(stack, 'POST', TOKEN_REVIEWS, review('jane-token', ['vault']));
    assert.deepEqual(JSON.parse(otherAudience.body).status, { user: {}, error: 'invalid bearer token' });
    const noToken = await apiRequest(stack, 'POST', TOKEN_REVIEWS, review(''));
    assert.equal(noToken.code, 400);
    assert.equal(JSON.parse(noToken.body).message, 'token is required for TokenReview in authentication');
    // A service-account token is good for the audiences it names.
    await stack.kubectl(['create', 'namespace', 'reviews']);
    await stack.kubectl(['-n', 'reviews', 'create', 'serviceaccount', 'bot']);
    const vaultToken = (await stack.kubectl(['-n', 'reviews', 'create', 'token', 'bot', '--audience=vault'])).stdout.trim();
    const forVault = JSON.parse((await apiRequest(stack, 'POST', TOKEN_REVIEWS, review(vaultToken, ['vault', 'other']))).body).status;
    assert.equal(forVault.authenticated, true);
    assert.equal(forVault.user.username, 'system:serviceaccount:reviews:bot');
    assert.deepEqual(forVault.audiences, ['vault']);
    const forApi = JSON.parse((await apiRequest(stack, 'POST', TOKEN_REVIEWS, review(vaultToken))).body).status;
    assert.equal(forApi.authenticated, undefined);
    assert.equal(forApi.error, 'token audiences ["vault"] is invalid for the target audiences ["https://kubernetes.default.svc.cluster.local"]');
    // Create only, and only at the cluster scope.
    const list = await apiRequest(stack, 'GET', TOKEN_REVIEWS);
    assert.equal(list.code, 405);
    assert.equal(JSON.parse(list.body).reason, 'MethodNotAllowed');
    assert.equal((await apiRequest(stack, 'POST', '/apis/authentication.k8s.io/v1/namespaces/default/tokenreviews', review('jane-token'))).code, 404);

    const asReviewer = () => asToken('reviewer-token', ['create', '--raw', TOKEN_REVIEWS, '-f', '-'], review('jane-token'));
    assert.match(
      (await asReviewer()).stderr,
      /tokenreviews.authentication.k8s.io is forbidden: User "reviewer" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope/,
    );
    await stack.kubectl(['create', 'clusterrolebinding', 'reviewer-delegator', '--clusterrole=system:auth-delegator', '--user=reviewer']);
    await eventually(async () => {
      const allowed = await asReviewer();
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.equal(JSON.parse(allowed.stdout).status.user.username, 'jane');
    });
  });

  it('authenticates bootstrap tokens from their kube-system Secret while they are valid', async () => {
    const secret = (id: string, expiration: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'bootstrap.kubernetes.io/token',
        metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
        stringData: { 'token-id': id, 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true', 'auth-extra-groups': 'system:bootstrappers:worker', expiration },
      });
    for (const [id, expiration] of [['abcdef', new Date(Date.now() + 3600_000).toISOString()], ['expird', '2020-01-01T00:00:00Z']]) {
      const created = await stack.kubectl(['create', '-f', '-'], { input: secret(id, expiration) });
      assert.equal(created.stdout, `secret/bootstrap-token-${id} created\n`, created.stderr);
    }
    assert.deepEqual(await whoami('abcdef.0123456789abcdef'), {
      username: 'system:bootstrap:abcdef',
      groups: ['system:bootstrappers', 'system:bootstrappers:worker', 'system:authenticated'],
    });
    assert.equal((await asToken('abcdef.ffffffffffffffff', ['auth', 'whoami'])).stderr, UNAUTHORIZED);
    assert.equal((await asToken('expird.0123456789abcdef', ['auth', 'whoami'])).stderr, UNAUTHORIZED);
    await stack.kubectl(['-n', 'kube-system', 'delete', 'secret', 'bootstrap-token-abcdef']);
    assert.equal((await asToken('abcdef.0123456789abcdef', ['auth', 'whoami'])).stderr, UNAUTHORIZED);
  });

  it('authenticates OIDC ID tokens with the issuer-prefixed name and prefixed groups, and refuses expired or foreign ones', async () => {
    const expected = { username: `${oidc.url}#jane`, groups: ['oidc:dev', 'system:authenticated'] };
    assert.deepEqual(await whoami(oidc.mint({ sub: 'jane', groups: ['dev'] })), expected);
    assert.deepEqual(await whoami(oidc.mint({ sub: 'jane', groups: ['dev'] }, { key: 'ec' })), expected);
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await asToken(oidc.mint({ sub: 'jane', exp: now - 60 }), ['auth', 'whoami'])).stderr, UNAUTHORIZED);
    assert.equal((await asToken(oidc.mint({ sub: 'jane', aud: 'someone-else' }), ['auth', 'whoami'])).stderr, UNAUTHORIZED);
    // Each authn replica fetched the keys at most once for all of these.
    const authnReplicas = stack.handle.processes.filter((p) => p.instance.startsWith('authn-')).length;
    assert.ok(oidc.jwksFetches() >= 1 && oidc.jwksFetches() <= authnReplicas, `${oidc.jwksFetches()} JWKS fetches by ${authnReplicas} authn replicas`);
  });

  it('keeps HAProxy\'s /readyz checks passing with anonymous access off: they present the load balancer\'s certificate', async () => {
    // Checks run every second and mark a front door down after two failures; by now they have run for a while.
    const log = () => readFileSync(join(stack.handle.stateDir, 'logs', 'haproxy.log'), 'utf8');
    await stack.kubectl(['get', 'namespaces']);
    await eventually(() => {
      // HAProxy logs each connection as a JSON line; its own notices are text.
      const routed = log()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg?: string; backend?: string; server?: string })
        .filter((entry) => entry.msg === 'connection' && entry.backend === 'kapi-front-doors');
      assert.equal(routed.at(-1)?.server, 'aggregator-0', 'the last connection went to the checked server, not its standby');
    });
    // No check was refused for want of credentials (401) or rights (403). A /readyz that failed for a
    // moment because a neighbour was slow to answer under load (500) is readiness doing its work, not
    // the checks' authentication, and the front door is back in rotation (above).
    assert.doesNotMatch(log(), /is DOWN, reason: Layer7 wrong status, code: 40[13]/);
  });

  it('keeps a token signed with a retired key working while its public key is listed, and ends it when removed', async () => {
    await stack.kubectl(['create', 'namespace', 'rotation']);
    await stack.kubectl(['-n', 'rotation', 'create', 'serviceaccount', 'bot']);
    const tokenA = (await stack.kubectl(['-n', 'rotation', 'create', 'token', 'bot'])).stdout.trim();
    const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid;
    const jwksKids = async () => (JSON.parse((await apiRequest(stack, 'GET', '/openid/v1/jwks')).body) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    assert.equal(kidOf(tokenA), keyA.kid);
    assert.deepEqual(await jwksKids(), [keyA.kid, keyOther.kid]);
    assert.equal((await whoami(tokenA)).username, 'system:serviceaccount:rotation:bot');

    // Sign with B; keep A listed for verification.
    writeFileSync(join(dir, 'signing.key'), keyB.key);
    writeFileSync(join(dir, 'current.pub'), `${keyB.pub}${keyA.pub}`);
    await restart('authn', 'registry', 'aggregator');
    const tokenB = (await stack.kubectl(['-n', 'rotation', 'create', 'token', 'bot'])).stdout.trim();
    assert.equal(kidOf(tokenB), keyB.kid);
    assert.deepEqual(await jwksKids(), [keyB.kid, keyA.kid, keyOther.kid]);
    assert.equal((await whoami(tokenA)).username, 'system:serviceaccount:rotation:bot');
    assert.equal((await whoami(tokenB)).username, 'system:serviceaccount:rotation:bot');

    // Retire A.
    writeFileSync(join(dir, 'current.pub'), keyB.pub);
    await restart('authn', 'aggregator');
    assert.deepEqual(await jwksKids(), [keyB.kid, keyOther.kid]);
    assert.equal((await asToken(tokenA, ['auth', 'whoami'])).stderr, UNAUTHORIZED);
    assert.equal((await whoami(tokenB)).username, 'system:serviceaccount:rotation:bot');
  });
});
