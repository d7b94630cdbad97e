// The policy status controller's type checking against kapi's real catalogue and schemas, with
// what kube-apiserver v1.34.2 wrote into status for the same policy, and the write it makes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { policyStatus } from '@kapi/admission-policy';
import type { KubeObject } from '@kapi/api-machinery';
import { CustomResourceKinds, KindCatalogue, servedStrategies } from '@kapi/kinds';
import { POLICY_STATUS_MANAGER, statusWriter, typeCheckingSources } from './policy-status.js';

const policy = {
  metadata: { name: 'typecheck', generation: 1, resourceVersion: '42' },
  spec: {
    paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
    matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] },
    validations: [
      { expression: "object.spec.replicas > 'a'" },
      { expression: 'object.spec.nosuchfield == 1', messageExpression: "'replicas: ' + object.spec.replicas" },
      { expression: "params.data.max == '3' && object.metadata.name != ''" },
    ],
  },
};

describe('ValidatingAdmissionPolicy status', () => {
  const sources = typeCheckingSources(new KindCatalogue(servedStrategies({})));

  it('type-checks against the schemas of the kinds the policy matches, as kube-apiserver v1.34.2 reported it', () => {
    assert.deepEqual(policyStatus(policy, sources), {
      observedGeneration: 1,
      typeChecking: {
        expressionWarnings: [
          { fieldRef: 'spec.validations[0].expression', warning: "apps/v1, Kind=Deployment: ERROR: <input>:1:22: found no matching overload for '_>_' applied to '(int, string)'\n | object.spec.replicas > 'a'\n | .....................^\n" },
          { fieldRef: 'spec.validations[1].expression', warning: "apps/v1, Kind=Deployment: ERROR: <input>:1:12: undefined field 'nosuchfield'\n | object.spec.nosuchfield == 1\n | ...........^\n" },
          { fieldRef: 'spec.validations[1].messageExpression', warning: "apps/v1, Kind=Deployment: ERROR: <input>:1:14: found no matching overload for '_+_' applied to '(string, int)'\n | 'replicas: ' + object.spec.replicas\n | .............^\n" },
        ],
      },
    });
  });

  it('type-checks a policy matching a custom resource against the schema its CRD publishes, as kube-apiserver v1.34.2 reported it', () => {
    const scalers = {
      metadata: { name: 'scalers.crdgaps.kapi.io', resourceVersion: '4' },
      spec: {
        group: 'crdgaps.kapi.io',
        scope: 'Namespaced',
        names: { plural: 'scalers', singular: 'scaler', kind: 'Scaler', listKind: 'ScalerList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', properties: { replicas: { type: 'integer' } } },
                  status: { type: 'object', properties: { replicas: { type: 'integer' }, selector: { type: 'string' } } },
                },
              },
            },
          },
        ],
      },
      status: { conditions: [{ type: 'Established', status: 'True' }] },
    };
    const customResources = new CustomResourceKinds();
    customResources.update(scalers);
    const withCrd = typeCheckingSources(new KindCatalogue(servedStrategies({}), customResources));
    const crPolicy = {
      metadata: { name: 'crdgaps-typecheck', generation: 1 },
      spec: {
        matchConstraints: { resourceRules: [{ apiGroups: ['crdgaps.kapi.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['scalers'] }] },
        validations: [
          { expression: "object.spec.replicas == 'three'" },
          { expression: 'object.spec.nothere > 1' },
          // metadata is ObjectMeta (labels are known), as the published schema refers to it.
          { expression: 'object.metadata.labels.size() < 5 && object.status.replicas >= 0', messageExpression: "'replicas ' + object.spec.replicas" },
        ],
      },
    };
    assert.deepEqual(policyStatus(crPolicy, withCrd), {
      observedGeneration: 1,
      typeChecking: {
        expressionWarnings: [
          { fieldRef: 'spec.validations[0].expression', warning: "crdgaps.kapi.io/v1, Kind=Scaler: ERROR: <input>:1:22: found no matching overload for '_==_' applied to '(int, string)'\n | object.spec.replicas == 'three'\n | .....................^\n" },
          { fieldRef: 'spec.validations[1].expression', warning: "crdgaps.kapi.io/v1, Kind=Scaler: ERROR: <input>:1:12: undefined field 'nothere'\n | object.spec.nothere > 1\n | ...........^\n" },
          { fieldRef: 'spec.validations[2].messageExpression', warning: "crdgaps.kapi.io/v1, Kind=Scaler: ERROR: <input>:1:13: found no matching overload for '_+_' applied to '(string, int)'\n | 'replicas ' + object.spec.replicas\n | ............^\n" },
        ],
      },
    });
  });

  it('applies the status to the version it was computed from, as the controller kube names', async () => {
    const applied: unknown[] = [];
    const store = { apply: async (...args: unknown[]) => (applied.push(args), { object: {} as KubeObject, created: false }) };
    await statusWriter(store)(policy, { observedGeneration: 1, typeChecking: {} });
    assert.deepEqual(applied, [
      [
        undefined,
        'typecheck',
        {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'ValidatingAdmissionPolicy',
          metadata: { name: 'typecheck', resourceVersion: '42' },
          status: { observedGeneration: 1, typeChecking: {} },
        },
        { user: { username: 'system:apiserver', uid: '', groups: ['system:masters'], extra: {} }, dryRun: false, fieldManager: POLICY_STATUS_MANAGER, force: true },
        'status',
      ],
    ]);
  });
});
