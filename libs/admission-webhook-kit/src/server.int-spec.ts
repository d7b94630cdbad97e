// The webhook server over real HTTPS, spoken to as kube-apiserver speaks to it: the reviews are
// the ones kube-apiserver v1.34 sent, with its `?timeout=`.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import { Agent } from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { allow, deny, mutate } from './responses.js';
import { WebhookServer, createWebhookServer, type Logger } from './server.js';
import { mutating, validating } from './webhook.js';
import { post, servedFingerprint } from './test-support/https-client.js';
import { kubeDenialMessage, verifyAsKube } from './test-support/kube-verify.js';
import { KUBE_CREATE_V1, KUBE_CREATE_V1BETA1 } from './test-support/kube-reviews.js';
import { issueServingCertificate, type TestCertificates } from './test-support/pki.js';

const UID = JSON.parse(KUBE_CREATE_V1).request.uid as string;

/** Polls `check` until it holds; the deadline is generous because the machine may be busy. */
async function eventually(what: string, check: () => Promise<boolean> | boolean, deadlineMs = 30_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`${what} did not happen within ${deadlineMs} ms`);
    await sleep(50);
  }
}

class RecordingLogger implements Logger {
  readonly lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  info(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'info', message, fields });
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, fields });
  }
}

describe('the webhook server over HTTPS', () => {
  let dir: string;
  let pki: TestCertificates;
  let server: WebhookServer;
  let base: string;
  const logger = new RecordingLogger();
  let abortedBy: unknown;
  const tlsFiles = () => ({ certFile: path.join(dir, 'tls.crt'), keyFile: path.join(dir, 'tls.key') });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-kit-'));
    pki = issueServingCertificate(dir, 'first');
    fs.writeFileSync(tlsFiles().certFile, pki.cert);
    fs.writeFileSync(tlsFiles().keyFile, pki.key);
    server = createWebhookServer({
      host: '127.0.0.1',
      port: 0,
      tls: { ...tlsFiles(), reloadIntervalMs: 50 },
      maxBodyBytes: 64 * 1024,
      logger,
      webhooks: {
        '/validate': validating((request) => (request.object?.metadata?.labels?.owner ? allow() : deny(`${request.kind.kind} "${request.name}" has no owner label`))),
        '/mutate': mutating((request) => {
          const object = structuredClone(request.object) as any;
          object.metadata.labels.owner = 'defaulted';
          return mutate(object, { warnings: ['owner defaulted'] });
        }),
        '/throws': validating(() => {
          throw new Error('the policy store is unreachable');
        }),
        '/patches-but-validates': validating((request) => mutate({ ...(request.object as object), extra: true })),
        '/never': validating(
          (_request, { signal }) =>
            new Promise(() => {
              signal.addEventListener('abort', () => (abortedBy = signal.reason));
            }),
        ),
      },
    });
    base = `https://127.0.0.1:${(await server.listen()).port}`;
  });

  after(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('routes each path to its webhook and answers as kube-apiserver expects', async () => {
    const denied = await post(`${base}/validate?timeout=7s`, KUBE_CREATE_V1, { ca: pki.caCert });
    assert.equal(denied.status, 200);
    assert.equal(denied.headers['content-type'], 'application/json');
    const verdict = verifyAsKube(JSON.parse(denied.body), UID, false);
    assert.equal(kubeDenialMessage('owner.example', verdict.status), 'admission webhook "owner.example" denied the request: Deployment "web" has no owner label');

    const mutated = await post(`${base}/mutate?timeout=7s`, KUBE_CREATE_V1, { ca: pki.caCert });
    const patched = verifyAsKube(JSON.parse(mutated.body), UID, true);
    assert.deepEqual(patched.operations, [{ op: 'add', path: '/metadata/labels/owner', value: 'defaulted' }]);
    assert.deepEqual(patched.warnings, ['owner defaulted']);
  });

  test('answers a v1beta1 review in v1beta1', async () => {
    const review = JSON.parse(KUBE_CREATE_V1BETA1);
    const reply = await post(`${base}/validate?timeout=10s`, KUBE_CREATE_V1BETA1, { ca: pki.caCert });
    assert.equal(verifyAsKube(JSON.parse(reply.body), review.request.uid, false, 'admission.k8s.io/v1beta1').allowed, false);
  });

  test('serves several reviews on one kept-alive connection, as kube-apiserver sends them', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sockets = new Set<unknown>();
      agent.on('free', (socket) => sockets.add(socket));
      for (let i = 0; i < 3; i++) assert.equal((await post(`${base}/validate?timeout=7s`, KUBE_CREATE_V1, { ca: pki.caCert, agent })).status, 200);
      assert.equal(sockets.size, 1);
    } finally {
      agent.destroy();
    }
  });

  test('answers what it cannot take with a Status kube-apiserver quotes in its error', async () => {
    const status = async (reply: Promise<{ status: number; body: string }>) => {
      const { status: code, body } = await reply;
      const parsed = JSON.parse(body);
      assert.equal(parsed.kind, 'Status');
      assert.equal(parsed.code, code);
      return { code, reason: parsed.reason, message: parsed.message };
    };
    assert.deepEqual(await status(post(`${base}/nowhere`, KUBE_CREATE_V1, { ca: pki.caCert })), { code: 404, reason: 'NotFound', message: 'no webhook is served at /nowhere' });
    assert.deepEqual(await status(post(`${base}/validate`, '', { ca: pki.caCert, method: 'GET' })), {
      code: 405,
      reason: 'MethodNotAllowed',
      message: 'GET is not allowed: send an AdmissionReview with POST',
    });
    assert.deepEqual(await status(post(`${base}/validate`, KUBE_CREATE_V1, { ca: pki.caCert, headers: { 'Content-Type': 'application/yaml' } })), {
      code: 415,
      reason: 'UnsupportedMediaType',
      message: 'unsupported media type "application/yaml": an AdmissionReview is sent as application/json',
    });
    assert.deepEqual(await status(post(`${base}/validate`, '{"kind":"AdmissionReview"}', { ca: pki.caCert })), {
      code: 400,
      reason: 'BadRequest',
      message: 'unsupported apiVersion undefined: expected admission.k8s.io/v1 or admission.k8s.io/v1beta1',
    });
    assert.deepEqual(await status(post(`${base}/validate?timeout=soon`, KUBE_CREATE_V1, { ca: pki.caCert })), {
      code: 400,
      reason: 'BadRequest',
      message: 'invalid timeout "soon": expected a duration such as 10s',
    });
  });

  test('refuses a body past the limit with 413, without reading it all', async () => {
    const large = JSON.stringify({ ...JSON.parse(KUBE_CREATE_V1), padding: 'x'.repeat(128 * 1024) });
    const reply = await post(`${base}/validate`, large, { ca: pki.caCert });
    assert.equal(reply.status, 413);
    assert.equal(JSON.parse(reply.body).message, 'the request body is larger than 65536 bytes');
    // Sent in chunks without a length, it is cut off once past the limit all the same.
    const chunked = await post(`${base}/validate`, large, { ca: pki.caCert, headers: { 'Transfer-Encoding': 'chunked' } });
    assert.equal(chunked.status, 413);
  });

  test('a handler that throws is a 500 (failurePolicy decides), never a denial it did not mean', async () => {
    const reply = await post(`${base}/throws?timeout=7s`, KUBE_CREATE_V1, { ca: pki.caCert });
    assert.equal(reply.status, 500);
    assert.equal(JSON.parse(reply.body).message, 'the webhook failed: the policy store is unreachable');
    assert.ok(logger.lines.some((line) => line.level === 'error' && line.fields?.uid === UID && line.fields?.status === 500));
  });

  test('a validating webhook that returns a patch is a 500 naming the mistake', async () => {
    const reply = await post(`${base}/patches-but-validates`, KUBE_CREATE_V1, { ca: pki.caCert });
    assert.equal(reply.status, 500);
    assert.match(JSON.parse(reply.body).message, /^the webhook gave an invalid verdict: a validating webhook may not return a patch/);
  });

  test("honours kube-apiserver's ?timeout=: the handler's signal aborts and the caller gets 504", async () => {
    const reply = await post(`${base}/never?timeout=1s`, KUBE_CREATE_V1, { ca: pki.caCert });
    assert.equal(reply.status, 504);
    assert.equal(JSON.parse(reply.body).reason, 'Timeout');
    assert.match(JSON.parse(reply.body).message, /^the webhook did not decide before the caller's timeout \(1000 ms passed\)$/);
    assert.ok(abortedBy instanceof Error);
  });

  test('answers the health endpoints', async () => {
    for (const endpoint of ['/healthz', '/livez', '/readyz']) {
      const reply = await post(`${base}${endpoint}`, '', { ca: pki.caCert, method: 'GET' });
      assert.deepEqual([reply.status, reply.body], [200, 'ok'], endpoint);
    }
  });

  test('serves a renewed certificate once its files change, and keeps the old one while they do not match', async () => {
    const port = server.address().port;
    const first = new X509Certificate(pki.cert).fingerprint256;
    assert.equal(await servedFingerprint('127.0.0.1', port, pki.caCert), first);

    const renewed = issueServingCertificate(dir, 'renewed');
    // A rotation caught halfway: the new certificate beside the old key.
    fs.writeFileSync(tlsFiles().certFile, renewed.cert);
    await eventually('the mismatched pair to be reported', () => logger.lines.some((line) => line.message.startsWith('cannot use the certificate files')));
    assert.equal(await servedFingerprint('127.0.0.1', port, [pki.caCert, renewed.caCert]), first);
    // The kubelet's way: the new files appear behind a symlink swap.
    const next = path.join(dir, 'next');
    fs.mkdirSync(next);
    fs.writeFileSync(path.join(next, 'tls.crt'), renewed.cert);
    fs.writeFileSync(path.join(next, 'tls.key'), renewed.key);
    for (const file of ['tls.crt', 'tls.key']) {
      fs.rmSync(path.join(dir, file));
      fs.symlinkSync(path.join(next, file), path.join(dir, file));
    }
    const wanted = new X509Certificate(renewed.cert).fingerprint256;
    await eventually('the renewed certificate to be served', async () => (await servedFingerprint('127.0.0.1', port, [pki.caCert, renewed.caCert])) === wanted);
    const reply = await post(`${base}/validate?timeout=7s`, KUBE_CREATE_V1, { ca: renewed.caCert });
    assert.equal(reply.status, 200);
    assert.ok(logger.lines.some((line) => line.message === 'serving a renewed certificate'));
  });
});

describe('the webhook server refuses a configuration that cannot work', () => {
  test('paths, webhooks and certificate files are checked before it listens', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-kit-'));
    try {
      const pki = issueServingCertificate(dir, 'only');
      const other = issueServingCertificate(dir, 'other');
      fs.writeFileSync(path.join(dir, 'tls.crt'), pki.cert);
      fs.writeFileSync(path.join(dir, 'tls.key'), pki.key);
      fs.writeFileSync(path.join(dir, 'other.key'), other.key);
      const tls = { certFile: path.join(dir, 'tls.crt'), keyFile: path.join(dir, 'tls.key') };
      const hook = validating(() => allow());
      assert.throws(() => createWebhookServer({ tls, webhooks: { validate: hook } }), /webhook path "validate" must start with "\/"/);
      assert.throws(() => createWebhookServer({ tls, webhooks: { '/readyz': hook } }), /webhook path \/readyz is the server's health endpoint/);
      assert.throws(() => createWebhookServer({ tls, webhooks: { '/x': (() => allow()) as never } }), /must be made with validating\(\) or mutating\(\)/);
      assert.throws(() => createWebhookServer({ tls: { ...tls, certFile: path.join(dir, 'absent.crt') }, webhooks: {} }), /cannot read the TLS certificate .*absent\.crt/);
      assert.throws(
        () => createWebhookServer({ tls: { ...tls, keyFile: path.join(dir, 'other.key') }, webhooks: {} }),
        /the key in .*other\.key is not the key of the certificate in .*tls\.crt/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('closing the webhook server', () => {
  test('lets a review in flight finish, then refuses new connections', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-kit-'));
    try {
      const pki = issueServingCertificate(dir, 'closing');
      fs.writeFileSync(path.join(dir, 'tls.crt'), pki.cert);
      fs.writeFileSync(path.join(dir, 'tls.key'), pki.key);
      let release!: () => void;
      let arrived!: () => void;
      const started = new Promise<void>((resolve) => (arrived = resolve));
      const server = createWebhookServer({
        host: '127.0.0.1',
        port: 0,
        logger: new RecordingLogger(),
        tls: { certFile: path.join(dir, 'tls.crt'), keyFile: path.join(dir, 'tls.key') },
        webhooks: {
          '/slow': validating(async () => {
            arrived();
            await new Promise<void>((resolve) => (release = resolve));
            return allow();
          }),
        },
      });
      const base = `https://127.0.0.1:${(await server.listen()).port}`;
      const inFlight = post(`${base}/slow?timeout=30s`, KUBE_CREATE_V1, { ca: pki.caCert });
      await started;
      const closed = server.close();
      release();
      const reply = await inFlight;
      assert.equal(verifyAsKube(JSON.parse(reply.body), UID, false).allowed, true);
      await closed;
      await assert.rejects(post(`${base}/slow`, KUBE_CREATE_V1, { ca: pki.caCert }), /ECONNREFUSED/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
