// Webhook token authentication and the Webhook authorization mode against real HTTPS webhooks: the
// test runs both webhooks itself, with certificates from a CA of its own, and demands the API
// server's client certificate, as a production webhook would.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki, servingSubjectAltNames, type PkiFiles } from '@kapi/local-stack';
import { apiRequest, eventually, startTestStack, userlessKubeconfig, type TestStack } from './harness.js';

interface Review {
  apiVersion: string;
  kind: string;
  spec: Record<string, unknown>;
}

interface Webhook {
  url: string;
  /** Every review received, with the common name of the client certificate that sent it. */
  received: { review: Review; clientName: string }[];
  close(): Promise<void>;
}

async function startWebhook(pki: PkiFiles, answer: (review: Review) => Record<string, unknown>): Promise<Webhook> {
  const received: Webhook['received'] = [];
  const server: Server = createServer(
    { key: readFileSync(pki.servingKey), cert: readFileSync(pki.servingCert), ca: readFileSync(pki.caCert), requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const review = JSON.parse(body) as Review;
        received.push({ review, clientName: String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '') });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ apiVersion: review.apiVersion, kind: review.kind, status: answer(review) }));
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}/review`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A kubeconfig-format webhook configuration; `inline` embeds the certificates instead of naming their files. */
function webhookConfig(dir: string, name: string, url: string, pki: PkiFiles, inline: boolean): string {
  const file = join(dir, `${name}.kubeconfig`);
  const data = (path: string) => readFileSync(path).toString('base64');
  const cluster = inline ? `certificate-authority-data: ${data(pki.caCert)}` : `certificate-authority: ${pki.caCert}`;
  const user = inline
    ? `client-certificate-data: ${data(pki.adminCert)}, client-key-data: ${data(pki.adminKey)}`
    : `client-certificate: ${pki.adminCert}, client-key: ${pki.adminKey}`;
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `  - name: ${name}`,
      `    cluster: { server: ${JSON.stringify(url)}, ${cluster} }`,
      'users:',
      '  - name: kapi',
      `    user: { ${user} }`,
      'contexts:',
      '  - name: webhook',
      `    context: { cluster: ${name}, user: kapi }`,
      'current-context: webhook',
      '',
    ].join('\n'),
  );
  return file;
}

const JANE = { username: 'jane', uid: 'jane-uid', groups: ['devs'], extra: { team: ['blue'] } };

describe('authentication and authorization webhooks', () => {
  let stack: TestStack;
  let dir: string;
  let tokenHook: Webhook;
  let authzHook: Webhook;
  /** A kubeconfig that trusts the stack but carries no credential: kubectl's --token supplies one. */
  let bare: string;

  const as = (token: string, args: string[]) => stack.kubectl(['--kubeconfig', bare, `--token=${token}`, ...args]);
  const sarsFor = (resource: string) => authzHook.received.filter((r) => (r.review.spec.resourceAttributes as { resource?: string } | undefined)?.resource === resource);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kapi-webhooks-'));
    const pki = ensurePki(join(dir, 'pki'), servingSubjectAltNames([])).files;
    tokenHook = await startWebhook(pki, (review) => {
      const token = (review.spec as { token: string }).token;
      if (token === 'jane-token') return { authenticated: true, user: JANE };
      return { authenticated: false };
    });
    authzHook = await startWebhook(pki, (review) => {
      const spec = review.spec as { user: string; resourceAttributes?: { resource: string; namespace: string } };
      const r = spec.resourceAttributes;
      if (spec.user !== 'jane' || !r) return { allowed: false };
      if (r.resource === 'secrets') return { allowed: false, denied: true, reason: 'secrets are off limits' };
      if (r.resource === 'configmaps') return { allowed: true, reason: 'devs may use configmaps' };
      return { allowed: false, reason: 'no opinion on this' };
    });
    stack = await startTestStack({
      aggregatorReplicas: 1,
      env: {
        KAPI_AUTHORIZATION_MODE: 'RBAC,Webhook',
        KAPI_AUTHORIZATION_WEBHOOK_CONFIG_FILE: webhookConfig(dir, 'authz', authzHook.url, pki, false),
        KAPI_AUTHENTICATION_TOKEN_WEBHOOK_CONFIG_FILE: webhookConfig(dir, 'authn', tokenHook.url, pki, true),
      },
    });
    bare = userlessKubeconfig(stack);
    await stack.kubectl(['create', 'namespace', 'team']);
  });

  after(async () => {
    await stack?.stop();
    await tokenHook?.close();
    await authzHook?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('authenticates a token as the user the TokenReview webhook returns', async () => {
    const whoami = await as('jane-token', ['auth', 'whoami', '-o', 'json']);
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.deepEqual(JSON.parse(whoami.stdout).status.userInfo, { ...JANE, groups: ['devs', 'system:authenticated'] });
    const [first] = tokenHook.received;
    assert.deepEqual(first.review, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      metadata: { creationTimestamp: null },
      spec: { token: 'jane-token', audiences: ['https://kubernetes.default.svc.cluster.local'] },
      status: { user: {} },
    });
    assert.equal(first.clientName, 'kubernetes-admin', 'the API server presents its client certificate');
  });

  it('answers 401 for a token the webhook rejects', async () => {
    const rejected = await as('not-a-token', ['auth', 'whoami']);
    assert.equal(rejected.stderr, 'error: You must be logged in to the server (Unauthorized)\n');
  });

  it('caches the TokenReview: repeated requests ask the webhook once', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await as('jane-token', ['auth', 'whoami', '-o', 'json'])).code, 0);
    assert.equal(tokenHook.received.filter((r) => (r.review.spec as { token: string }).token === 'jane-token').length, 1);
  });

  it('asks the authorization webhook when RBAC has no opinion, with the whole user', async () => {
    const listed = await as('jane-token', ['-n', 'team', 'get', 'configmaps', '-o', 'name']);
    assert.equal(listed.code, 0, listed.stderr);
    const [sar] = sarsFor('configmaps');
    assert.deepEqual(sar.review, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      metadata: { creationTimestamp: null },
      spec: {
        resourceAttributes: { namespace: 'team', verb: 'list', version: 'v1', resource: 'configmaps' },
        user: 'jane',
        groups: ['devs', 'system:authenticated'],
        extra: { team: ['blue'] },
        uid: 'jane-uid',
      },
      status: { allowed: false },
    });
    assert.equal(sar.clientName, 'kubernetes-admin');
    // The same request again is answered from the allowed cache.
    assert.equal((await as('jane-token', ['-n', 'team', 'get', 'configmaps', '-o', 'name'])).code, 0);
    assert.equal(sarsFor('configmaps').length, 1);
  });

  it('forbids what the webhook denies, with its reason, and what nobody allows, in kube words', async () => {
    const secrets = await as('jane-token', ['-n', 'team', 'get', 'secrets']);
    assert.equal(
      secrets.stderr,
      'Error from server (Forbidden): secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "team": secrets are off limits\n',
    );
    const services = await as('jane-token', ['-n', 'team', 'get', 'services']);
    assert.equal(
      services.stderr,
      'Error from server (Forbidden): services is forbidden: User "jane" cannot list resource "services" in API group "" in the namespace "team": no opinion on this\n',
    );
  });

  it('lets RBAC decide first: what a binding allows never reaches the webhook', async () => {
    await stack.kubectl(['-n', 'team', 'create', 'rolebinding', 'jane-view', '--clusterrole=view', '--user=jane']);
    await eventually(async () => assert.equal((await as('jane-token', ['-n', 'team', 'get', 'serviceaccounts', '-o', 'name'])).code, 0));
    const before = sarsFor('serviceaccounts').length;
    assert.equal((await as('jane-token', ['-n', 'team', 'get', 'serviceaccounts', '-o', 'name'])).code, 0);
    assert.equal(sarsFor('serviceaccounts').length, before);
    // A webhook Deny still wins over nothing: view does not grant secrets, and the webhook denies them.
    assert.match((await as('jane-token', ['-n', 'team', 'get', 'secrets'])).stderr, /secrets are off limits/);
  });

  it('answers the access reviews with the same chain', async () => {
    assert.equal((await as('jane-token', ['auth', 'can-i', 'list', 'configmaps', '-n', 'team'])).stdout, 'yes\n');
    const no = await as('jane-token', ['auth', 'can-i', 'list', 'secrets', '-n', 'team']);
    assert.equal(no.stdout, 'no - secrets are off limits\n');
    const review = await apiRequest(stack, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: 'jane', groups: ['devs'], resourceAttributes: { namespace: 'team', verb: 'delete', resource: 'secrets' } },
    });
    assert.equal(review.code, 201, review.body);
    assert.deepEqual(JSON.parse(review.body).status, { allowed: false, denied: true, reason: 'secrets are off limits' });
    // The webhook cannot enumerate rules, so the rules review says its list may be incomplete.
    const rules = await apiRequest(stack, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectRulesReview',
      spec: { namespace: 'team' },
    });
    const status = JSON.parse(rules.body).status;
    assert.equal(status.incomplete, true);
    assert.equal(status.evaluationError, 'webhook authorizer does not support user rule resolution');
  });

  it('fails without hanging when the webhooks are down: 500 for authorization, 401 for a new token', async () => {
    await authzHook.close();
    await tokenHook.close();
    const down = await as('jane-token', ['-n', 'kube-system', 'get', 'configmaps']);
    assert.match(down.stderr, /^Error from server \(InternalError\): an error on the server \("Internal Server Error: .*\/api\/v1\/namespaces\/kube-system\/configmaps.*ECONNREFUSED/);
    // The cached answers still hold, and system:masters never needs the webhook.
    assert.equal((await as('jane-token', ['-n', 'team', 'get', 'configmaps', '-o', 'name'])).code, 0);
    assert.equal((await stack.kubectl(['-n', 'kube-system', 'get', 'configmaps', '-o', 'name'])).code, 0);
    const review = await apiRequest(stack, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: 'jane', resourceAttributes: { namespace: 'elsewhere', verb: 'get', resource: 'configmaps' } },
    });
    const status = JSON.parse(review.body).status;
    assert.equal(status.allowed, false);
    assert.match(status.evaluationError, /ECONNREFUSED/);
    assert.equal((await as('new-token', ['auth', 'whoami'])).stderr, 'error: You must be logged in to the server (Unauthorized)\n');
  });
});

describe('authorization modes', () => {
  it('refuses to start with an unknown mode, in one line', async () => {
    await assert.rejects(startTestStack({ aggregatorReplicas: 1, env: { KAPI_AUTHORIZATION_MODE: 'RBAC,ABAC' } }), (err: Error & { details?: string }) => {
      assert.match(`${err.message}\n${err.details ?? ''}`, /kapi authz: cannot start: KAPI_AUTHORIZATION_MODE: authorization-mode "ABAC" is not a valid mode/);
      return true;
    });
  });

  it('refuses Webhook without its configuration file', async () => {
    await assert.rejects(startTestStack({ aggregatorReplicas: 1, env: { KAPI_AUTHORIZATION_MODE: 'Webhook' } }), (err: Error & { details?: string }) => {
      assert.match(`${err.message}\n${err.details ?? ''}`, /kapi authz: cannot start: KAPI_AUTHORIZATION_MODE: authorization-mode Webhook's authorization config file not passed/);
      return true;
    });
  });

  it('Node,AlwaysDeny: a kubelet gets what Node allows, everyone else but system:masters is forbidden', async () => {
    const stack = await startTestStack({ aggregatorReplicas: 1, env: { KAPI_AUTHORIZATION_MODE: 'Node,AlwaysDeny' } });
    try {
      assert.equal((await stack.kubectl(['get', 'namespaces', 'default', '-o', 'name'])).stdout, 'namespace/default\n');
      const asBob = await stack.kubectl(['get', 'namespaces', '--as=bob']);
      assert.equal(asBob.stderr, 'Error from server (Forbidden): namespaces is forbidden: User "bob" cannot list resource "namespaces" in API group "" at the cluster scope: Everything is forbidden.\n');

      const node = ['--as=system:node:n1', '--as-group=system:nodes'];
      assert.equal((await stack.kubectl([...node, '-n', 'default', 'get', 'services', '-o', 'name'])).stdout, 'service/kubernetes\n');
      const lease = await stack.kubectl([...node, '-n', 'kube-node-lease', 'create', '--validate=false', '-f', '-'], {
        input: JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1' }, spec: { holderIdentity: 'n1' } }),
      });
      assert.equal(lease.stdout, 'lease.coordination.k8s.io/n1 created\n', lease.stderr);
      await stack.kubectl(['-n', 'kube-node-lease', 'create', '-f', '-'], {
        input: JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n2' }, spec: { holderIdentity: 'n2' } }),
      });
      const other = await stack.kubectl([...node, '-n', 'kube-node-lease', 'get', 'lease', 'n2']);
      assert.equal(
        other.stderr,
        'Error from server (Forbidden): leases.coordination.k8s.io "n2" is forbidden: User "system:node:n1" cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node\nEverything is forbidden.\n',
      );
      await stack.kubectl(['-n', 'default', 'create', 'secret', 'generic', 'creds']);
      const secret = await stack.kubectl([...node, '-n', 'default', 'get', 'secret', 'creds']);
      assert.match(secret.stderr, /User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'n1' and this object/);
    } finally {
      await stack.stop();
    }
  });
});
