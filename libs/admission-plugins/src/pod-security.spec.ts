import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { ConfigError } from '@kapi/config';
import { evaluatePod, forbiddenDetail } from './pod-security-checks.js';
import { podSecurity, podSecurityConfiguration } from './pod-security.js';
import { attributes, fakeContext, refusal } from './testing.fixture.js';

const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({ metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } });
const pod = (name: string, spec: Record<string, unknown>, namespace = 'r'): KubeObject => ({ metadata: { name, namespace }, spec: { containers: [{ name, image: 'nginx' }], ...spec } });
const recorded = () => ({ warnings: [] as string[], annotations: {} as Record<string, string> });
function withRecorder<T extends ReturnType<typeof attributes>>(a: T, r = recorded()) {
  return { a: { ...a, recorder: { warning: (m: string) => void r.warnings.push(m), auditAnnotation: (k: string, v: string) => void (r.annotations[k] = v) } }, r };
}
const NAMESPACES = {
  namespaces: [
    ns('r', { 'pod-security.kubernetes.io/enforce': 'restricted' }),
    ns('w', { 'pod-security.kubernetes.io/warn': 'baseline', 'pod-security.kubernetes.io/audit': 'restricted' }),
    ns('open'),
  ],
};
const privileged = {
  hostNetwork: true,
  containers: [{ name: 'priv', image: 'nginx', securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN'] } }, ports: [{ containerPort: 80, hostPort: 80 }] }],
  volumes: [{ name: 'h', hostPath: { path: '/tmp' } }],
};

describe('PodSecurity', () => {
  it('refuses a pod that violates its namespace\'s enforce level, every reason in kube\'s words and order', async () => {
    const plugin = podSecurity(fakeContext({ cached: NAMESPACES }));
    assert.deepEqual((await refusal(plugin.validate!(attributes('CREATE', 'pods', { namespace: 'r', object: pod('web', {}) }))))[2],
      'pods "web" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "web" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "web" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "web" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")');
    assert.deepEqual((await refusal(plugin.validate!(attributes('CREATE', 'pods', { namespace: 'r', object: pod('priv', privileged) }))))[2],
      'pods "priv" is forbidden: violates PodSecurity "restricted:latest": host namespaces (hostNetwork=true), hostPort (container "priv" uses hostPort 80), privileged (container "priv" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "priv" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "priv" must set securityContext.capabilities.drop=["ALL"]; container "priv" must not include "NET_ADMIN" in securityContext.capabilities.add), restricted volume types (volume "h" uses restricted volume type "hostPath"), runAsNonRoot != true (pod or container "priv" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "priv" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")');
    const compliant = pod('ok', { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'ok', image: 'nginx', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] });
    const { a, r } = withRecorder(attributes('CREATE', 'pods', { namespace: 'r', object: compliant }));
    await plugin.validate!(a);
    assert.deepEqual(r.annotations, { 'pod-security.kubernetes.io/enforce-policy': 'restricted:latest' });
  });

  it('warns at the warn level, audits at the audit level, and only warns and audits workloads', async () => {
    const plugin = podSecurity(fakeContext({ cached: NAMESPACES }));
    const spec = { containers: [{ name: 'priv', image: 'nginx', securityContext: { privileged: true } }] };
    const { a, r } = withRecorder(attributes('CREATE', 'pods', { namespace: 'w', object: pod('priv', spec, 'w') }));
    await plugin.validate!(a);
    assert.deepEqual(r.warnings, ['would violate PodSecurity "baseline:latest": privileged (container "priv" must not set securityContext.privileged=true)']);
    assert.match(r.annotations['pod-security.kubernetes.io/audit-violations'], /^would violate PodSecurity "restricted:latest": privileged \(container "priv" must not set securityContext.privileged=true\), allowPrivilegeEscalation != false/);
    const deployment = { metadata: { name: 'd', namespace: 'r' }, spec: { template: { metadata: { labels: { app: 'd' } }, spec } } };
    const workload = withRecorder({ ...attributes('CREATE', 'pods', { namespace: 'r', object: deployment }), resource: { group: 'apps', version: 'v1', resource: 'deployments', namespace: 'r' } });
    await plugin.validate!(workload.a);
    assert.match(workload.r.warnings[0], /^would violate PodSecurity "restricted:latest": privileged/);
  });

  it('lets a namespace without labels, an exempt one and updates that change no image through', async () => {
    const context = fakeContext({ cached: NAMESPACES, settings: { pluginConfig: () => ({ exemptions: { namespaces: ['r'], usernames: ['builder'] } }) } });
    const plugin = podSecurity(context);
    await plugin.validate!(attributes('CREATE', 'pods', { namespace: 'open', object: pod('p', privileged, 'open') }));
    const { a, r } = withRecorder(attributes('CREATE', 'pods', { namespace: 'r', object: pod('p', privileged) }));
    await plugin.validate!(a);
    assert.deepEqual(r.annotations, { 'pod-security.kubernetes.io/exempt': 'namespace' });
    const strict = podSecurity(fakeContext({ cached: NAMESPACES }));
    const old = pod('p', privileged);
    await strict.validate!(attributes('UPDATE', 'pods', { namespace: 'r', object: { ...old, metadata: { ...old.metadata, labels: { a: 'b' } } }, oldObject: old }));
  });

  it('validates a namespace\'s labels, and warns of existing pods when its enforce level tightens', async () => {
    const existing = [pod('priv', { containers: [{ name: 'priv', image: 'nginx', securityContext: { privileged: true } }] }, 'w'), pod('fine', {}, 'w')];
    const plugin = podSecurity(fakeContext({ cached: NAMESPACES, live: { pods: existing } }));
    const old = ns('w', { 'pod-security.kubernetes.io/warn': 'baseline' });
    const relabel = (labels: Record<string, string>) => withRecorder(attributes('UPDATE', 'namespaces', { name: 'w', object: ns('w', labels), oldObject: old }));
    const tightened = relabel({ 'pod-security.kubernetes.io/enforce': 'baseline' });
    await plugin.validate!(tightened.a);
    assert.deepEqual(tightened.r.warnings, ['existing pods in namespace "w" violate the new PodSecurity enforce level "baseline:latest"', 'priv: privileged']);
    assert.deepEqual((await refusal(plugin.validate!(relabel({ 'pod-security.kubernetes.io/enforce': 'bogus' }).a))), [
      422,
      'Invalid',
      'Namespace "w" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "bogus": must be one of privileged, baseline, restricted',
    ]);
    assert.equal((await refusal(plugin.validate!(attributes('CREATE', 'namespaces', { object: ns('n', { 'pod-security.kubernetes.io/warn-version': 'v2' }) }))))[2],
      'Namespace "n" is invalid: metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "v2": must be "latest" or "v1.x"');
  });

  it('evaluates a pinned version with the checks of that version', () => {
    const spec = { containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, runAsUser: 0 } }] };
    // runAsUser=0 is restricted from v1.23.
    assert.equal(forbiddenDetail(evaluatePod('restricted', 'latest', {}, spec)), 'runAsUser=0 (container "c" must not set runAsUser=0)');
    assert.deepEqual(evaluatePod('restricted', 22, {}, spec), []);
    assert.deepEqual(evaluatePod('privileged', 'latest', {}, { hostPID: true }), []);
  });

  it('refuses a configuration it cannot read', () => {
    assert.throws(() => podSecurityConfiguration({ defaults: { enforce: 'strict' } }), ConfigError);
    assert.deepEqual(podSecurityConfiguration({ defaults: { enforce: 'baseline', 'enforce-version': 'v1.30' } }).defaults.enforce, { level: 'baseline', version: 30 });
  });
});
