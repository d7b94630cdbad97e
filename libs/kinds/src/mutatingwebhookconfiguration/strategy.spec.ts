import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { storageKey } from '../catalogue.js';
import { mutatingWebhookConfigurationStrategy as strategy } from './strategy.js';

const hook = (fields: Record<string, unknown> = {}) => ({
  name: 'pods.example.com',
  clientConfig: { service: { namespace: 'default', name: 'hook' } },
  rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
  ...fields,
});
const config = (...webhooks: unknown[]): KubeObject => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'm' }, webhooks });
const prepared = (obj: KubeObject) => {
  prepareNew(strategy, obj);
  return obj;
};
const errors = (...webhooks: unknown[]) => strategy.validate(prepared(config(...webhooks))).map(renderFieldError);

describe('mutatingWebhookConfigurationStrategy.info', () => {
  it('is cluster-scoped admissionregistration.k8s.io/v1 in api-extensions, stored under its plural', () => {
    const info = strategy.info;
    assert.deepEqual([info.group, info.version, info.resource, info.kind, info.namespaced, info.categories], ['admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false, ['api-extensions']]);
    assert.equal(storageKey(info, undefined, 'm'), '/registry/mutatingwebhookconfigurations/m');
  });
});

describe('mutatingWebhookConfigurationStrategy defaults', () => {
  it('fills in kube v1 defaults, including reinvocationPolicy and the service port', () => {
    const [h] = prepared(config(hook())).webhooks as Record<string, unknown>[];
    assert.equal(h.failurePolicy, 'Fail');
    assert.equal(h.matchPolicy, 'Equivalent');
    assert.deepEqual(h.namespaceSelector, {});
    assert.deepEqual(h.objectSelector, {});
    assert.equal(h.timeoutSeconds, 10);
    assert.equal(h.reinvocationPolicy, 'Never');
    assert.equal((h.rules as { scope: string }[])[0].scope, '*');
    assert.equal((h.clientConfig as { service: { port: number } }).service.port, 443);
  });

  it('keeps what the client set', () => {
    const [h] = prepared(config(hook({ failurePolicy: 'Ignore', timeoutSeconds: 5, reinvocationPolicy: 'IfNeeded' }))).webhooks as Record<string, unknown>[];
    assert.deepEqual([h.failurePolicy, h.timeoutSeconds, h.reinvocationPolicy], ['Ignore', 5, 'IfNeeded']);
  });
});

describe('mutatingWebhookConfigurationStrategy validation', () => {
  it('accepts a complete webhook', () => {
    assert.deepEqual(errors(hook()), []);
  });

  it('wants fully qualified, unique names', () => {
    assert.deepEqual(errors(hook({ name: 'short' })), ['webhooks[0].name: Invalid value: "short": should be a domain with at least three segments separated by dots']);
    assert.deepEqual(errors(hook({ name: '' })), ['webhooks[0].name: Required value']);
    assert.deepEqual(errors(hook(), hook()), ['webhooks[1].name: Duplicate value: "pods.example.com"']);
  });

  it('requires sideEffects None or NoneOnDryRun', () => {
    assert.deepEqual(errors(hook({ sideEffects: undefined })), ['webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun']);
    assert.deepEqual(errors(hook({ sideEffects: 'Unknown' })), ['webhooks[0].sideEffects: Unsupported value: "Unknown": supported values: "None", "NoneOnDryRun"']);
  });

  it('requires admissionReviewVersions with v1 or v1beta1', () => {
    assert.deepEqual(errors(hook({ admissionReviewVersions: [] })), ['webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1']);
    assert.deepEqual(errors(hook({ admissionReviewVersions: ['v2'] })), ['webhooks[0].admissionReviewVersions: Invalid value: ["v2"]: must include at least one of v1, v1beta1']);
  });

  it('wants exactly one of url and service, and an https url without user, query or fragment', () => {
    assert.deepEqual(errors(hook({ clientConfig: {} })), ['webhooks[0].clientConfig: Required value: exactly one of url or service is required']);
    assert.deepEqual(errors(hook({ clientConfig: { url: 'https://hook.example.com/x' } })), []);
    assert.deepEqual(errors(hook({ clientConfig: { url: 'http://hook.example.com' } })), [
      "webhooks[0].clientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: https://host[/path]",
    ]);
    assert.deepEqual(errors(hook({ clientConfig: { url: 'https://u@hook.example.com/?a=b#f' } })), [
      'webhooks[0].clientConfig.url: Invalid value: "u": user information is not permitted in the URL',
      'webhooks[0].clientConfig.url: Invalid value: "f": fragments are not permitted in the URL',
      'webhooks[0].clientConfig.url: Invalid value: "a=b": query parameters are not permitted in the URL',
    ]);
    assert.deepEqual(errors(hook({ clientConfig: { service: {} } })), [
      'webhooks[0].clientConfig.service.name: Required value: service name is required',
      'webhooks[0].clientConfig.service.namespace: Required value: service namespace is required',
    ]);
  });

  it('wants every part of a rule, and supported operations', () => {
    assert.deepEqual(errors(hook({ rules: [{}] })), [
      'webhooks[0].rules[0].operations: Required value',
      'webhooks[0].rules[0].apiGroups: Required value',
      'webhooks[0].rules[0].apiVersions: Required value',
      'webhooks[0].rules[0].resources: Required value',
    ]);
    assert.deepEqual(errors(hook({ rules: [{ operations: ['PATCH'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }] })), [
      'webhooks[0].rules[0].operations[0]: Unsupported value: "PATCH": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"',
    ]);
  });

  it('wants named, unique match conditions with an expression', () => {
    assert.deepEqual(errors(hook({ matchConditions: [{ name: 'a', expression: 'true' }, { name: 'a', expression: ' ' }, { expression: 'true' }] })), [
      'webhooks[0].matchConditions[1].expression: Required value',
      'webhooks[0].matchConditions[1].name: Duplicate value: "a"',
      'webhooks[0].matchConditions[2].name: Required value',
    ]);
  });

  it('bounds timeoutSeconds to 1..30 and checks the policies', () => {
    assert.deepEqual(errors(hook({ timeoutSeconds: 31 })), ['webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds']);
    assert.deepEqual(errors(hook({ timeoutSeconds: 0 })), ['webhooks[0].timeoutSeconds: Invalid value: 0: the timeout value must be between 1 and 30 seconds']);
    assert.deepEqual(errors(hook({ reinvocationPolicy: 'Always' })), ['webhooks[0].reinvocationPolicy: Unsupported value: "Always": supported values: "IfNeeded", "Never"']);
  });
});

describe('mutatingWebhookConfigurationStrategy table', () => {
  it('prints NAME WEBHOOKS AGE', () => {
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), ['Name', 'Webhooks', 'Age']);
    const obj = { ...config(hook(), hook({ name: 'b.example.com' })), metadata: { name: 'm', creationTimestamp: '2026-01-01T00:00:00Z' } };
    assert.deepEqual(strategy.tableColumns.map((c) => c.cell(obj, Date.parse('2026-01-01T00:00:30Z'))), ['m', 2, '30s']);
  });
});
