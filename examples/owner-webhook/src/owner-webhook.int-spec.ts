// The example service as it runs: its built main.js started as a process with a certificate of the
// test's own, spoken to over HTTPS with the AdmissionReviews kube-apiserver would send for a
// namespace labelled kapi.example/require-owner=true and kapi.example/default-requests=true.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { AdmissionReview } from '@kapi/admission-webhook-kit';
import { CONFIGURATION_NAME, WEBHOOK_NAMES, WEBHOOK_PATHS } from './configurations.js';
import { issueServingFiles, type ServingFiles } from './test-support/pki.js';
import { container, deployment, pod, reviewOf } from './test-support/reviews.js';
import { outcomeOf } from './test-support/verdicts.js';

const MAIN = path.join(__dirname, 'main.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function httpsCall(url: string, ca: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: body === undefined ? 'GET' : 'POST', ca, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the owner webhook service over HTTPS', () => {
  let dir: string;
  let files: ServingFiles;
  let ca: string;
  let child: ChildProcess;
  let base: string;
  let stderr = '';

  const review = async (webhookPath: string, sent: AdmissionReview) => {
    const reply = await httpsCall(`${base}${webhookPath}?timeout=5s`, ca, JSON.stringify(sent));
    assert.equal(reply.status, 200, reply.body);
    return outcomeOf(sent, reply.body);
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owner-webhook-'));
    files = issueServingFiles(dir);
    ca = fs.readFileSync(files.caFile, 'utf8');
    const port = await freePort();
    child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, WEBHOOK_LISTEN: `127.0.0.1:${port}`, WEBHOOK_TLS_CERT_FILE: files.certFile, WEBHOOK_TLS_KEY_FILE: files.keyFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    base = `https://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ready = await httpsCall(`${base}/readyz`, ca).catch(() => undefined);
      if (ready?.status === 200) break;
      if (child.exitCode !== null || Date.now() > deadline) assert.fail(`the service did not become ready:\n${stderr}`);
      await sleep(100);
    }
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('denies a Deployment without an owner label', async () => {
    const outcome = await review(WEBHOOK_PATHS.requireOwner, reviewOf('CREATE', deployment('web', 'team-a', { app: 'web' })));
    assert.equal(outcome.allowed, false);
    assert.equal(outcome.status?.code, 403);
    assert.equal(outcome.status?.reason, 'Forbidden');
    // What kubectl then prints, once the API server has prefixed the webhook's name.
    assert.equal(
      `admission webhook "${WEBHOOK_NAMES.requireOwner}" denied the request: ${outcome.status?.message}`,
      'admission webhook "require-owner.kapi.example" denied the request: Deployment "web" has no "owner" label: namespace "team-a" requires one (kapi.example/require-owner=true); add metadata.labels.owner',
    );
  });

  test('allows a Deployment with an owner, and one being deleted', async () => {
    assert.equal((await review(WEBHOOK_PATHS.requireOwner, reviewOf('CREATE', deployment('web', 'team-a', { owner: 'alice' })))).allowed, true);
    assert.equal((await review(WEBHOOK_PATHS.requireOwner, reviewOf('DELETE', null, deployment('web', 'team-a', {})))).allowed, true);
  });

  test('patches default requests into containers that have none; the patched Pod is what it promises', async () => {
    const sent = pod('p', 'team-a', [container('app'), container('db', { requests: { memory: '2Gi' } }), container('limited', { limits: { memory: '64Mi' } })]);
    const outcome = await review(WEBHOOK_PATHS.defaultRequests, reviewOf('CREATE', sent));
    assert.equal(outcome.allowed, true);
    assert.deepEqual(outcome.operations, [
      { op: 'add', path: '/spec/containers/2/resources/requests', value: { cpu: '100m' } },
      { op: 'add', path: '/spec/containers/0/resources/requests', value: { cpu: '100m', memory: '128Mi' } },
    ]);
    const expected = structuredClone(sent) as any;
    expected.spec.containers[0].resources = { requests: { cpu: '100m', memory: '128Mi' } };
    expected.spec.containers[2].resources = { limits: { memory: '64Mi' }, requests: { cpu: '100m' } };
    assert.deepEqual(outcome.object, expected);
    assert.deepEqual(outcome.warnings, [
      'container "app" has no resource requests; the default ones were added (cpu: 100m, memory: 128Mi)',
      'container "limited" has no resource requests; the default ones were added (cpu: 100m, memory: 128Mi)',
    ]);
  });

  test('a Deployment that already requests resources passes unchanged', async () => {
    const outcome = await review(WEBHOOK_PATHS.defaultRequests, reviewOf('CREATE', deployment('web', 'team-a', { owner: 'alice' }, [container('nginx', { requests: { cpu: '1' } })])));
    assert.deepEqual([outcome.allowed, outcome.operations], [true, undefined]);
  });

  test('prints its webhook configurations for a URL and for a Service', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [MAIN, 'configurations', '--ca-file', files.caFile, '--url', base]);
    const list = JSON.parse(stdout);
    assert.equal(list.kind, 'List');
    assert.deepEqual(
      list.items.map((item: any) => [item.kind, item.metadata.name, item.webhooks[0].clientConfig.url, Buffer.from(item.webhooks[0].clientConfig.caBundle, 'base64').toString()]),
      [
        ['MutatingWebhookConfiguration', CONFIGURATION_NAME, `${base}${WEBHOOK_PATHS.defaultRequests}`, ca],
        ['ValidatingWebhookConfiguration', CONFIGURATION_NAME, `${base}${WEBHOOK_PATHS.requireOwner}`, ca],
      ],
    );
    const byService = JSON.parse((await run(process.execPath, [MAIN, 'configurations', '--ca-file', files.caFile, '--service', 'webhooks/owner-webhook'])).stdout);
    assert.deepEqual(byService.items[1].webhooks[0].clientConfig.service, { namespace: 'webhooks', name: 'owner-webhook', path: WEBHOOK_PATHS.requireOwner, port: 443 });
    await assert.rejects(run(process.execPath, [MAIN, 'configurations', '--url', base]), /usage: main\.js/);
  });

  test('a wrong setting stops the service in one line', async () => {
    const run = promisify(execFile);
    await assert.rejects(run(process.execPath, [MAIN], { env: { ...process.env, WEBHOOK_TLS_CERT_FILE: path.join(dir, 'absent.crt') } }), (error: any) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /^owner-webhook: cannot read the TLS certificate .*absent\.crt: ENOENT/);
      return true;
    });
  });

  test('stops on SIGTERM with exit code 0', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
