// No single request takes kapi down, and each gets kube-apiserver's answer: a corpus of malformed
// and hostile bodies (bad-input-corpus.ts) sent to every write path of four kinds gets, request by
// request, the code and Status reason kube-apiserver v1.34 gave the same request
// (bad-input.kube-answers.ts); huge label selectors are served or refused as kube's Go server does;
// afterwards every process of the stack still runs and /readyz passes. Then the front door's
// in-flight limit is really saturated: past it a request is shed with kube's 429, system:masters and
// long-running requests still get through, and the slots come back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { apiRequest, eventually, startTestStack, type TestStack } from './harness.js';
import { FUZZ_KINDS, INPUTS, send, sendCorpus, statusOf, type Target } from './bad-input-corpus.js';
import { KUBE_ANSWERS } from './bad-input.kube-answers.js';

const BUSY_TOKEN = 'busy-client-token-0123456789';
const MUTATING_LIMIT = 2;

describe('bad input and overload at the front door', { timeout: 600_000 }, () => {
  let stack: TestStack;
  let admin: Target;
  let busy: Target;

  before(async () => {
    const tokens = join(tmpdir(), `kapi-bad-input-tokens-${process.pid}.csv`);
    writeFileSync(tokens, `${BUSY_TOKEN},busy-client,busy-client-uid,"busy-clients"\n`);
    // One front door, so that the in-flight limit the test saturates is the one every request meets.
    stack = await startTestStack({
      aggregatorReplicas: 1,
      env: { KAPI_TOKEN_AUTH_FILE: tokens, KAPI_MAX_MUTATING_REQUESTS_INFLIGHT: String(MUTATING_LIMIT) },
    });
    const { tls, serverUrl } = stack.handle;
    admin = { server: serverUrl, ca: tls.ca, cert: tls.cert, key: tls.key };
    busy = { server: serverUrl, ca: tls.ca, token: BUSY_TOKEN };
  });

  after(async () => {
    await stack?.stop();
  });

  it('answers every body of the corpus, on every write path, with the code and reason kube-apiserver gives', async () => {
    const outcomes = await sendCorpus(admin);
    assert.equal(outcomes.length, INPUTS.length * FUZZ_KINDS.reduce((n, kind) => n + 7 + 2 * kind.subresources.length, 0));
    const differences: string[] = [];
    for (const outcome of outcomes) {
      const expected = KUBE_ANSWERS[outcome.input]?.[outcome.kind]?.[outcome.path];
      assert.ok(expected, `kube's answer to ${outcome.input} on ${outcome.kind} ${outcome.path} is recorded`);
      if (!outcome.answer) {
        differences.push(`${outcome.input} → ${outcome.kind} ${outcome.path}: no HTTP answer (${outcome.error})`);
        continue;
      }
      const status = statusOf(outcome.answer);
      const got = `${outcome.answer.code} ${status ? (status.reason ?? '') : 'object'}`.trim();
      if (got !== expected) differences.push(`${outcome.input} → ${outcome.kind} ${outcome.path}: kube ${expected}, kapi ${got} ${status?.message?.slice(0, 160) ?? ''}`);
    }
    assert.deepEqual(differences, []);
  });

  it('answers the copy bomb, a JSON patch of 10,001 operations and XML bodies exactly as kube-apiserver does', async () => {
    const configMap = '/api/v1/namespaces/default/configmaps/fuzz-target';
    const bomb = [{ op: 'add', path: '/metadata/annotations', value: { a: 'x' } }, ...Array.from({ length: 40 }, (_, i) => ({ op: 'copy', from: '/metadata/annotations', path: `/metadata/annotations/c${i}` }))];
    const copyBomb = await send(admin, 'PATCH', configMap, JSON.stringify(bomb), { 'Content-Type': 'application/json-patch+json' });
    assert.deepEqual(JSON.parse(copyBomb.body), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server rejected our request due to an error in our request',
      reason: 'Invalid',
      details: {},
      code: 422,
    });

    const ops = Array.from({ length: 10_001 }, (_, i) => ({ op: 'add', path: `/data/k${i % 10}`, value: String(i) }));
    const tooMany = await send(admin, 'PATCH', configMap, JSON.stringify(ops), { 'Content-Type': 'application/json-patch+json' });
    assert.deepEqual(JSON.parse(tooMany.body), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
      reason: 'RequestEntityTooLarge',
      code: 413,
    });

    const xml = '<configMap/>';
    const unknownFormat = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf',
      reason: 'UnsupportedMediaType',
      code: 415,
    };
    for (const [method, path] of [
      ['POST', '/api/v1/namespaces/default/configmaps'],
      ['PUT', configMap],
      ['DELETE', configMap],
    ]) {
      assert.deepEqual(JSON.parse((await send(admin, method, path, xml, { 'Content-Type': 'application/xml' })).body), unknownFormat, method);
    }
    // A PATCH is refused by kube's router before its handler, in go-restful's words.
    assert.deepEqual(JSON.parse((await send(admin, 'PATCH', configMap, xml, { 'Content-Type': 'application/xml' })).body), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: '415: Unsupported Media Type',
      reason: 'UnsupportedMediaType',
      details: {},
      code: 415,
    });
    // The ConfigMap is still there, unharmed.
    assert.equal((await send(admin, 'GET', configMap)).code, 200);
  });

  it('serves label selectors of tens of thousands of requirements, and answers a query past 1 MiB as Go does', async () => {
    const selector = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=v`).join(',');
    const long = selector(40_000);
    assert.ok(long.length > 300_000);
    for (const [method, path] of [
      ['GET', `/api/v1/namespaces/default/configmaps?labelSelector=${long}`],
      ['GET', `/api/v1/namespaces/default/configmaps?limit=5&labelSelector=${long}`],
      ['GET', `/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1&labelSelector=${long}`],
      ['DELETE', `/api/v1/namespaces/default/configmaps?labelSelector=${long}`],
    ]) {
      const answer = await send(admin, method, path);
      assert.equal(answer.code, 200, `${method} ${path.slice(0, 80)}: ${answer.body.slice(0, 200)}`);
    }
    const tooLong = await send(admin, 'GET', `/api/v1/namespaces/default/configmaps?labelSelector=${selector(150_000)}`);
    assert.equal(tooLong.code, 431);
    assert.equal(tooLong.body, '431 Request Header Fields Too Large');
  });

  it('still runs every process afterwards, and /readyz passes', async () => {
    for (const proc of stack.handle.processes) {
      assert.doesNotThrow(() => process.kill(proc.pid, 0), `${proc.instance} (pid ${proc.pid}) is still running`);
    }
    const readyz = await apiRequest(stack, 'GET', '/readyz');
    assert.equal(readyz.code, 200, readyz.body);
  });

  it('sheds mutating requests past KAPI_MAX_MUTATING_REQUESTS_INFLIGHT with kube\'s 429, and takes them again once the slots are free', async () => {
    const collection = '/api/v1/namespaces/default/configmaps';
    await send(admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'busy-client-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'busy-client' }],
    }), { 'Content-Type': 'application/json' });
    const configMap = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
    await eventually(async () => assert.equal((await send(busy, 'POST', collection, configMap('busy-first'), { 'Content-Type': 'application/json' })).code, 201));

    // Creates that send half their body and wait: each holds a mutating slot while its body is read.
    const held = Array.from({ length: MUTATING_LIMIT }, (_, i) => holdCreate(busy, collection, configMap(`held-${i}`)));
    try {
      let refused: Awaited<ReturnType<typeof send>> | undefined;
      // Each attempt names a new object: an attempt that came before the held creates took their slots
      // is created, and must not turn the next attempts into AlreadyExists.
      const unnamed = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'shed-' } });
      await eventually(async () => {
        const answer = await send(busy, 'POST', collection, unnamed, { 'Content-Type': 'application/json' });
        assert.equal(answer.code, 429, `a create past the limit is shed (got ${answer.code} ${answer.body})`);
        refused = answer;
      }, 60_000);
      assert.equal(refused!.headers['retry-after'], '1');
      assert.equal(refused!.headers['content-type'], 'text/plain; charset=utf-8');
      assert.equal(refused!.body, 'Too many requests, please try again later.\n');

      // system:masters always gets an answer; reads have a limit of their own; watches are long-running.
      assert.equal((await send(admin, 'POST', collection, configMap('masters-pass'), { 'Content-Type': 'application/json' })).code, 201);
      assert.equal((await send(busy, 'GET', `${collection}/busy-first`)).code, 200);
      assert.equal((await send(busy, 'GET', `${collection}?watch=1&timeoutSeconds=1`)).code, 200);
      const metrics = await send(admin, 'GET', '/metrics');
      assert.match(metrics.body, /apiserver_dropped_requests_total\{request_kind="mutating"\} [1-9]/);
    } finally {
      for (const h of held) h.finish();
    }
    for (const h of held) assert.equal((await h.answer).code, 201);
    await eventually(async () => assert.equal((await send(busy, 'POST', collection, configMap('after'), { 'Content-Type': 'application/json' })).code, 201));
  });
});

/** A create that sends its headers and half its body, and the rest only when told to. */
function holdCreate(target: Target, path: string, body: string): { finish(): void; answer: Promise<{ code: number; body: string }> } {
  let finish = () => undefined as void;
  const answer = new Promise<{ code: number; body: string }>((resolve, reject) => {
    const req = httpsRequest(new URL(path, target.server), {
      method: 'POST',
      agent: false,
      ca: target.ca,
      headers: { Authorization: `Bearer ${target.token}`, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) },
    });
    req.on('response', (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    finish = () => void req.end(body.slice(half));
  });
  return { finish: () => finish(), answer };
}
