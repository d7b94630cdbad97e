// How the API server finds the example's webhooks: a MutatingWebhookConfiguration and a
// ValidatingWebhookConfiguration (admissionregistration.k8s.io/v1). The Helm chart renders the same
// objects (its test compares them with these), and `main.js configurations` prints them for the
// local stack or for `kubectl apply -f -`.
import { DEFAULT_REQUESTS_NAMESPACE_LABEL } from './default-requests.js';
import { REQUIRE_OWNER_NAMESPACE_LABEL } from './require-owner.js';

/** The paths the service serves its webhooks at. */
export const WEBHOOK_PATHS = { requireOwner: '/validate-owner', defaultRequests: '/mutate-default-requests' } as const;
/** The webhooks' names, as the API server quotes them (`admission webhook "require-owner.kapi.example" denied the request: ...`). */
export const WEBHOOK_NAMES = { requireOwner: 'require-owner.kapi.example', defaultRequests: 'default-requests.kapi.example' } as const;
export const CONFIGURATION_NAME = 'kapi-example-owner-webhook';

/** Where the API server calls: a URL, or a Service (resolved to its endpoints, verified as `<name>.<namespace>.svc`). */
export type WebhookTarget = { url: string } | { service: { namespace: string; name: string; port?: number } };

export interface ConfigurationOptions {
  target: WebhookTarget;
  /** The CA that signed the serving certificate, PEM. */
  caPem: string;
  /** The objects' name (both kinds share it). */
  name?: string;
}

type ClientConfig = { url: string; caBundle: string } | { service: { namespace: string; name: string; path: string; port: number }; caBundle: string };

function clientConfig(target: WebhookTarget, path: string, caPem: string): ClientConfig {
  const caBundle = Buffer.from(caPem, 'utf8').toString('base64');
  if ('url' in target) return { url: `${target.url.replace(/\/+$/, '')}${path}`, caBundle };
  return { service: { namespace: target.service.namespace, name: target.service.name, path, port: target.service.port ?? 443 }, caBundle };
}

export function webhookConfigurations(options: ConfigurationOptions): [Record<string, unknown>, Record<string, unknown>] {
  const name = options.name ?? CONFIGURATION_NAME;
  const metadata = { name, labels: { 'app.kubernetes.io/name': 'owner-webhook', 'app.kubernetes.io/part-of': 'kapi-examples' } };
  const mutatingConfiguration = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata,
    webhooks: [
      {
        name: WEBHOOK_NAMES.defaultRequests,
        admissionReviewVersions: ['v1'],
        clientConfig: clientConfig(options.target, WEBHOOK_PATHS.defaultRequests, options.caPem),
        // Defaults are set when an object is made: on an update they would roll out a Deployment nobody changed.
        rules: [
          { apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'], scope: 'Namespaced' },
          {
            apiGroups: ['apps'],
            apiVersions: ['v1'],
            resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'],
            operations: ['CREATE'],
            scope: 'Namespaced',
          },
          { apiGroups: ['batch'], apiVersions: ['v1'], resources: ['jobs', 'cronjobs'], operations: ['CREATE'], scope: 'Namespaced' },
        ],
        matchPolicy: 'Equivalent',
        namespaceSelector: { matchLabels: { [DEFAULT_REQUESTS_NAMESPACE_LABEL]: 'true' } },
        sideEffects: 'None',
        timeoutSeconds: 5,
        // A default is a convenience: a webhook that is down does not stop Pods from being made.
        failurePolicy: 'Ignore',
        // A later webhook may add a container (a sidecar), which then gets its defaults too.
        reinvocationPolicy: 'IfNeeded',
      },
    ],
  };
  const validatingConfiguration = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata,
    webhooks: [
      {
        name: WEBHOOK_NAMES.requireOwner,
        admissionReviewVersions: ['v1'],
        clientConfig: clientConfig(options.target, WEBHOOK_PATHS.requireOwner, options.caPem),
        rules: [{ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' }],
        matchPolicy: 'Equivalent',
        namespaceSelector: { matchLabels: { [REQUIRE_OWNER_NAMESPACE_LABEL]: 'true' } },
        sideEffects: 'None',
        timeoutSeconds: 5,
        // A rule is only a rule if nothing gets past it while the webhook is down.
        failurePolicy: 'Fail',
      },
    ],
  };
  return [mutatingConfiguration, validatingConfiguration];
}
