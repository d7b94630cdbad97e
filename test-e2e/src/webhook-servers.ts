// Real admission (and CRD conversion) webhook servers for the e2e tests and the benchmarks: HTTPS with a CA of their own,
// built with the kit, on a free port of 127.0.0.1, and the configurations that register them.
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
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

export interface TestConversionWebhook {
  /** The CA as a CRD's caBundle. */
  caBundle: string;
  port: number;
  /** `https://127.0.0.1:<port>/convert` */
  url: string;
  /** The ConversionReviews received, in order. */
  reviews: { request: { uid: string; desiredAPIVersion: string; objects: { metadata?: { name?: string } }[] } }[];
  close(): Promise<void>;
}

/**
 * A CRD conversion webhook over HTTPS on a free port of 127.0.0.1 (its certificate also for
 * `dnsNames`, `<service>.<namespace>.svc` for one reached through a Service): each ConversionReview's objects
 * go through `convert(object, desiredAPIVersion)`, answered Success with the request's uid.
 */
export async function startConversionWebhook(
  dir: string,
  convert: (object: Record<string, unknown>, desiredAPIVersion: string) => Record<string, unknown>,
  dnsNames: string[] = [],
): Promise<TestConversionWebhook> {
  mkdirSync(dir, { recursive: true });
  const pki = createTestServingPki(dir, { dns: ['localhost', ...dnsNames], ips: ['127.0.0.1'] });
  const reviews: TestConversionWebhook['reviews'] = [];
  const server = createHttpsServer({ cert: readFileSync(pki.cert), key: readFileSync(pki.key) }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const review = JSON.parse(body) as TestConversionWebhook['reviews'][number] & { apiVersion: string };
      reviews.push(review);
      const { uid, desiredAPIVersion, objects } = review.request;
      const response = { uid, result: { status: 'Success' }, convertedObjects: objects.map((o) => convert(structuredClone(o) as Record<string, unknown>, desiredAPIVersion)) };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: review.apiVersion, kind: 'ConversionReview', response }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    caBundle: readFileSync(pki.caCert).toString('base64'),
    port,
    url: `https://127.0.0.1:${port}/convert`,
    reviews,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
