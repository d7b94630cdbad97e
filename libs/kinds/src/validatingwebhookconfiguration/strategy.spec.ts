import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { validatingWebhookConfigurationStrategy as strategy } from './strategy.js';

const config = (hook: Record<string, unknown>): KubeObject => ({
  metadata: { name: 'v' },
  webhooks: [{ name: 'v.example.com', clientConfig: { url: 'https://v.example.com' }, rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }], sideEffects: 'None', admissionReviewVersions: ['v1'], ...hook }],
});

describe('validatingWebhookConfigurationStrategy', () => {
  it('is cluster-scoped admissionregistration.k8s.io/v1 validatingwebhookconfigurations', () => {
    assert.deepEqual([strategy.info.group, strategy.info.resource, strategy.info.kind, strategy.info.namespaced], ['admissionregistration.k8s.io', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false]);
  });

  it('defaults like a mutating webhook but without reinvocationPolicy', () => {
    const obj = config({});
    prepareNew(strategy, obj);
    const [h] = obj.webhooks as Record<string, unknown>[];
    assert.deepEqual([h.failurePolicy, h.matchPolicy, h.timeoutSeconds, h.reinvocationPolicy], ['Fail', 'Equivalent', 10, undefined]);
    assert.deepEqual(strategy.validate(obj), []);
  });

  it('refuses a wildcard mixed with other values, as kube does', () => {
    const obj = config({ rules: [{ operations: ['*', 'CREATE'], apiGroups: ['*', 'apps'], apiVersions: ['v1'], resources: ['*/*', 'pods'] }] });
    prepareNew(strategy, obj);
    assert.deepEqual(strategy.validate(obj).map(renderFieldError), [
      `webhooks[0].rules[0].operations: Invalid value: ["*","CREATE"]: if '*' is present, must not specify other operations`,
      `webhooks[0].rules[0].apiGroups: Invalid value: ["*","apps"]: if '*' is present, must not specify other API groups`,
      `webhooks[0].rules[0].resources: Invalid value: ["*/*","pods"]: if '*/*' is present, must not specify other resources`,
    ]);
  });
});
