// npm run bench: what admission webhooks cost a write. The latency of one configmap create at a
// time through the front door in a namespace no webhook selects, in one a no-op validating webhook
// selects, and in one three select (kube calls validating webhooks at once), beside the webhook's
// own time: the same AdmissionReview POSTed straight to the webhook server over a kept-alive
// connection. The four are interleaved (one of each in turn), so the load of a shared machine
// drifting during the run weighs on all alike. A create with one webhook less one without, less
// the webhook's own time, is what kapi adds per call (building the review, the HTTPS call from the
// admission service, reading the answer); the admission service's own histogram of the call
// (apiserver_admission_webhook_admission_duration_seconds) shows the client's part of it.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allow, validating } from '@kapi/admission-webhook-kit';
import { startWebhookServer, webhookConfiguration, type TestWebhookServer } from '../webhook-servers.js';
import { ApiClient, describeMachineLoad, envNumber, fetchMetrics, machineCpu, nowMs, quantile, runBench, smallConfigMap, sleep, stackCpu, step } from './bench-kit.js';

const CREATES = envNumber('KAPI_BENCH_WEBHOOK_CREATES', 400);
const WARMUP = 50;
/** Namespaces by how many webhooks select them. */
const NAMESPACES = { 0: 'bench-none', 1: 'bench-one', 3: 'bench-three' } as const;

interface Latencies {
  p50: number;
  p99: number;
  mean: number;
}

function summarise(samples: number[]): Latencies {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), mean: samples.reduce((s, v) => s + v, 0) / samples.length };
}

const format = (l: Latencies) => `p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, mean ${l.mean.toFixed(2)} ms`;

/** What kapi sends a webhook for such a create, for the direct POST. */
function review(namespace: string): string {
  const object = smallConfigMap('direct');
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '00000000-0000-0000-0000-000000000000',
      kind: { group: '', version: 'v1', kind: 'ConfigMap' },
      resource: { group: '', version: 'v1', resource: 'configmaps' },
      requestKind: { group: '', version: 'v1', kind: 'ConfigMap' },
      requestResource: { group: '', version: 'v1', resource: 'configmaps' },
      name: 'direct',
      namespace,
      operation: 'CREATE',
      userInfo: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
      object: { ...object, metadata: { ...object.metadata, namespace, uid: '11111111-1111-1111-1111-111111111111', creationTimestamp: null } },
      oldObject: null,
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
    },
  });
}

function directPost(server: TestWebhookServer, agent: Agent, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(server.url('/allow?timeout=10s'), { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`the webhook answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The sum and count of the admission service's histogram of one webhook's calls. */
function webhookCalls(metrics: string, name: string): { sum: number; count: number } {
  const read = (suffix: string) => Number(new RegExp(`^apiserver_admission_webhook_admission_duration_seconds_${suffix}\\{name="${name}",operation="CREATE",rejected="false",type="validating"\\} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 0);
  return { sum: read('sum'), count: read('count') };
}

runBench('admission webhooks', 900_000, async (stack) => {
  const dir = mkdtempSync(join(tmpdir(), 'kapi-bench-webhooks-'));
  const server = await startWebhookServer(join(dir, 'pki'), { '/allow': validating(() => allow()) });
  const client = new ApiClient(stack, 1);
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: Buffer.from(server.caBundle, 'base64') });
  try {
    for (const [count, name] of Object.entries(NAMESPACES)) {
      await client.expect('POST', '/api/v1/namespaces', [201], { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { webhooks: count } } });
    }
    const selecting = (counts: string[]) => ({ matchExpressions: [{ key: 'webhooks', operator: 'In', values: counts }] });
    const hook = (i: number, counts: string[]) => ({ name: `noop-${i}.bench.kapi`, clientConfig: { url: server.url('/allow'), caBundle: server.caBundle }, namespaceSelector: selecting(counts) });
    await client.expect('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', [201], webhookConfiguration('ValidatingWebhookConfiguration', 'bench', [hook(0, ['1', '3']), hook(1, ['3']), hook(2, ['3'])]));
    // Until the admission service's informer has the configuration, a create calls no webhook.
    await step('waiting for the webhooks to be called', async () => {
      for (let i = 0; server.calls.length < 3; i++) {
        if (i > 300) throw new Error('creates still call no webhook');
        await client.expect('POST', `/api/v1/namespaces/${NAMESPACES[3]}/configmaps`, [201], smallConfigMap(`probe-${i}`));
        await sleep(100);
      }
    });
    const samples = { 0: [] as number[], 1: [] as number[], 3: [] as number[], direct: [] as number[] };
    const directBody = review(NAMESPACES[1]);
    const cpuBefore = stackCpu(stack);
    const ownBefore = process.cpuUsage();
    const machineBefore = machineCpu();
    let metricsBefore = '';
    const started = nowMs();
    for (let i = 0; i < WARMUP + CREATES; i++) {
      if (i === WARMUP) metricsBefore = await fetchMetrics(stack, 'admission-0');
      for (const count of [0, 1, 3] as const) {
        const t = nowMs();
        await client.expect('POST', `/api/v1/namespaces/${NAMESPACES[count]}/configmaps`, [201], smallConfigMap(`c-${i}`));
        if (i >= WARMUP) samples[count].push(nowMs() - t);
      }
      const t = nowMs();
      await directPost(server, agent, directBody);
      if (i >= WARMUP) samples.direct.push(nowMs() - t);
    }
    const seconds = (nowMs() - started) / 1000;
    const metricsAfter = await fetchMetrics(stack, 'admission-0');
    const cpuAfter = stackCpu(stack);
    const own = process.cpuUsage(ownBefore);
    const stackSeconds = [...cpuAfter].reduce((sum, [k, v]) => sum + v - (cpuBefore.get(k) ?? 0), 0);
    const [none, one, three, direct] = [summarise(samples[0]), summarise(samples[1]), summarise(samples[3]), summarise(samples.direct)];
    const before = webhookCalls(metricsBefore, 'noop-0.bench.kapi');
    const after = webhookCalls(metricsAfter, 'noop-0.bench.kapi');
    const callMs = ((after.sum - before.sum) / (after.count - before.count)) * 1000;
    console.log(`configmap create latency, one create at a time, ${CREATES} creates each, interleaved (after ${WARMUP} of each to warm up)`);
    console.log(`  no webhook                        ${format(none)}`);
    console.log(`  one no-op validating webhook      ${format(one)}`);
    console.log(`  three no-op validating webhooks   ${format(three)}`);
    console.log(`  the webhook alone (direct POST)   ${format(direct)}`);
    console.log(`  a webhook call as the admission service times it: mean ${callMs.toFixed(2)} ms (${after.count - before.count} calls)`);
    console.log(
      `  kapi's overhead per webhook call: ${(one.p50 - none.p50 - direct.p50).toFixed(2)} ms at p50, ${(one.mean - none.mean - direct.mean).toFixed(2)} ms in the mean (with one − without − the webhook alone); three at once add ${(three.p50 - none.p50).toFixed(2)} ms at p50`,
    );
    console.log(`  ${describeMachineLoad(machineBefore, machineCpu(), stackSeconds + (own.user + own.system) / 1e6, seconds)}`);
  } finally {
    agent.destroy();
    client.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
