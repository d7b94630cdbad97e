// ServiceAccount tokens through kubectl: create token, use it, and see it stop working.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicKey, verify } from 'node:crypto';
import { apiRequest, eventually, startTestStack, type TestStack } from './harness.js';

function tokenKubeconfig(stack: TestStack, token: string): string {
  const file = join(stack.handle.stateDir, `token-${Date.now()}.kubeconfig`);
  const ca = Buffer.from(readFileSync(stack.handle.pki.caCert)).toString('base64');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: kapi',
      `    cluster: { server: ${JSON.stringify(stack.handle.serverUrl)}, certificate-authority-data: ${ca} }`,
      'users:',
      `  - name: bot`,
      `    user: { token: ${JSON.stringify(token)} }`,
      'contexts:',
      '  - name: kapi',
      '    context: { cluster: kapi, user: bot }',
      'current-context: kapi',
      '',
    ].join('\n'),
  );
  return file;
}

describe('service account tokens', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1 });
    await stack.kubectl(['create', 'namespace', 'ci']);
    await stack.kubectl(['-n', 'ci', 'create', 'serviceaccount', 'builder']);
  });

  after(async () => {
    await stack?.stop();
  });

  it('issues a token with kubectl create token that authenticates as the service account', async () => {
    const created = await stack.kubectl(['-n', 'ci', 'create', 'token', 'builder']);
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    assert.equal(claims.sub, 'system:serviceaccount:ci:builder');
    assert.equal(claims.exp - claims.iat, 3600);
    const asBot = tokenKubeconfig(stack, token);
    const whoami = await stack.kubectl(['--kubeconfig', asBot, 'auth', 'whoami', '-o', 'json']);
    const userInfo = JSON.parse(whoami.stdout).status.userInfo;
    assert.equal(userInfo.username, 'system:serviceaccount:ci:builder');
    assert.deepEqual(userInfo.groups, ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated']);
    const denied = await stack.kubectl(['--kubeconfig', asBot, '-n', 'ci', 'get', 'configmaps']);
    assert.equal(denied.stderr, 'Error from server (Forbidden): configmaps is forbidden: User "system:serviceaccount:ci:builder" cannot list resource "configmaps" in API group "" in the namespace "ci"\n');
    await stack.kubectl(['-n', 'ci', 'create', 'rolebinding', 'builder-view', '--clusterrole=view', '--serviceaccount=ci:builder']);
    await eventually(async () => assert.equal((await stack.kubectl(['--kubeconfig', asBot, '-n', 'ci', 'get', 'serviceaccount', 'builder', '-o', 'name'])).stdout, 'serviceaccount/builder\n'), 2_000);

    // Deleting the service account ends the token, even if one of the same name comes back.
    await stack.kubectl(['-n', 'ci', 'delete', 'serviceaccount', 'builder']);
    await stack.kubectl(['-n', 'ci', 'create', 'serviceaccount', 'builder']);
    const after = await stack.kubectl(['--kubeconfig', asBot, '-n', 'ci', 'get', 'configmaps']);
    assert.equal(after.stderr, 'error: You must be logged in to the server (Unauthorized)\n');
  });

  it('refuses a duration under ten minutes and an unknown service account in kube words', async () => {
    const short = await stack.kubectl(['-n', 'ci', 'create', 'token', 'builder', '--duration=5m']);
    assert.match(short.stderr, /TokenRequest.authentication.k8s.io "builder" is invalid: spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/);
    const missing = await stack.kubectl(['-n', 'ci', 'create', 'token', 'nobody']);
    assert.match(missing.stderr, /serviceaccounts "nobody" not found/);
  });

  it('binds a token to a secret: deleting the secret ends the token', async () => {
    await stack.kubectl(['-n', 'ci', 'create', 'secret', 'generic', 'anchor']);
    const uid = JSON.parse((await stack.kubectl(['-n', 'ci', 'get', 'secret', 'anchor', '-o', 'json'])).stdout).metadata.uid;
    const created = await stack.kubectl(['-n', 'ci', 'create', 'token', 'builder', '--bound-object-kind=Secret', '--bound-object-name=anchor', `--bound-object-uid=${uid}`]);
    assert.equal(created.code, 0, created.stderr);
    const asBot = tokenKubeconfig(stack, created.stdout.trim());
    assert.equal((await stack.kubectl(['--kubeconfig', asBot, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'])).stdout, 'system:serviceaccount:ci:builder');
    await stack.kubectl(['-n', 'ci', 'delete', 'secret', 'anchor']);
    assert.equal((await stack.kubectl(['--kubeconfig', asBot, 'auth', 'whoami'])).stderr, 'error: You must be logged in to the server (Unauthorized)\n');
  });

  it('binds a token to a pod: its claims name the pod, and deleting the pod ends the token', async () => {
    const run = await stack.kubectl(['-n', 'ci', 'run', 'worker', '--image=busybox', '--overrides={"spec":{"serviceAccountName":"builder"}}']);
    assert.equal(run.code, 0, run.stderr);
    const uid = (await stack.kubectl(['-n', 'ci', 'get', 'pod', 'worker', '-o', 'jsonpath={.metadata.uid}'])).stdout;
    const created = await stack.kubectl(['-n', 'ci', 'create', 'token', 'builder', '--bound-object-kind=Pod', '--bound-object-name=worker', `--bound-object-uid=${uid}`]);
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    assert.deepEqual(claims['kubernetes.io'].pod, { name: 'worker', uid });
    const asBot = tokenKubeconfig(stack, token);
    const whoami = JSON.parse((await stack.kubectl(['--kubeconfig', asBot, 'auth', 'whoami', '-o', 'json'])).stdout);
    assert.equal(whoami.status.userInfo.username, 'system:serviceaccount:ci:builder');
    assert.deepEqual(whoami.status.userInfo.extra['authentication.kubernetes.io/pod-name'], ['worker']);
    assert.deepEqual(whoami.status.userInfo.extra['authentication.kubernetes.io/pod-uid'], [uid]);
    // A pod that never ran on a node is deleted at once, and its tokens with it.
    assert.equal((await stack.kubectl(['-n', 'ci', 'delete', 'pod', 'worker'])).code, 0);
    assert.equal((await stack.kubectl(['--kubeconfig', asBot, 'auth', 'whoami'])).stderr, 'error: You must be logged in to the server (Unauthorized)\n');
  });

  it('publishes the issuer discovery documents, whose key verifies the tokens', async () => {
    const token = (await stack.kubectl(['-n', 'ci', 'create', 'token', 'builder'])).stdout.trim();
    const [header, payload, signature] = token.split('.');
    const configuration = JSON.parse((await apiRequest(stack, 'GET', '/.well-known/openid-configuration')).body);
    assert.equal(configuration.issuer, JSON.parse(Buffer.from(payload, 'base64url').toString()).iss);
    assert.equal(configuration.jwks_uri, `${configuration.issuer}/openid/v1/jwks`);
    const jwks = await apiRequest(stack, 'GET', '/openid/v1/jwks');
    assert.equal(jwks.headers['content-type'], 'application/jwk-set+json');
    const [key] = JSON.parse(jwks.body).keys;
    assert.equal(key.kid, JSON.parse(Buffer.from(header, 'base64url').toString()).kid);
    const publicKey = createPublicKey({ key: { kty: key.kty, n: key.n, e: key.e }, format: 'jwk' });
    assert.ok(verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url')));
    // Service accounts may read them (system:service-account-issuer-discovery).
    const asBot = tokenKubeconfig(stack, token);
    assert.equal((await stack.kubectl(['--kubeconfig', asBot, 'get', '--raw', '/openid/v1/jwks'])).code, 0);
  });
});
