import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@kapi/config';
import { builtinPlugins } from './builtin.js';
import { AdmissionPluginRegistry, buildAdmissionChain, DEFAULT_ON_PLUGINS, enabledPlugins, ORDERED_PLUGINS } from './plugins.js';
import { admissionSettingsFromEnv } from './settings.js';
import { alwaysAdmit } from './always.js';
import { attributes, fakeContext, refusal } from './testing.fixture.js';

const settings = (enable: string[] = [], disable: string[] = []) => ({ enable, disable });

describe('enabledPlugins', () => {
  it('runs kube\'s default set in kube\'s order, those kapi does not implement aside', () => {
    const { names, unavailable } = enabledPlugins(settings(), builtinPlugins());
    assert.deepEqual(names, [
      'NamespaceLifecycle',
      'LimitRanger',
      'ServiceAccount',
      'TaintNodesByCondition',
      'PodSecurity',
      'Priority',
      'DefaultTolerationSeconds',
      'DefaultStorageClass',
      'StorageObjectInUseProtection',
      'PersistentVolumeClaimResize',
      'RuntimeClass',
      'CertificateApproval',
      'CertificateSigning',
      'ClusterTrustBundleAttest',
      'CertificateSubjectRestriction',
      'DefaultIngressClass',
      'ResourceQuota',
    ]);
    assert.deepEqual(unavailable, ['PodTopologyLabels', 'MutatingAdmissionPolicy', 'MutatingAdmissionWebhook', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionWebhook']);
    assert.ok([...DEFAULT_ON_PLUGINS].every((n) => (ORDERED_PLUGINS as readonly string[]).includes(n)));
  });

  it('adds and removes by the flags, in kube\'s order whatever the flags\' order', () => {
    const { names } = enabledPlugins(settings(['EventRateLimit', 'AlwaysPullImages', 'NodeRestriction'], ['LimitRanger', 'Priority']), builtinPlugins());
    assert.deepEqual(names.slice(0, 7), ['NamespaceLifecycle', 'ServiceAccount', 'NodeRestriction', 'TaintNodesByCondition', 'AlwaysPullImages', 'PodSecurity', 'DefaultTolerationSeconds']);
    assert.ok(names.includes('EventRateLimit') && !names.includes('LimitRanger'));
  });

  it('stops the start in one line for an unknown name, an overlap, or a plugin kapi cannot run', () => {
    assert.throws(() => enabledPlugins(settings(['NamespaceLifecycl']), builtinPlugins()), new ConfigError('KAPI_ENABLE_ADMISSION_PLUGINS plugin "NamespaceLifecycl" is unknown'));
    assert.throws(() => enabledPlugins(settings([], ['Nope']), builtinPlugins()), new ConfigError('KAPI_DISABLE_ADMISSION_PLUGINS plugin "Nope" is unknown'));
    assert.throws(() => enabledPlugins(settings(['AlwaysPullImages', 'LimitRanger'], ['LimitRanger', 'AlwaysPullImages']), builtinPlugins()), new ConfigError('[AlwaysPullImages LimitRanger] in KAPI_ENABLE_ADMISSION_PLUGINS and KAPI_DISABLE_ADMISSION_PLUGINS overlapped'));
    assert.throws(() => enabledPlugins(settings(['ImagePolicyWebhook']), builtinPlugins()), new ConfigError('KAPI_ENABLE_ADMISSION_PLUGINS plugin "ImagePolicyWebhook" is not implemented by kapi'));
    // Disabling a plugin kapi does not have is fine, as it is in kube.
    assert.ok(enabledPlugins(settings([], ['PodSecurity']), builtinPlugins()));
  });
});

describe('AdmissionPluginRegistry and buildAdmissionChain', () => {
  it('registers kube\'s names once each, and builds the chain in kube\'s order', async () => {
    const registry = new AdmissionPluginRegistry().register('AlwaysDeny', () => ({ name: 'AlwaysDeny', handles: () => true, validate: async () => {} })).register('AlwaysAdmit', alwaysAdmit);
    assert.throws(() => registry.register('AlwaysAdmit', alwaysAdmit), /admission plugin AlwaysAdmit is registered twice/);
    assert.throws(() => registry.register('Custom' as never, alwaysAdmit), /not in kube's plugin order/);
    assert.deepEqual(registry.names, ['AlwaysAdmit', 'AlwaysDeny']);
    assert.deepEqual(buildAdmissionChain(['AlwaysDeny', 'AlwaysAdmit'], registry, fakeContext()).names, ['AlwaysAdmit', 'AlwaysDeny']);
  });

  it('AlwaysDeny refuses in kube\'s words', async () => {
    const chain = buildAdmissionChain(['AlwaysDeny'], builtinPlugins(), fakeContext());
    assert.deepEqual(await refusal(chain.validate(attributes('CREATE', 'configmaps', { namespace: 'ns', object: { metadata: { name: 'c' } } }))), [403, 'Forbidden', 'configmaps "c" is forbidden: admission control is denying all modifications']);
  });
});

describe('admissionSettingsFromEnv', () => {
  it('reads the flags and an AdmissionConfiguration with inline and file configurations', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kapi-admission-config-'));
    writeFileSync(join(dir, 'erl.yaml'), 'apiVersion: eventratelimit.admission.k8s.io/v1alpha1\nkind: Configuration\nlimits:\n- type: Server\n  qps: 5\n  burst: 10\n');
    writeFileSync(
      join(dir, 'admission.yaml'),
      'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: EventRateLimit\n  path: erl.yaml\n- name: Other\n  configuration: {a: 1}\n',
    );
    const s = admissionSettingsFromEnv({
      KAPI_ENABLE_ADMISSION_PLUGINS: 'EventRateLimit, AlwaysPullImages',
      KAPI_DISABLE_ADMISSION_PLUGINS: 'LimitRanger',
      KAPI_ADMISSION_CONTROL_CONFIG_FILE: join(dir, 'admission.yaml'),
      KAPI_DEFAULT_UNREACHABLE_TOLERATION_SECONDS: '60',
    });
    assert.deepEqual([s.enable, s.disable, s.defaultNotReadyTolerationSeconds, s.defaultUnreachableTolerationSeconds], [['EventRateLimit', 'AlwaysPullImages'], ['LimitRanger'], 300, 60]);
    assert.deepEqual((s.pluginConfig('EventRateLimit') as { limits: unknown[] }).limits, [{ type: 'Server', qps: 5, burst: 10 }]);
    assert.deepEqual(s.pluginConfig('Other'), { a: 1 });
    assert.equal(s.pluginConfig('NamespaceLifecycle'), undefined);
  });

  it('stops the start in one line for a file it cannot use or a bad number', () => {
    assert.throws(() => admissionSettingsFromEnv({ KAPI_ADMISSION_CONTROL_CONFIG_FILE: '/nonexistent/admission.yaml' }), /KAPI_ADMISSION_CONTROL_CONFIG_FILE: cannot read \/nonexistent\/admission.yaml: ENOENT/);
    const dir = mkdtempSync(join(tmpdir(), 'kapi-admission-config-'));
    writeFileSync(join(dir, 'wrong.yaml'), 'kind: Pod\n');
    assert.throws(() => admissionSettingsFromEnv({ KAPI_ADMISSION_CONTROL_CONFIG_FILE: join(dir, 'wrong.yaml') }), /is not an apiserver.config.k8s.io\/v1 AdmissionConfiguration/);
    assert.throws(() => admissionSettingsFromEnv({ KAPI_DEFAULT_NOT_READY_TOLERATION_SECONDS: '5m' }), /KAPI_DEFAULT_NOT_READY_TOLERATION_SECONDS="5m" is not a whole number of seconds/);
  });
});
