import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AdmissionAttributes } from '@kapi/admission-chain';
import { StatusError } from '@kapi/api-machinery';
import { MetricsRegistry } from '@kapi/telemetry';
import { MutatingPolicyMetrics } from './metrics.js';
import { mergeApplyConfiguration, MutatingAdmissionPolicy } from './mutating.js';
import type { KubeObject, MutatingAdmissionPolicy as Policy, MutatingAdmissionPolicyBinding as Binding, Mutation } from './types.js';

const policy = (name: string, mutations: Mutation[], spec: Partial<NonNullable<Policy['spec']>> = {}): Policy => ({
  metadata: { name },
  spec: { failurePolicy: 'Fail', matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }] }, mutations, ...spec },
});
const binding = (policyName: string): Binding => ({ metadata: { name: `${policyName}-b` }, spec: { policyName } });

const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
const attributes = (object: KubeObject): AdmissionAttributes => ({
  operation: 'CREATE',
  kind: { group: '', version: 'v1', kind: 'Pod' },
  resource: { group: '', version: 'v1', resource: 'pods', namespace: 'ns' },
  subresource: '',
  name: 'p',
  object,
  user: { username: 'u', groups: [] },
  dryRun: false,
});

const listTypes = { listFactsAt: (_k: unknown, path: string) => (path === 'spec.containers' ? { listType: 'map', mapKeys: ['name'] } : {}) };

function plugin(policies: Policy[]) {
  return MutatingAdmissionPolicy({
    policies: { snapshot: () => ({ policies, bindings: policies.map((p) => binding(p.metadata!.name!)) }) },
    namespaces: { get: async (name) => ({ metadata: { name } }) },
    listTypes,
    metrics: new MutatingPolicyMetrics(new MetricsRegistry()),
  });
}

describe('MutatingAdmissionPolicy', () => {
  it('merges an ApplyConfiguration: maps by field, map lists by their keys', async () => {
    const p = policy('add', [
      { patchType: 'ApplyConfiguration', applyConfiguration: { expression: 'Object{metadata: Object.metadata{labels: {"team": "a"}}, spec: Object.spec{containers: [Object.spec.containers{name: "c", imagePullPolicy: "Always"}, Object.spec.containers{name: "sidecar", image: "envoy"}]}}' } },
    ]);
    const out = (await plugin([p]).admit!(attributes(pod)))!;
    assert.deepEqual(out.metadata?.labels, { app: 'x', team: 'a' });
    assert.deepEqual((out.spec as { containers: unknown[] }).containers, [
      { name: 'c', image: 'nginx', imagePullPolicy: 'Always' },
      { name: 'sidecar', image: 'envoy' },
    ]);
  });

  it('applies a JSONPatch, with jsonpatch.escapeKey for keys with a slash', async () => {
    const p = policy('patch', [{ patchType: 'JSONPatch', jsonPatch: { expression: '[JSONPatch{op: "add", path: "/metadata/labels/" + jsonpatch.escapeKey("example.com/owner"), value: object.metadata.name}]' } }]);
    const out = (await plugin([p]).admit!(attributes(pod)))!;
    assert.equal(out.metadata?.labels?.['example.com/owner'], 'p');
  });

  it("later policies see earlier policies' changes; IfNeeded runs a policy again after a later one changed the object", async () => {
    const first = policy('a-count', [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: 'Object{metadata: Object.metadata{annotations: {"labels": string(size(object.metadata.labels))}}}' } }], { reinvocationPolicy: 'IfNeeded' });
    const second = policy('b-label', [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: 'Object{metadata: Object.metadata{labels: {"b": "1"}}}' } }]);
    const out = (await plugin([first, second]).admit!(attributes(pod)))!;
    assert.equal(out.metadata?.labels?.b, '1');
    assert.equal(out.metadata?.annotations?.labels, '2');
  });

  it("denies as kube-apiserver v1.34.2 does when a mutation fails under Fail, and leaves the object under Ignore", async () => {
    const bad = [{ patchType: 'JSONPatch' as const, jsonPatch: { expression: '[JSONPatch{op: "remove", path: "/metadata/nope"}]' } }];
    const message = "policy 'bad' with binding 'bad-b' denied request: JSON Patch: error in remove for path: '/metadata/nope': Unable to remove nonexistent key: nope: missing value";
    await assert.rejects(plugin([policy('bad', bad)]).admit!(attributes(pod)), (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.deepEqual(err.toStatus(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Invalid', details: { name: 'p', kind: 'pods', causes: [{ message }] }, code: 403 });
      return true;
    });
    assert.deepEqual(await plugin([policy('bad', bad, { failurePolicy: 'Ignore' })]).admit!(attributes(pod)), pod);
    const failing = [{ patchType: 'JSONPatch' as const, jsonPatch: { expression: '[JSONPatch{op: "add", path: "/data/x", value: object.data.missing}]' } }];
    await assert.rejects(plugin([policy('err', failing)]).admit!(attributes(pod)), (err: unknown) => err instanceof StatusError && err.message === `policy 'err' with binding 'err-b' denied request: expression '[JSONPatch{op: "add", path: "/data/x", value: object.data.missing}]' resulted in error: no such key: data`);
  });

  it('replaces atomic lists and unions sets', () => {
    const facts = (path: string) => (path === 'set' ? { listType: 'set' } : {});
    assert.deepEqual(mergeApplyConfiguration({ set: [1, 2], atomic: [1, 2] }, { set: [2, 3], atomic: [3] }, facts), { set: [1, 2, 3], atomic: [3] });
  });
});
