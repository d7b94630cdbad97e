// The policy status controller's type checking against kapi's real catalogue and schemas, with
// what kube-apiserver v1.34.2 wrote into status for the same policy, and the write it makes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { policyStatus } from '@kapi/admission-policy';
import type { KubeObject } from '@kapi/api-machinery';
import { KindCatalogue, servedStrategies } from '@kapi/kinds';
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
