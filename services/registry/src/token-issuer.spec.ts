// The TokenRequest subresource with a fake registry: a Pod kind is not served yet, so Pod-bound
// tokens are tested here against a stand-in pods store.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStatusError, notFound, type KubeObject } from '@kapi/api-machinery';
import { keyId, serviceAccountTokenAuthenticator } from '@kapi/authentication';
import type { WriteContext } from '@kapi/generic-registry';
import { TokenIssuer } from './token-issuer.js';
import type { Registry } from './registry.js';

const objects = new Map<string, KubeObject>([
  ['serviceaccounts/ns/bot', { metadata: { name: 'bot', namespace: 'ns', uid: 'sa-uid' } }],
  ['pods/ns/web-0', { metadata: { name: 'web-0', namespace: 'ns', uid: 'pod-uid' }, spec: { serviceAccountName: 'bot', nodeName: 'node-1' } }],
  ['pods/ns/other-sa', { metadata: { name: 'other-sa', namespace: 'ns', uid: 'o-uid' }, spec: { serviceAccountName: 'default' } }],
  ['pods/ns/unscheduled', { metadata: { name: 'unscheduled', namespace: 'ns', uid: 'u-uid' }, spec: { serviceAccountName: 'bot', nodeName: 'gone-node' } }],
  ['nodes//node-1', { metadata: { name: 'node-1', uid: 'node-uid' } }],
]);
const registry = {
  catalogue: { lookup: (_group: string, resource: string) => (['pods', 'secrets', 'nodes'].includes(resource) ? {} : undefined) },
  store: (_group: string, resource: string) => ({
    admitSubresource: async (_op: string, _ns: string, _name: string, _sub: string, body: KubeObject) => body,
    get: async (namespace: string, name: string) => {
      const obj = objects.get(`${resource}/${namespace}/${name}`);
      if (!obj) throw notFound({ group: '', resource }, name);
      return obj;
    },
  }),
} as unknown as Registry;

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
let dir = '';
let issuer: TokenIssuer;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kapi-token-issuer-'));
  writeFileSync(join(dir, 'signing.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  issuer = new TokenIssuer(registry, join(dir, 'signing.key'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

const ctx: WriteContext = { user: { username: 'u', uid: '', groups: [], extra: {} }, dryRun: false, fieldManager: 'test' };
const issue = (namespace: string, name: string, body: KubeObject) => issuer.issue(namespace, name, body, ctx);
const request = (boundObjectRef?: Record<string, string>) => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { boundObjectRef } });
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
const statusCode = (err: unknown) => (isStatusError(err) ? err.toStatus().code : 0);

describe('TokenIssuer', () => {
  it('binds a token to a Pod: its name and uid in the claims, and in the user authn derives from it', async () => {
    const issued = await issue('ns', 'bot', request({ kind: 'Pod', apiVersion: 'v1', name: 'web-0' }));
    const token = (issued.status as { token: string }).token;
    assert.deepEqual(claimsOf(token)['kubernetes.io'], {
      namespace: 'ns',
      serviceaccount: { name: 'bot', uid: 'sa-uid' },
      pod: { name: 'web-0', uid: 'pod-uid' },
      node: { name: 'node-1', uid: 'node-uid' },
    });
    assert.deepEqual((issued.spec as { boundObjectRef: unknown }).boundObjectRef, { kind: 'Pod', apiVersion: 'v1', name: 'web-0' });

    const authn = serviceAccountTokenAuthenticator({
      verificationKeysPem: [publicKey.export({ type: 'spki', format: 'pem' }).toString()],
      lookup: async (kind, namespace, name) => {
        const obj = objects.get(`${kind === 'Pod' ? 'pods' : kind === 'Secret' ? 'secrets' : 'serviceaccounts'}/${namespace}/${name}`);
        return obj ? { uid: obj.metadata?.uid ?? '' } : undefined;
      },
    });
    const result = await authn.authenticate({ clientCertificates: [], bearerToken: token });
    assert.ok(result.ok);
    assert.deepEqual(result.user.extra['authentication.kubernetes.io/pod-name'], { values: ['web-0'] });
    assert.deepEqual(result.user.extra['authentication.kubernetes.io/pod-uid'], { values: ['pod-uid'] });
    assert.deepEqual(result.user.extra['authentication.kubernetes.io/node-name'], { values: ['node-1'] });
    assert.deepEqual(result.user.extra['authentication.kubernetes.io/node-uid'], { values: ['node-uid'] });
  });

  it('names the node by name alone when the Node is gone', async () => {
    const issued = await issue('ns', 'bot', request({ kind: 'Pod', apiVersion: 'v1', name: 'unscheduled' }));
    assert.deepEqual(claimsOf((issued.status as { token: string }).token)['kubernetes.io'].node, { name: 'gone-node' });
  });

  it('refuses to bind to a pod that runs as another service account (400)', async () => {
    await assert.rejects(
      issue('ns', 'bot', request({ kind: 'Pod', apiVersion: 'v1', name: 'other-sa' })),
      (err) => statusCode(err) === 400 && (err as Error).message === 'cannot bind token for serviceaccount "bot" to pod running with different serviceaccount name.',
    );
  });

  it('extends a kubelet\'s 3607-second pod-bound token to a year, warning after the requested lifetime', async () => {
    const issued = await issue('ns', 'bot', { spec: { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web-0' } } });
    const claims = claimsOf((issued.status as { token: string }).token);
    assert.equal(claims['kubernetes.io'].warnafter - claims.iat, 3607);
    assert.equal(claims.exp - claims.iat, 365 * 24 * 3600);
    // The answer states the requested lifetime.
    assert.equal(Date.parse((issued.status as { expirationTimestamp: string }).expirationTimestamp) / 1000, claims['kubernetes.io'].warnafter);
    // Not for other audiences, and not for tokens bound to nothing.
    const forVault = claimsOf(((await issue('ns', 'bot', { spec: { expirationSeconds: 3607, audiences: ['vault'], boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web-0' } } })).status as { token: string }).token);
    assert.equal(forVault.exp - forVault.iat, 3607);
    const unbound = claimsOf(((await issue('ns', 'bot', { spec: { expirationSeconds: 3607 } })).status as { token: string }).token);
    assert.equal(unbound.exp - unbound.iat, 3607);
    assert.equal(unbound['kubernetes.io'].warnafter, undefined);
  });

  it('refuses a Pod that does not exist (404) or whose uid differs from the reference (409)', async () => {
    await assert.rejects(issue('ns', 'bot', request({ kind: 'Pod', apiVersion: 'v1', name: 'gone' })), (err) => statusCode(err) === 404);
    await assert.rejects(
      issue('ns', 'bot', request({ kind: 'Pod', apiVersion: 'v1', name: 'web-0', uid: 'other-uid' })),
      (err) => statusCode(err) === 409 && (err as Error).message === 'Operation cannot be fulfilled on Pod "web-0": the UID in the bound object reference (other-uid) does not match the UID in record. The object might have been deleted and then recreated',
    );
  });

  it('signs with the configured key, naming it by kid', async () => {
    const token = ((await issue('ns', 'bot', request())).status as { token: string }).token;
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
    assert.deepEqual(header, { alg: 'RS256', kid: keyId(publicKey) });
    assert.equal(claimsOf(token)['kubernetes.io'].pod, undefined);
  });
});
