import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AdmissionChain, type AdmissionAttributes, type AdmissionPlugin } from '@kapi/admission-chain';
import { admitWithReinvocation, DEFAULT_EXEMPT_NAMESPACES, MutatingAdmissionWebhook } from '@kapi/admission-webhooks';
import type { WebhookTransport } from '@kapi/webhook-client';
import type { KubeObject } from '@kapi/api-machinery';
import { Informer } from '@kapi/informer';
import { informerConfigurationSource, webhookSettingsFromEnv } from './webhook-plugins.js';

const syncedInformer = (resource: string) => new Informer<KubeObject>({ group: '', version: 'v1', resource }, { synced: true, waitUntilSynced: async () => true });

describe('webhookSettingsFromEnv', () => {
  it('exempts kapi\'s system namespaces unless told otherwise; empty for none, as kube', () => {
    assert.deepEqual(webhookSettingsFromEnv({}).exemptNamespaces, DEFAULT_EXEMPT_NAMESPACES);
    assert.deepEqual(webhookSettingsFromEnv({ KAPI_ADMISSION_WEBHOOK_EXEMPT_NAMESPACES: '' }).exemptNamespaces, []);
    assert.deepEqual(webhookSettingsFromEnv({ KAPI_ADMISSION_WEBHOOK_EXEMPT_NAMESPACES: 'kube-system, platform' }).exemptNamespaces, ['kube-system', 'platform']);
  });

  it('stops the start in one line for something that is no namespace name', () => {
    assert.throws(
      () => webhookSettingsFromEnv({ KAPI_ADMISSION_WEBHOOK_EXEMPT_NAMESPACES: 'kube-system,Bad_Name' }),
      /^ConfigError: KAPI_ADMISSION_WEBHOOK_EXEMPT_NAMESPACES: "Bad_Name" is not a namespace name: a lowercase RFC 1123 label must consist of/,
    );
  });
});

describe('informerConfigurationSource', () => {
  it('hands out the same list until the informer changes', () => {
    const informer = syncedInformer('validatingwebhookconfigurations');
    informer.replace('', [{ metadata: { name: 'a', resourceVersion: '1' } }]);
    const source = informerConfigurationSource(informer);
    const first = source.list();
    assert.equal(source.list(), first);
    informer.apply('', 'ADDED', { metadata: { name: 'b', resourceVersion: '2' } });
    const second = source.list();
    assert.notEqual(second, first);
    assert.deepEqual(
      (second as KubeObject[]).map((c) => c.metadata?.name),
      ['a', 'b'],
    );
    assert.equal(source.hasSynced?.(), true);
  });
});

describe('reinvocation across the chain', () => {
  const review = (request: Record<string, unknown>, response: Record<string, unknown>) =>
    JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: request.uid, allowed: true, ...response } });
  const patch = (operations: unknown[]) => ({ patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(operations)).toString('base64') });
  type Container = { name: string; image?: string; resources?: Record<string, unknown> };
  const containersOf = (o: Record<string, unknown>) => ((o.spec as { containers: Container[] }).containers ?? []);

  it('runs the built-in plugins and earlier IfNeeded webhooks again when a later webhook changed the object', async () => {
    const calls: string[] = [];
    // "label" (IfNeeded) labels every container it sees; "sidecar" (Never) adds a container once.
    const transport: WebhookTransport = {
      retain: () => undefined,
      async post(config, sent) {
        const request = (sent as { request: Record<string, unknown> }).request;
        const object = request.object as Record<string, unknown>;
        const name = config.url!.split('/').pop()!;
        calls.push(`${name}: ${containersOf(object).map((c) => c.name).join(',')}`);
        if (name === 'sidecar') {
          return review(request, containersOf(object).some((c) => c.name === 'sidecar') ? {} : patch([{ op: 'add', path: '/spec/containers/-', value: { name: 'sidecar', image: 'envoy:1' } }]));
        }
        const operations = containersOf(object).flatMap((c, i) => (c.image?.endsWith(':checked') ? [] : [{ op: 'replace', path: `/spec/containers/${i}/image`, value: `${c.image}:checked` }]));
        return review(request, operations.length ? patch(operations) : {});
      },
    };
    const hook = (name: string, reinvocationPolicy: string) => ({
      name: `${name}.example.com`,
      clientConfig: { url: `https://hooks.example.com/${name}` },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: '*' }],
      failurePolicy: 'Fail',
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      reinvocationPolicy,
    });
    const webhooks = MutatingAdmissionWebhook({
      configurations: { list: () => [{ metadata: { name: 'hooks' }, webhooks: [hook('label', 'IfNeeded'), hook('sidecar', 'Never')] }] },
      namespaceLabels: async () => ({}),
      clients: transport,
      exemptNamespaces: [],
    });
    // A built-in that, like LimitRanger, defaults every container, so it has work in the second round.
    const rounds: string[] = [];
    const limits: AdmissionPlugin = {
      name: 'LimitRanger',
      handles: () => true,
      async admit(a) {
        const pod = structuredClone(a.object!) as Record<string, unknown>;
        rounds.push(containersOf(pod).map((c) => c.name).join(','));
        for (const c of containersOf(pod)) c.resources ??= { requests: { cpu: '100m' } };
        return pod as KubeObject;
      },
    };
    const chain = new AdmissionChain({ runMutation: admitWithReinvocation }).register(limits).register(webhooks);
    const attributes: AdmissionAttributes = {
      operation: 'CREATE',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods', namespace: 'team' },
      subresource: '',
      name: 'p',
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'team' }, spec: { containers: [{ name: 'app', image: 'app:1' }] } } as KubeObject,
      user: { username: 'alice', groups: [] },
      dryRun: false,
      uid: 'r1',
    };
    const pod = (await chain.mutate(attributes)) as unknown as Record<string, unknown>;
    // Round one: LimitRanger, then label (app), then sidecar (adds a container). Round two: LimitRanger
    // defaults the sidecar, and label, reinvocable, runs again and sees it; sidecar (Never) does not.
    assert.deepEqual(rounds, ['app', 'app,sidecar']);
    assert.deepEqual(calls, ['label: app', 'sidecar: app', 'label: app,sidecar']);
    assert.deepEqual(containersOf(pod), [
      { name: 'app', image: 'app:1:checked', resources: { requests: { cpu: '100m' } } },
      { name: 'sidecar', image: 'envoy:1:checked', resources: { requests: { cpu: '100m' } } },
    ]);
  });
});
