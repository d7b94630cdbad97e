// Builders for this package's tests: requests, configurations, a recorder, and a fake transport that
// answers reviews from a function (the dispatchers' neighbour; integration tests use real servers).
import type { AdmissionRecorder, Operation } from '@kapi/admission-chain';
import { MetricsRegistry } from '@kapi/telemetry';
import type { WebhookClientConfig, WebhookTransport } from '@kapi/webhook-client';
import { AdmissionWebhookMetrics } from './metrics.js';
import type { WebhookAdmissionAttributes } from './reinvocation.js';
import type { AdmissionWebhook, KubeObject, WebhookConfiguration } from './types.js';
import type { WebhookAdmissionOptions } from './webhook.js';

export const configMap = (name = 'cm', labels: Record<string, string> = {}, data: Record<string, string> = { a: 'b' }): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'team', labels },
  data,
});

export interface TestRecorder extends AdmissionRecorder {
  warnings: string[];
  annotations: Record<string, string>;
}

export function testRecorder(): TestRecorder {
  const r: TestRecorder = {
    warnings: [],
    annotations: {},
    warning: (m) => void r.warnings.push(m),
    auditAnnotation: (k, v) => void (r.annotations[k] = v),
  };
  return r;
}

export function request(operation: Operation, object?: KubeObject, overrides: Partial<WebhookAdmissionAttributes> = {}): WebhookAdmissionAttributes & { recorder: TestRecorder } {
  return {
    operation,
    kind: { group: '', version: 'v1', kind: 'ConfigMap' },
    resource: { group: '', version: 'v1', resource: 'configmaps', namespace: 'team' },
    subresource: '',
    name: object?.metadata?.name ?? 'cm',
    object: operation === 'DELETE' ? undefined : object,
    oldObject: operation === 'DELETE' || operation === 'UPDATE' ? object : undefined,
    user: { username: 'alice', groups: ['system:authenticated'] },
    dryRun: false,
    uid: 'req-1',
    recorder: testRecorder(),
    ...overrides,
  } as WebhookAdmissionAttributes & { recorder: TestRecorder };
}

export function webhook(name: string, overrides: Partial<AdmissionWebhook> = {}): AdmissionWebhook {
  return {
    name,
    clientConfig: { url: `https://hooks.example.com/${name}` },
    rules: [{ operations: ['*'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], scope: '*' }],
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    namespaceSelector: {},
    objectSelector: {},
    sideEffects: 'None',
    timeoutSeconds: 10,
    admissionReviewVersions: ['v1'],
    ...overrides,
  };
}

export function configuration(name: string, webhooks: AdmissionWebhook[], resourceVersion?: string): WebhookConfiguration {
  return { metadata: { name, uid: `uid-${name}`, ...(resourceVersion ? { resourceVersion } : {}) }, webhooks };
}

/** What a fake webhook is asked: the review, which webhook (by the path of its URL), and the call's timeout. */
export interface FakeCall {
  webhook: string;
  review: { apiVersion: string; kind: string; request: Record<string, any> };
  timeoutMs: number;
}

export type FakeAnswer = Record<string, unknown> | string | Error;

/** Answers each call from `answer`: a response object (uid filled in), raw text, or an Error to throw. */
export function fakeTransport(answer: (call: FakeCall) => FakeAnswer | Promise<FakeAnswer>): WebhookTransport & { calls: FakeCall[]; retained: Map<string, WebhookClientConfig[]> } {
  const calls: FakeCall[] = [];
  const retained = new Map<string, WebhookClientConfig[]>();
  return {
    calls,
    retained,
    retain: (owner, configs) => void retained.set(owner, [...configs]),
    async post(config, review, timeoutMs) {
      const call = { webhook: (config.url ?? '').split('/').pop() ?? '', review: review as FakeCall['review'], timeoutMs };
      calls.push(call);
      const out = await answer(call);
      if (out instanceof Error) throw out;
      if (typeof out === 'string') return out;
      return JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: call.review.request.uid, ...out } });
    },
  };
}

/** A JSON patch as a webhook's response carries it. */
export const jsonPatch = (ops: unknown[]) => ({ allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') });

export function testMetrics(): { metrics: AdmissionWebhookMetrics; registry: MetricsRegistry; lines: (name: string) => string[] } {
  const registry = new MetricsRegistry();
  return {
    registry,
    metrics: new AdmissionWebhookMetrics(registry),
    lines: (name) =>
      registry
        .render()
        .split('\n')
        .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)),
  };
}

/** Options for a plugin over fixed configurations and namespaces. */
export function options(
  configurations: WebhookConfiguration[],
  transport: WebhookTransport,
  extra: Partial<WebhookAdmissionOptions> = {},
  namespaces: Record<string, Record<string, string>> = { team: { 'kubernetes.io/metadata.name': 'team' } },
): WebhookAdmissionOptions {
  return {
    configurations: { list: () => configurations },
    namespaceLabels: async (name) => namespaces[name],
    clients: transport,
    metrics: testMetrics().metrics,
    ...extra,
  };
}
