// Dynamic admission webhooks through kapi, against real HTTPS webhook servers the test starts (built
// with @kapi/admission-webhook-kit): a validating webhook that denies, a mutating one that patches,
// one that times out, one that is down, one reached through a Service and an EndpointSlice; the
// selectors, a CEL matchCondition, dry run, warnings, reinvocation, the request's deadline through
// every hop, and kube's metrics on the admission service. Every message kubectl prints is the one
// kube-apiserver v1.34.2 printed for the same webhooks and objects (recorded against the reference
// server on this machine); where kapi says more (how long a failed webhook took), the test says so.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allow, deny, mutating, patch, validating, type AdmissionRequest } from '@kapi/admission-webhook-kit';
import { httpGet, METRICS_ADDRESS } from '@kapi/local-stack';
import { apiRequest, eventually, startTestStack, type TestStack } from './harness.js';
import { startWebhookServer, webhookConfiguration, type TestWebhookServer, type WebhookSpec } from './webhook-servers.js';

const NAMESPACE = 'hooks';
const SERVICE_NAMESPACE = 'webhook-system';
const selected = { matchLabels: { webhooks: 'on' } };
const only = (test: string) => ({ matchLabels: { test } });
const deployments = [{ operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] }];

const configMap = (name: string, labels: Record<string, string> = {}, namespace = NAMESPACE) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels } });
const deployment = (name: string, labels: Record<string, string>) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NAMESPACE, labels },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } },
  });

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** A port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** kapi's addition to a failed webhook's message: how long it took. */
const AFTER = String.raw` \(after \d+\.\d{3}s\)`;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('admission webhooks', { timeout: 600_000 }, () => {
  let stack: TestStack;
  let server: TestWebhookServer;
  let dir: string;
  let downPort: number;
  const dryRuns: boolean[] = [];
  const kubectl = (args: string[], input?: string) => stack.kubectl(args, input === undefined ? {} : { input });
  const apply = (input: string, ...flags: string[]) => kubectl(['apply', ...flags, '-f', '-'], input);
  const admissionMetrics = async () => {
    const admission = stack.handle.topology.services.find((s) => s.service === 'admission')!;
    return (await httpGet(`http://${METRICS_ADDRESS}:${admission.listen.port}/metrics`, { timeoutMs: 5000 })).body;
  };
  const metricValue = (text: string, series: string) => Number(new RegExp(`^${escape(series)} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kapi-webhooks-'));
    downPort = await closedPort();
    const seenContainers = (r: AdmissionRequest) => ((r.object?.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers ?? []).length;
    server = await startWebhookServer(
      join(dir, 'pki'),
      {
        '/deny': validating((r) => (dryRuns.push(r.dryRun === true), deny(`configmap "${r.name}" is not welcome here`))),
        '/sidecar': mutating(() =>
          patch([
            { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'sidecar', image: 'envoy:1.31' } },
            { op: 'add', path: '/metadata/labels/patched', value: 'yes' },
          ]),
        ),
        '/slow': validating(async (_r, { signal }) => (await sleep(60_000, signal), allow())),
        '/warn': validating(() => allow({ warnings: ['first: be careful', 'second\nline', `third: ${'é'.repeat(300)}`] })),
        '/many-warnings': validating(() => allow({ warnings: Array.from({ length: 40 }, (_, i) => `${i}: ${'w'.repeat(300)}`) })),
        '/count': mutating((r) => patch([{ op: 'add', path: '/metadata/annotations', value: { 'containers-seen': String(seenContainers(r)) } }])),
        '/wait-15s': mutating(async (_r, { signal }) => (await sleep(15_000, signal), allow())),
        '/wait-15.5s': validating(async (_r, { signal }) => (await sleep(15_500, signal), allow())),
        '/allow': validating(() => allow()),
      },
      [`hooks.${SERVICE_NAMESPACE}.svc`],
    );
    const at = (path: string) => ({ url: server.url(path), caBundle: server.caBundle });
    const validatingHooks: WebhookSpec[] = [
      { name: 'deny.kapi.test', clientConfig: at('/deny'), namespaceSelector: selected, objectSelector: only('deny'), sideEffects: 'NoneOnDryRun' },
      { name: 'slow.kapi.test', clientConfig: at('/slow'), namespaceSelector: selected, objectSelector: only('slow'), timeoutSeconds: 2 },
      { name: 'slow-ignore.kapi.test', clientConfig: at('/slow'), namespaceSelector: selected, objectSelector: only('slow-ignore'), timeoutSeconds: 2, failurePolicy: 'Ignore' },
      { name: 'hang.kapi.test', clientConfig: at('/slow'), namespaceSelector: selected, objectSelector: only('hang'), timeoutSeconds: 30 },
      { name: 'down.kapi.test', clientConfig: { url: `https://127.0.0.1:${downPort}/down`, caBundle: server.caBundle }, namespaceSelector: selected, objectSelector: only('down') },
      { name: 'warn.kapi.test', clientConfig: at('/warn'), namespaceSelector: selected, objectSelector: only('warn') },
      { name: 'many-warnings.kapi.test', clientConfig: at('/many-warnings'), namespaceSelector: selected, objectSelector: only('many-warnings') },
      {
        name: 'cel.kapi.test',
        clientConfig: at('/deny'),
        namespaceSelector: selected,
        objectSelector: only('cel'),
        matchConditions: [{ name: 'not-skipped', expression: "!object.metadata.name.startsWith('skip-')" }],
      },
      {
        name: 'svc.kapi.test',
        clientConfig: { service: { namespace: SERVICE_NAMESPACE, name: 'hooks', path: '/deny', port: 443 }, caBundle: server.caBundle },
        namespaceSelector: selected,
        objectSelector: only('svc'),
      },
      { name: 'long-validating.kapi.test', clientConfig: at('/wait-15.5s'), namespaceSelector: selected, objectSelector: only('long'), timeoutSeconds: 30 },
    ];
    const mutatingHooks: WebhookSpec[] = [
      { name: 'sidecar.kapi.test', clientConfig: at('/sidecar'), namespaceSelector: selected, objectSelector: only('sidecar'), rules: deployments },
      // Reinvocation: "count" records how many containers it saw; "sidecar-late" adds one after it.
      { name: 'count.kapi.test', clientConfig: at('/count'), namespaceSelector: selected, objectSelector: only('reinvoke'), rules: deployments, reinvocationPolicy: 'IfNeeded' },
      { name: 'sidecar-late.kapi.test', clientConfig: at('/sidecar'), namespaceSelector: selected, objectSelector: only('reinvoke'), rules: deployments },
      { name: 'long-mutating.kapi.test', clientConfig: at('/wait-15s'), namespaceSelector: selected, objectSelector: only('long'), timeoutSeconds: 30 },
    ];
    stack = await startTestStack({ aggregatorReplicas: 1 });
    for (const args of [
      ['create', 'namespace', NAMESPACE],
      ['label', 'namespace', NAMESPACE, 'webhooks=on'],
      ['create', 'namespace', 'quiet'],
      ['create', 'namespace', SERVICE_NAMESPACE],
    ]) {
      const result = await kubectl(args);
      assert.equal(result.code, 0, result.stderr);
    }
    // The Service the svc webhook names, and an EndpointSlice of it that points at the test's server.
    for (const object of [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hooks', namespace: SERVICE_NAMESPACE }, spec: { ports: [{ name: 'https', port: 443, targetPort: server.port }] } },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'hooks-1', namespace: SERVICE_NAMESPACE, labels: { 'kubernetes.io/service-name': 'hooks' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
        ports: [{ name: 'https', port: server.port, protocol: 'TCP' }],
      },
      webhookConfiguration('ValidatingWebhookConfiguration', 'kapi-test-validating', validatingHooks),
      webhookConfiguration('MutatingWebhookConfiguration', 'kapi-test-mutating', mutatingHooks),
    ]) {
      const result = await apply(JSON.stringify(object));
      assert.equal(result.code, 0, result.stderr);
    }
    // The admission service sees the configurations through its informers, a moment after they are stored.
    await eventually(async () => assert.equal((await apply(configMap('probe', { test: 'deny' }))).code, 1), 30_000);
  });

  after(async () => {
    await stack?.stop();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a validating webhook that denies: kubectl prints kube-apiserver\'s line', async () => {
    const result = await apply(configMap('denied', { test: 'deny' }));
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'Error from server (Forbidden): error when creating "STDIN": admission webhook "deny.kapi.test" denied the request: configmap "denied" is not welcome here\n');
  });

  it('namespaceSelector and objectSelector: only labelled objects in labelled namespaces are sent', async () => {
    const calls = server.calls.length;
    assert.equal((await apply(configMap('elsewhere', { test: 'deny' }, 'quiet'))).stdout, 'configmap/elsewhere created\n');
    assert.equal((await apply(configMap('unlabelled'))).stdout, 'configmap/unlabelled created\n');
    assert.equal(server.calls.length, calls, 'neither request reached a webhook');
    // kapi's system namespaces are exempt whatever a webhook selects.
    assert.equal((await apply(configMap('system', { test: 'deny' }, 'kube-system'))).code, 0);
  });

  it('matchConditions: a CEL condition that is false skips the webhook', async () => {
    assert.equal((await apply(configMap('skip-me', { test: 'cel' }))).stdout, 'configmap/skip-me created\n');
    const denied = await apply(configMap('not-skipped', { test: 'cel' }));
    assert.equal(denied.stderr, 'Error from server (Forbidden): error when creating "STDIN": admission webhook "cel.kapi.test" denied the request: configmap "not-skipped" is not welcome here\n');
    const metrics = await admissionMetrics();
    assert.equal(metricValue(metrics, 'apiserver_admission_match_condition_exclusions_total{kind="webhook",name="cel.kapi.test",operation="CREATE",type="validate"}'), 1);
  });

  it('a mutating webhook that patches: the stored object has the patch, re-defaulted', async () => {
    const result = await apply(deployment('web', { app: 'web', test: 'sidecar' }));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'deployment.apps/web created\n');
    const stored = JSON.parse((await kubectl(['-n', NAMESPACE, 'get', 'deployment', 'web', '-o', 'json'])).stdout);
    assert.deepEqual(stored.metadata.labels, { app: 'web', test: 'sidecar', patched: 'yes' });
    // What kube-apiserver stored for the same Deployment and patch: the sidecar defaulted as the container sent.
    const defaulted = { imagePullPolicy: 'IfNotPresent', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' };
    assert.deepEqual(stored.spec.template.spec.containers, [
      { image: 'nginx:1.27', name: 'app', ...defaulted },
      { image: 'envoy:1.31', name: 'sidecar', ...defaulted },
    ]);
  });

  it('reinvocation: an IfNeeded webhook runs again after a later one changed the object', async () => {
    const result = await apply(deployment('twice', { app: 'twice', test: 'reinvoke' }));
    assert.equal(result.code, 0, result.stderr);
    const stored = JSON.parse((await kubectl(['-n', NAMESPACE, 'get', 'deployment', 'twice', '-o', 'json'])).stdout);
    assert.equal(stored.spec.template.spec.containers.length, 2);
    assert.equal(stored.metadata.annotations['containers-seen'], '2', 'count saw the sidecar sidecar-late added');
  });

  it('a webhook that times out: Fail is kube\'s 500, Ignore admits the object and is counted as failing open', async () => {
    const failed = await apply(configMap('slow', { test: 'slow' }));
    assert.equal(failed.code, 1);
    assert.match(
      failed.stderr,
      new RegExp(
        `^${escape(`Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "slow.kapi.test": failed to call webhook: Post "${server.url('/slow')}?timeout=2s": context deadline exceeded`)}${AFTER}\n$`,
      ),
    );
    const before = metricValue(await admissionMetrics(), 'apiserver_admission_webhook_fail_open_count{name="slow-ignore.kapi.test",type="validating"}');
    assert.equal((await apply(configMap('slow-ignore', { test: 'slow-ignore' }))).stdout, 'configmap/slow-ignore created\n');
    const metrics = await admissionMetrics();
    assert.equal(metricValue(metrics, 'apiserver_admission_webhook_fail_open_count{name="slow-ignore.kapi.test",type="validating"}'), (Number.isNaN(before) ? 0 : before) + 1);
  });

  it('a webhook that is down: kube\'s message, with Go\'s words for the refused connection', async () => {
    const result = await apply(configMap('down', { test: 'down' }));
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(
        `^${escape(`Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "down.kapi.test": failed to call webhook: Post "https://127.0.0.1:${downPort}/down?timeout=10s": dial tcp 127.0.0.1:${downPort}: connect: connection refused`)}${AFTER}\n$`,
      ),
    );
  });

  it('a webhook reached through clientConfig.service: the Service\'s EndpointSlice, the certificate checked for <service>.<namespace>.svc', async () => {
    const result = await apply(configMap('via-service', { test: 'svc' }));
    assert.equal(result.stderr, 'Error from server (Forbidden): error when creating "STDIN": admission webhook "svc.kapi.test" denied the request: configmap "via-service" is not welcome here\n');
  });

  it('dry run: a NoneOnDryRun webhook is asked with dryRun set, and its denial stands', async () => {
    const seen = dryRuns.length;
    const result = await apply(configMap('dry', { test: 'deny' }), '--dry-run=server');
    assert.equal(result.stderr, 'Error from server (Forbidden): error when creating "STDIN": admission webhook "deny.kapi.test" denied the request: configmap "dry" is not welcome here\n');
    assert.deepEqual(dryRuns.slice(seen), [true]);
  });

  it('warnings reach kubectl; one no header can carry is dropped, never breaking the response', async () => {
    const result = await apply(configMap('warned', { test: 'warn' }));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'configmap/warned created\n');
    assert.equal(result.stderr, `Warning: first: be careful\nWarning: third: ${'é'.repeat(300)}\n`);
    // Past 4096 characters every warning is cut to 256 and the rest dropped, as kube's recorder does.
    const many = await apply(configMap('many-warned', { test: 'many-warnings' }));
    assert.equal(many.stdout, 'configmap/many-warned created\n');
    const lines = many.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 16);
    assert.deepEqual(lines[15], `Warning: 15: ${'w'.repeat(252)}`);
  });

  it('the request\'s deadline reaches the webhooks: two taking 30.5 s in all (more than any one hop had before) pass within kube\'s 34 s', async () => {
    const result = await apply(configMap('long', { test: 'long' }));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'configmap/long created\n');
  });

  it('a request whose webhooks use up its time (here ?timeout=6s) gets kube\'s answer', async () => {
    const res = await apiRequest(stack, 'POST', `/api/v1/namespaces/${NAMESPACE}/configmaps?timeout=6s`, configMap('hang', { test: 'hang' }));
    assert.equal(res.code, 504);
    assert.deepEqual(JSON.parse(res.body), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Timeout: request did not complete within requested timeout - context deadline exceeded',
      reason: 'Timeout',
      details: {},
      code: 504,
    });
    const badTimeout = await apiRequest(stack, 'POST', `/api/v1/namespaces/${NAMESPACE}/configmaps?timeout=soon`, configMap('never'));
    assert.equal(badTimeout.code, 400);
    assert.equal(JSON.parse(badTimeout.body).message, 'invalid timeout specified in the request URL - time: invalid duration "soon"');
  });

  it('the admission service reports kube\'s webhook and admission metrics', async () => {
    const metrics = await admissionMetrics();
    const positive = (series: string) => assert.ok(metricValue(metrics, series) > 0, `${series} in\n${metrics.split('\n').filter((l) => l.includes('admission')).join('\n')}`);
    positive('apiserver_admission_webhook_admission_duration_seconds_count{name="deny.kapi.test",operation="CREATE",rejected="true",type="validating"}');
    positive('apiserver_admission_webhook_rejection_count{error_type="no_error",name="deny.kapi.test",operation="CREATE",rejection_code="403",type="validating"}');
    positive('apiserver_admission_webhook_rejection_count{error_type="calling_webhook_error",name="slow.kapi.test",operation="CREATE",rejection_code="503",type="validating"}');
    positive('apiserver_admission_webhook_request_total{code="403",name="deny.kapi.test",operation="CREATE",rejected="true",type="validating"}');
    positive('apiserver_admission_webhook_request_total{code="200",name="sidecar.kapi.test",operation="CREATE",rejected="false",type="admit"}');
    positive('apiserver_admission_step_admission_duration_seconds_count{operation="CREATE",rejected="true",type="validate"}');
    positive('apiserver_admission_controller_admission_duration_seconds_count{name="ValidatingAdmissionWebhook",operation="CREATE",rejected="true",type="validate"}');
    positive('apiserver_admission_controller_admission_duration_seconds_count{name="MutatingAdmissionWebhook",operation="CREATE",rejected="false",type="admit"}');
  });
});
