// The webhook plugins against real HTTPS webhook servers started here: each kube behaviour with the
// message kube-apiserver v1.34 gives for it (recorded from a reference kube-apiserver).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { StatusError, type KubeObject } from '@kapi/api-machinery';
import { createTestServingPki } from '@kapi/local-stack';
import { endpointSliceResolver, WebhookClients, type ServiceEndpointSource, type WebhookClientConfig } from '@kapi/webhook-client';
import { MutatingAdmissionWebhook } from './mutating.js';
import { configMap, configuration, options, request, testMetrics, webhook } from './test-support.fixture.js';
import type { AdmissionWebhook } from './types.js';
import { ValidatingAdmissionWebhook } from './validating.js';

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  review: { apiVersion: string; kind: string; request: Record<string, any> };
}

interface WebhookServer {
  port: number;
  received: Received[];
  connections: number;
  closedConnections: number;
  close(): Promise<void>;
}

type Handler = (path: string, review: Received['review'], res: import('node:http').ServerResponse) => void;

const respond = (res: import('node:http').ServerResponse, review: Received['review'], response: Record<string, unknown>) =>
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, ...response } }));

/** The test's webhook service: what each path answers. */
const handler: Handler = (p, review, res) => {
  switch (p) {
    case '/allow':
      return respond(res, review, { allowed: true });
    case '/deny':
      return respond(res, review, { allowed: false, status: { message: 'owner label is required' } });
    case '/patch':
      return respond(res, review, { allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify([{ op: 'add', path: '/metadata/labels/owner', value: 'webhook' }])).toString('base64') });
    case '/slow':
      return; // never answers
    case '/text-500':
      return void res.writeHead(500, { 'Content-Type': 'text/plain' }).end('boom\n');
    case '/status-503':
      return void res.writeHead(503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'webhook busy', reason: 'ServiceUnavailable', code: 503 }));
    case '/not-found':
      return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found');
    case '/busy-once':
      if (!busyOnce) {
        busyOnce = true;
        return void res.writeHead(429, { 'Retry-After': '0', 'Content-Type': 'text/plain' }).end('later');
      }
      return respond(res, review, { allowed: true });
    default:
      return void res.writeHead(404).end();
  }
};
let busyOnce = false;

async function startServer(cert: { cert: string; key: string }): Promise<WebhookServer> {
  const sockets = new Set<Socket>();
  const state = { received: [] as Received[], connections: 0, closedConnections: 0 };
  const server: Server = createServer({ cert: fs.readFileSync(cert.cert), key: fs.readFileSync(cert.key) }, (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://x');
      const review = JSON.parse(body || '{}');
      state.received.push({ path: `${url.pathname}${url.search}`, headers: req.headers, review });
      handler(url.pathname, review, res);
    });
  });
  server.on('secureConnection', (socket: Socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => {
      state.closedConnections++;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  });
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > until) assert.fail(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('admission webhooks over HTTPS', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-admission-webhooks-'));
  let pki: { caCert: string; cert: string; key: string };
  let foreign: { caCert: string };
  let server: WebhookServer;
  let caBundle: string;
  let down: number;
  const clients: WebhookClients[] = [];

  const hooksService: ServiceEndpointSource = {
    service: async (namespace, name) =>
      namespace === 'team' && ['hooks', 'idle'].includes(name)
        ? { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { type: 'ClusterIP', ports: [{ name: 'https', port: 443, targetPort: 9443 }] } }
        : undefined,
    endpointSlices: async (_namespace, name): Promise<KubeObject[]> =>
      name === 'hooks'
        ? [{ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4', ports: [{ name: 'https', port: server.port }], endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }] }]
        : [],
  };

  const at = (p: string, overrides: Partial<AdmissionWebhook> = {}, clientConfig: WebhookClientConfig = { url: `https://127.0.0.1:${server.port}${p}`, caBundle }) =>
    webhook(overrides.name ?? `${p.slice(1)}.example.com`, { clientConfig, ...overrides });

  function plugins(webhooks: AdmissionWebhook[], extra: Parameters<typeof options>[2] = {}) {
    const c = new WebhookClients({ serviceResolver: endpointSliceResolver(hooksService) });
    clients.push(c);
    const m = testMetrics();
    const o = options([configuration('c', webhooks)], c, { metrics: m.metrics, ...extra });
    return { mutating: MutatingAdmissionWebhook(o), validating: ValidatingAdmissionWebhook(o), metrics: m, clients: c };
  }

  async function refusal(promise: Promise<unknown>): Promise<StatusError> {
    try {
      await promise;
    } catch (err) {
      assert.ok(err instanceof StatusError, String(err));
      return err;
    }
    assert.fail('the request was admitted');
  }

  before(async () => {
    pki = createTestServingPki(path.join(dir, 'pki'), { dns: ['localhost', 'hooks.team.svc'], ips: ['127.0.0.1'] });
    foreign = createTestServingPki(path.join(dir, 'foreign'), { dns: ['localhost'], ips: ['127.0.0.1'] });
    caBundle = fs.readFileSync(pki.caCert).toString('base64');
    server = await startServer(pki);
    down = await closedPort();
  });

  after(async () => {
    for (const c of clients) c.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a validating webhook that denies: its message, prefixed by its name, with 400', async () => {
    const { validating } = plugins([at('/deny')]);
    const err = await refusal(validating.validate!(request('CREATE', configMap())));
    assert.deepEqual(err.toStatus(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'admission webhook "deny.example.com" denied the request: owner label is required',
      code: 400,
    });
  });

  it('a mutating webhook that patches, sent the request as kube-apiserver sends it', async () => {
    const { mutating } = plugins([at('/patch')]);
    const before = server.received.length;
    const out = await mutating.admit!(request('CREATE', configMap('cm', { app: 'web' })));
    assert.deepEqual(out?.metadata?.labels, { app: 'web', owner: 'webhook' });
    const got = server.received[before];
    assert.equal(got.path, '/patch?timeout=10s');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['user-agent'], 'kube-apiserver-admission');
    assert.equal(got.review.kind, 'AdmissionReview');
    assert.equal(got.review.apiVersion, 'admission.k8s.io/v1');
    assert.match(got.review.request.uid, /^[0-9a-f-]{36}$/);
    assert.equal(got.review.request.operation, 'CREATE');
    assert.deepEqual(got.review.request.object.metadata.labels, { app: 'web' });
  });

  it('one that times out: 500 under Fail, naming the webhook and how long it took; admitted under Ignore', async () => {
    const { validating, metrics } = plugins([at('/slow', { timeoutSeconds: 1 })]);
    const err = await refusal(validating.validate!(request('CREATE', configMap())));
    assert.equal(err.httpCode, 500);
    assert.equal(err.reason, 'InternalError');
    const kube = `Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "https://127.0.0.1:${server.port}/slow?timeout=1s": context deadline exceeded`;
    assert.ok(err.message.startsWith(kube), err.message);
    assert.match(err.message.slice(kube.length), /^ \(after \d+\.\d{3}s\)$/);
    assert.deepEqual(metrics.lines('apiserver_admission_webhook_rejection_count'), [
      'apiserver_admission_webhook_rejection_count{error_type="calling_webhook_error",name="slow.example.com",operation="CREATE",rejection_code="503",type="validating"} 1',
    ]);
    const ignoring = plugins([at('/slow', { timeoutSeconds: 1, failurePolicy: 'Ignore' })]);
    await ignoring.validating.validate!(request('CREATE', configMap()));
    assert.deepEqual(ignoring.metrics.lines('apiserver_admission_webhook_fail_open_count'), ['apiserver_admission_webhook_fail_open_count{name="slow.example.com",type="validating"} 1']);
  });

  it('one that is down: connection refused, in Go\'s words', async () => {
    const { mutating } = plugins([at('/allow', { name: 'down.example.com' }, { url: `https://127.0.0.1:${down}/allow`, caBundle })], { describeDuration: false });
    const err = await refusal(mutating.admit!(request('CREATE', configMap())));
    assert.equal(
      err.message,
      `Internal error occurred: failed calling webhook "down.example.com": failed to call webhook: Post "https://127.0.0.1:${down}/allow?timeout=10s": dial tcp 127.0.0.1:${down}: connect: connection refused`,
    );
  });

  it('one reached through a Service: its EndpointSlice\'s endpoint, verified as <service>.<namespace>.svc', async () => {
    const service = { service: { name: 'hooks', namespace: 'team', path: '/deny' }, caBundle };
    const { validating } = plugins([at('/deny', { name: 'svc.example.com' }, service)]);
    const before = server.received.length;
    const err = await refusal(validating.validate!(request('CREATE', configMap())));
    assert.equal(err.message, 'admission webhook "svc.example.com" denied the request: owner label is required');
    assert.equal(server.received[before].headers.host, 'hooks.team.svc:443');
    const idle = plugins([at('/deny', { name: 'idle.example.com' }, { service: { name: 'idle', namespace: 'team', path: '/deny' }, caBundle })], { describeDuration: false });
    assert.equal(
      (await refusal(idle.validating.validate!(request('CREATE', configMap())))).message,
      'Internal error occurred: failed calling webhook "idle.example.com": failed to call webhook: Post "https://idle.team.svc:443/deny?timeout=10s": no endpoints available for service "idle"',
    );
    const missing = plugins([at('/deny', { name: 'missing.example.com' }, { service: { name: 'nosuch', namespace: 'team' }, caBundle })], { describeDuration: false });
    assert.equal(
      (await refusal(missing.validating.validate!(request('CREATE', configMap())))).message,
      'Internal error occurred: failed calling webhook "missing.example.com": failed to call webhook: Post "https://nosuch.team.svc:443/?timeout=10s": service "nosuch" not found',
    );
  });

  it('one with a wrong caBundle, and one whose certificate does not name it', async () => {
    const wrong = fs.readFileSync(foreign.caCert).toString('base64');
    const { validating } = plugins([at('/allow', { name: 'badca.example.com' }, { url: `https://127.0.0.1:${server.port}/allow`, caBundle: wrong })], { describeDuration: false });
    assert.equal(
      (await refusal(validating.validate!(request('CREATE', configMap())))).message,
      `Internal error occurred: failed calling webhook "badca.example.com": failed to call webhook: Post "https://127.0.0.1:${server.port}/allow?timeout=10s": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
    );
    const elsewhere = { service: { name: 'hooks', namespace: 'elsewhere', path: '/allow' }, caBundle };
    const anywhere = new WebhookClients({ serviceResolver: { resolveEndpoint: async () => ({ host: '127.0.0.1', port: server.port }) } });
    clients.push(anywhere);
    const other = plugins([at('/allow', { name: 'name.example.com' }, elsewhere)], { describeDuration: false, clients: anywhere });
    assert.equal(
      (await refusal(other.validating.validate!(request('CREATE', configMap())))).message,
      'Internal error occurred: failed calling webhook "name.example.com": failed to call webhook: Post "https://hooks.elsewhere.svc:443/allow?timeout=10s": tls: failed to verify certificate: x509: certificate is valid for localhost, hooks.team.svc, not hooks.elsewhere.svc',
    );
  });

  it("reads answers other than 2xx as client-go does, and tries a 429 with Retry-After again", async () => {
    const { validating } = plugins([at('/text-500'), at('/status-503'), at('/not-found')].map((w) => ({ ...w, failurePolicy: 'Fail' })), { describeDuration: false });
    const err = await refusal(validating.validate!(request('CREATE', configMap())));
    // The first of the three to answer is the answer; each one's words are kube's.
    const expected = [
      'failed calling webhook "text-500.example.com": failed to call webhook: an error on the server ("boom") has prevented the request from succeeding',
      'failed calling webhook "status-503.example.com": failed to call webhook: webhook busy',
      'failed calling webhook "not-found.example.com": failed to call webhook: the server could not find the requested resource',
    ].map((m) => `Internal error occurred: ${m}`);
    assert.ok(expected.includes(err.message), err.message);
    busyOnce = false;
    const retrying = plugins([at('/busy-once')]);
    await retrying.validating.validate!(request('CREATE', configMap()));
    assert.equal(busyOnce, true);
  });

  it('keeps connections alive between calls, and closes them when the webhook\'s configuration changes', async () => {
    const c = new WebhookClients();
    clients.push(c);
    let configurations = [configuration('c', [at('/allow', { name: 'kept.example.com' })], '1')];
    const plugin = ValidatingAdmissionWebhook({ ...options([], c), configurations: { list: () => configurations } });
    const opened = server.connections;
    const closed = server.closedConnections;
    await plugin.validate!(request('CREATE', configMap()));
    await plugin.validate!(request('CREATE', configMap()));
    assert.equal(server.connections - opened, 1, 'both calls used one connection');
    // The same webhook with its caBundle given again, differently encoded: a new client, the old one closed.
    configurations = [configuration('c', [at('/allow', { name: 'kept.example.com' }, { url: `https://127.0.0.1:${server.port}/allow`, caBundle: `${caBundle}\n` })], '2')];
    await plugin.validate!(request('CREATE', configMap()));
    assert.equal(server.connections - opened, 2);
    await eventually(() => server.closedConnections - closed >= 1, 'the old connection to close');
  });
});
