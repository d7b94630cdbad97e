// The policy plugins as the admission service wires them, over real shared informers fed by an
// in-memory list-and-watch (the watch-cache's place): policies, bindings, namespaces and params
// from informers, a param kind's informer started when a policy names it, kube's messages for a
// param kind that is not served, and the MutatingAdmissionPolicy gate.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AdmissionAttributes } from '@kapi/admission-chain';
import type { PluginContext } from '@kapi/admission-plugins';
import { isStatusError, toStatus, type KubeObject } from '@kapi/api-machinery';
import { FEATURE_GATES } from '@kapi/config';
import { SharedInformers, type ListWatch, type ObjectLike } from '@kapi/informer';
import { KindCatalogue, servedStrategies } from '@kapi/kinds';
import { mutatingAdmissionPolicyPlugin, validatingAdmissionPolicyPlugin } from './policies.js';

/** Lists what `items` holds per resource; watches stay open, quiet, until stopped. */
function cluster(items: Record<string, KubeObject[]>) {
  const listed: string[] = [];
  const lw: ListWatch = {
    async list(ref) {
      listed.push(ref.resource);
      return { items: (items[ref.resource] ?? []) as ObjectLike[], resourceVersion: '1' };
    },
    async *watch(_ref, _rv, signal) {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    },
  };
  const informers = new SharedInformers(lw);
  const context: PluginContext = {
    informers,
    api: { get: async () => undefined, list: async () => [] },
    authorizer: { allowed: async () => false, decide: async () => ({ decision: 'NoOpinion', reason: '' }) },
    settings: { enable: [], disable: [], defaultNotReadyTolerationSeconds: 300, defaultUnreachableTolerationSeconds: 300, pluginConfig: () => undefined },
  };
  return { context, informers, listed };
}

const GROUP = 'admissionregistration.k8s.io';
const policy = (name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: `${GROUP}/v1`, kind: 'ValidatingAdmissionPolicy', metadata: { name }, spec });
const binding = (name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: `${GROUP}/v1`, kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec });
const deployments = { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }] };

const create = (namespace: string, replicas: number): AdmissionAttributes => ({
  operation: 'CREATE',
  kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
  resource: { group: 'apps', version: 'v1', resource: 'deployments', namespace },
  subresource: '',
  name: 'web',
  object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace }, spec: { replicas } },
  user: { username: 'alice', groups: ['system:authenticated'] },
  dryRun: false,
});

async function denial(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (err) {
    if (isStatusError(err)) return toStatus(err).message ?? '';
    throw err;
  }
  return 'allowed';
}

describe('ValidatingAdmissionPolicy in the admission service', () => {
  const catalogue = new KindCatalogue(servedStrategies({}));

  it('reads params through an informer of their kind, started when a policy names it, and namespaces through theirs', async () => {
    const { context, informers, listed } = cluster({
      validatingadmissionpolicies: [
        policy('max-replicas', {
          paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
          matchConstraints: deployments,
          validations: [{ expression: 'object.spec.replicas <= int(params.data.max)', messageExpression: "'at most ' + params.data.max + ' replicas'" }],
        }),
      ],
      validatingadmissionpolicybindings: [
        binding('max-replicas', {
          policyName: 'max-replicas',
          paramRef: { name: 'limits', namespace: 'policy', parameterNotFoundAction: 'Deny' },
          validationActions: ['Deny'],
          matchResources: { namespaceSelector: { matchLabels: { tier: 'prod' } } },
        }),
      ],
      namespaces: [
        { metadata: { name: 'prod', labels: { tier: 'prod' } } },
        { metadata: { name: 'dev', labels: { tier: 'dev' } } },
      ],
      configmaps: [{ metadata: { name: 'limits', namespace: 'policy' }, data: { max: '3' } }],
    });
    const plugin = validatingAdmissionPolicyPlugin(catalogue)(context);
    informers.start();
    try {
      assert.equal(await denial(plugin.validate!(create('prod', 5))), `deployments.apps "web" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas' denied request: at most 3 replicas`);
      assert.equal(await denial(plugin.validate!(create('prod', 2))), 'allowed');
      assert.equal(await denial(plugin.validate!(create('dev', 5))), 'allowed');
      assert.ok(listed.includes('configmaps'), 'the ConfigMap informer was started');
    } finally {
      await informers.stop();
    }
  });

  it("refuses, in kube's words, a binding whose param kind is not served", async () => {
    const { context, informers } = cluster({
      validatingadmissionpolicies: [policy('widgets', { paramKind: { apiVersion: 'example.com/v1', kind: 'Widget' }, matchConstraints: deployments, validations: [{ expression: 'true' }] })],
      validatingadmissionpolicybindings: [binding('widgets', { policyName: 'widgets', paramRef: { name: 'w', parameterNotFoundAction: 'Allow' }, validationActions: ['Deny'] })],
    });
    const plugin = validatingAdmissionPolicyPlugin(catalogue)(context);
    informers.start();
    try {
      assert.equal(
        await denial(plugin.validate!(create('prod', 1))),
        "deployments.apps \"web\" is forbidden: ValidatingAdmissionPolicy 'widgets' with binding 'widgets' denied request: failed to configure binding: paramKind kind `&ParamKind{APIVersion:example.com/v1,Kind:Widget,}` not known",
      );
    } finally {
      await informers.stop();
    }
  });
});

describe('MutatingAdmissionPolicy in the admission service', () => {
  it('is inert without its feature gate, as kube 1.34 leaves it', () => {
    const { context } = cluster({});
    const plugin = mutatingAdmissionPolicyPlugin(new KindCatalogue(servedStrategies({})), FEATURE_GATES)(context);
    assert.deepEqual([plugin.name, plugin.handles('CREATE'), plugin.admit], ['MutatingAdmissionPolicy', false, undefined]);
  });

  it('stops the start when its gate is on but its kinds are not served', () => {
    assert.throws(
      () => mutatingAdmissionPolicyPlugin(new KindCatalogue(servedStrategies({})), { MutatingAdmissionPolicy: true }),
      /KAPI_FEATURE_GATES turns MutatingAdmissionPolicy on, but admissionregistration.k8s.io\/v1beta1 mutatingadmissionpolicies is not served: add admissionregistration.k8s.io\/v1beta1=true to KAPI_RUNTIME_CONFIG/,
    );
  });

  it('mutates with the gate on and its kinds served', async () => {
    const { context, informers } = cluster({
      mutatingadmissionpolicies: [
        {
          metadata: { name: 'label' },
          spec: {
            matchConstraints: deployments,
            reinvocationPolicy: 'Never',
            mutations: [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: 'Object{metadata: Object.metadata{labels: {"managed": "yes"}}}' } }],
          },
        },
      ],
      mutatingadmissionpolicybindings: [{ metadata: { name: 'label' }, spec: { policyName: 'label' } }],
    });
    const catalogue = new KindCatalogue(servedStrategies({ 'admissionregistration.k8s.io/v1beta1': true }));
    const plugin = mutatingAdmissionPolicyPlugin(catalogue, { MutatingAdmissionPolicy: true })(context);
    informers.start();
    try {
      const mutated = await plugin.admit!(create('prod', 1));
      assert.deepEqual(mutated?.metadata?.labels, { managed: 'yes' });
    } finally {
      await informers.stop();
    }
  });
});
