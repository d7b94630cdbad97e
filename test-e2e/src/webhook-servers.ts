// Real admission webhook servers for the e2e tests and the benchmarks: HTTPS with a CA of their own,
// built with the kit, on a free port of 127.0.0.1, and the configurations that register them.
import { mkdirSync, readFileSync } from 'node:fs';
import { createWebhookServer, type Webhook } from '@kapi/admission-webhook-kit';
import { createTestServingPki } from '@kapi/local-stack';

export interface TestWebhookServer {
  port: number;
  /** The CA as a configuration's caBundle. */
  caBundle: string;
  /** `https://127.0.0.1:<port><path>` */
  url(path: string): string;
  /** The paths called, in order. */
  calls: string[];
  close(): Promise<void>;
}

const quiet = { info: () => undefined, error: () => undefined };

/**
 * Serves `webhooks` (by path) over HTTPS with a certificate for 127.0.0.1, localhost and the
 * `dnsNames` given (`<service>.<namespace>.svc` for a webhook reached through a Service).
 */
export async function startWebhookServer(dir: string, webhooks: Record<string, Webhook>, dnsNames: string[] = []): Promise<TestWebhookServer> {
  mkdirSync(dir, { recursive: true });
  const pki = createTestServingPki(dir, { dns: ['localhost', ...dnsNames], ips: ['127.0.0.1'] });
  const calls: string[] = [];
  const counted: Record<string, Webhook> = {};
  for (const [path, webhook] of Object.entries(webhooks)) {
    counted[path] = { type: webhook.type, handler: (request, context) => (calls.push(path), webhook.handler(request, context)) };
  }
  const server = createWebhookServer({ tls: { certFile: pki.cert, keyFile: pki.key }, host: '127.0.0.1', port: 0, webhooks: counted, logger: quiet, shutdownGraceMs: 1000 });
  const { port } = await server.listen();
  return {
    port,
    caBundle: readFileSync(pki.caCert).toString('base64'),
    url: (path) => `https://127.0.0.1:${port}${path}`,
    calls,
    close: () => server.close(),
  };
}

export interface WebhookSpec {
  name: string;
  clientConfig: { url?: string; service?: { namespace: string; name: string; path?: string; port?: number }; caBundle: string };
  rules?: { operations: string[]; apiGroups: string[]; apiVersions: string[]; resources: string[]; scope?: string }[];
  failurePolicy?: 'Fail' | 'Ignore';
  sideEffects?: string;
  timeoutSeconds?: number;
  namespaceSelector?: Record<string, unknown>;
  objectSelector?: Record<string, unknown>;
  matchConditions?: { name: string; expression: string }[];
  reinvocationPolicy?: string;
}

/** A Mutating- or ValidatingWebhookConfiguration, v1, each webhook with v1 reviews and kube's defaults filled where a test leaves them out. */
export function webhookConfiguration(kind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration', name: string, webhooks: WebhookSpec[]) {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata: { name },
    webhooks: webhooks.map((w) => ({
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Fail',
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
      ...w,
    })),
  };
}
