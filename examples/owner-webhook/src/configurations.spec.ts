import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONFIGURATION_NAME, WEBHOOK_NAMES, WEBHOOK_PATHS, webhookConfigurations } from './configurations.js';
import { DEFAULTED_KINDS, DEFAULT_REQUESTS_NAMESPACE_LABEL } from './default-requests.js';
import { REQUIRE_OWNER_NAMESPACE_LABEL } from './require-owner.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('the webhook configurations', () => {
  test('a URL target: each webhook at its path, with the CA as caBundle', () => {
    const [mutatingConfiguration, validatingConfiguration] = webhookConfigurations({ target: { url: 'https://127.0.0.1:8443/' }, caPem: CA }) as any[];
    assert.equal(mutatingConfiguration.kind, 'MutatingWebhookConfiguration');
    assert.equal(validatingConfiguration.kind, 'ValidatingWebhookConfiguration');
    for (const configuration of [mutatingConfiguration, validatingConfiguration]) {
      assert.equal(configuration.apiVersion, 'admissionregistration.k8s.io/v1');
      assert.equal(configuration.metadata.name, CONFIGURATION_NAME);
    }
    assert.deepEqual(mutatingConfiguration.webhooks[0].clientConfig, { url: `https://127.0.0.1:8443${WEBHOOK_PATHS.defaultRequests}`, caBundle: Buffer.from(CA).toString('base64') });
    assert.deepEqual(validatingConfiguration.webhooks[0].clientConfig, { url: `https://127.0.0.1:8443${WEBHOOK_PATHS.requireOwner}`, caBundle: Buffer.from(CA).toString('base64') });
  });

  test('a Service target: port 443 unless given', () => {
    const [mutatingConfiguration] = webhookConfigurations({ target: { service: { namespace: 'webhooks', name: 'owner-webhook' } }, caPem: CA }) as any[];
    assert.deepEqual(mutatingConfiguration.webhooks[0].clientConfig.service, { namespace: 'webhooks', name: 'owner-webhook', path: WEBHOOK_PATHS.defaultRequests, port: 443 });
  });

  test('the validating webhook: Deployments in namespaces that ask, failing closed', () => {
    const [, validatingConfiguration] = webhookConfigurations({ target: { url: 'https://x' }, caPem: CA }) as any[];
    const [webhook] = validatingConfiguration.webhooks;
    assert.equal(webhook.name, WEBHOOK_NAMES.requireOwner);
    assert.deepEqual(webhook.rules, [{ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' }]);
    assert.deepEqual(webhook.namespaceSelector, { matchLabels: { [REQUIRE_OWNER_NAMESPACE_LABEL]: 'true' } });
    assert.deepEqual([webhook.failurePolicy, webhook.sideEffects, webhook.admissionReviewVersions], ['Fail', 'None', ['v1']]);
  });

  test('the mutating webhook: creates of every kind it knows a pod spec of, in namespaces that ask, failing open', () => {
    const [mutatingConfiguration] = webhookConfigurations({ target: { url: 'https://x' }, caPem: CA }) as any[];
    const [webhook] = mutatingConfiguration.webhooks;
    assert.equal(webhook.name, WEBHOOK_NAMES.defaultRequests);
    const plural: Record<string, string> = { Pod: 'pods', Deployment: 'deployments', ReplicaSet: 'replicasets', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets', Job: 'jobs', CronJob: 'cronjobs' };
    const ruled = (webhook.rules as any[]).flatMap((rule) => rule.resources.map((resource: string) => `${rule.apiGroups[0]}/${resource}`)).sort();
    assert.deepEqual(ruled, DEFAULTED_KINDS.map((kind) => `${kind.split('/')[0]}/${plural[kind.split('/')[1]]}`).sort());
    assert.ok((webhook.rules as any[]).every((rule) => rule.operations.length === 1 && rule.operations[0] === 'CREATE'));
    assert.deepEqual(webhook.namespaceSelector, { matchLabels: { [DEFAULT_REQUESTS_NAMESPACE_LABEL]: 'true' } });
    assert.deepEqual([webhook.failurePolicy, webhook.sideEffects, webhook.reinvocationPolicy], ['Ignore', 'None', 'IfNeeded']);
  });
});
