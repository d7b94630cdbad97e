import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyStatusController, policyStatus } from './status.js';
import { typeCheckPolicy, typesToCheck, type TypeCheckingSources } from './typecheck.js';
import type { ValidatingAdmissionPolicy } from './types.js';

const configMapSchema = {
  type: 'object',
  properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object', properties: { name: { type: 'string' }, labels: { type: 'object', additionalProperties: { type: 'string' } } } }, data: { type: 'object', additionalProperties: { type: 'string' } } },
};
const sources: TypeCheckingSources = {
  kindsFor: (r) => (r.group === '' && r.version === 'v1' && r.resource === 'configmaps' ? [{ group: '', version: 'v1', kind: 'ConfigMap' }] : []),
  schemaOf: (k) => (k.kind === 'ConfigMap' ? configMapSchema : undefined),
};
const policy = (expressions: string[], generation = 1): ValidatingAdmissionPolicy => ({
  metadata: { name: 'p', generation },
  spec: { matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps', 'configmaps/status', '*'] }] }, validations: expressions.map((expression) => ({ expression })) },
});

describe('type checking', () => {
  it('checks against the kinds the rules name, skipping wildcards and subresources', () => {
    assert.deepEqual(typesToCheck(policy([]), sources), [{ group: '', version: 'v1', kind: 'ConfigMap' }]);
  });

  it("warns as kube-apiserver v1.34.2 does for a field the schema does not have", () => {
    assert.deepEqual(typeCheckPolicy(policy(['object.spec.replicas > 1 || true', "object.data.a == 'x'"]), sources), [
      { fieldRef: 'spec.validations[0].expression', warning: "/v1, Kind=ConfigMap: ERROR: <input>:1:7: undefined field 'spec'\n | object.spec.replicas > 1 || true\n | ......^\n" },
    ]);
  });

  it('writes observedGeneration and the warnings once per generation', async () => {
    assert.deepEqual(policyStatus(policy(['true']), sources), { observedGeneration: 1, typeChecking: {} });
    const written: unknown[] = [];
    const controller = new PolicyStatusController(sources, async (p, status) => void written.push([p.metadata?.generation, status.typeChecking.expressionWarnings?.length ?? 0]));
    controller.enqueue(policy(['object.nope'], 2));
    controller.enqueue({ ...policy(['true'], 3), status: { observedGeneration: 3 } });
    await controller.idle();
    assert.deepEqual(written, [[2, 1]]);
  });
});
