// Which admission plugins run, and in what order: kube-apiserver's names and its recommended order
// (AllOrderedPlugins), its default set (all but DefaultOffAdmissionPlugins), and its flags'
// rules — the order is always kube's, never the flags'; an unknown name stops the start. Each
// plugin is built by a factory registered under its name: kapi's built-ins here, the webhooks and
// policies from their own libs.
import { AdmissionChain, type AdmissionPlugin } from '@kapi/admission-chain';
import { ConfigError } from '@kapi/config';
import type { PluginContext } from './context.js';
import type { AdmissionSettings } from './settings.js';

/** kube-apiserver v1.34's AllOrderedPlugins: mutating plugins run in this order, then validating ones. */
export const ORDERED_PLUGINS = [
  'AlwaysAdmit',
  'NamespaceAutoProvision',
  'NamespaceLifecycle',
  'NamespaceExists',
  'LimitPodHardAntiAffinityTopology',
  'LimitRanger',
  'ServiceAccount',
  'NodeRestriction',
  'TaintNodesByCondition',
  'AlwaysPullImages',
  'ImagePolicyWebhook',
  'PodSecurity',
  'PodNodeSelector',
  'Priority',
  'DefaultTolerationSeconds',
  'PodTolerationRestriction',
  'EventRateLimit',
  'ExtendedResourceToleration',
  'DefaultStorageClass',
  'StorageObjectInUseProtection',
  'OwnerReferencesPermissionEnforcement',
  'PersistentVolumeClaimResize',
  'RuntimeClass',
  'CertificateApproval',
  'CertificateSigning',
  'ClusterTrustBundleAttest',
  'CertificateSubjectRestriction',
  'DefaultIngressClass',
  'DenyServiceExternalIPs',
  'PodTopologyLabels',
  // Webhooks, policies, quota and deny go last, as in kube.
  'MutatingAdmissionPolicy',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
  'AlwaysDeny',
] as const;

export type PluginName = (typeof ORDERED_PLUGINS)[number];

/** What kube-apiserver runs unless told otherwise (every other plugin is in DefaultOffAdmissionPlugins). */
export const DEFAULT_ON_PLUGINS: ReadonlySet<string> = new Set<PluginName>([
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
  'PodTopologyLabels',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
]);

/**
 * Builds one plugin from what the admission service provides. A factory of a plugin that reads
 * cluster state asks `context.informers` for its informers when it is called (they are listed and
 * watched from then on) and waits for their sync before its first decision.
 */
export type AdmissionPluginFactory = (context: PluginContext) => AdmissionPlugin;

/** Plugin factories by kube's names (kube's admission.Plugins): a second registration is an error. */
export class AdmissionPluginRegistry {
  private readonly factories = new Map<string, AdmissionPluginFactory>();

  register(name: PluginName, factory: AdmissionPluginFactory): this {
    if (!(ORDERED_PLUGINS as readonly string[]).includes(name)) throw new Error(`admission plugin ${name} is not in kube's plugin order`);
    if (this.factories.has(name)) throw new Error(`admission plugin ${name} is registered twice`);
    this.factories.set(name, factory);
    return this;
  }

  has(name: string): boolean {
    return this.factories.has(name);
  }

  factory(name: string): AdmissionPluginFactory | undefined {
    return this.factories.get(name);
  }

  /** The registered names, in kube's order. */
  get names(): string[] {
    return ORDERED_PLUGINS.filter((n) => this.factories.has(n));
  }
}

export interface EnabledPlugins {
  /** The plugins to build, in kube's order. */
  names: string[];
  /** Plugins kube would run by default that kapi has no implementation of (yet), for a note in the log. */
  unavailable: string[];
}

/**
 * kube's enabledPluginNames with its validation: the default set, plus `enable`, minus `disable`,
 * in kube's order. A name kube does not know, one both enabled and disabled, or one enabled that
 * kapi cannot run stops the start with one line.
 */
export function enabledPlugins(settings: Pick<AdmissionSettings, 'enable' | 'disable'>, registry: AdmissionPluginRegistry): EnabledPlugins {
  const known = new Set<string>(ORDERED_PLUGINS);
  for (const [variable, names] of [
    ['KAPI_ENABLE_ADMISSION_PLUGINS', settings.enable],
    ['KAPI_DISABLE_ADMISSION_PLUGINS', settings.disable],
  ] as const) {
    const unknown = names.find((n) => !known.has(n));
    if (unknown) throw new ConfigError(`${variable} plugin ${JSON.stringify(unknown)} is unknown`);
  }
  const overlap = settings.enable.filter((n) => settings.disable.includes(n));
  if (overlap.length) throw new ConfigError(`[${[...new Set(overlap)].sort().join(' ')}] in KAPI_ENABLE_ADMISSION_PLUGINS and KAPI_DISABLE_ADMISSION_PLUGINS overlapped`);
  const missing = settings.enable.find((n) => !registry.has(n));
  if (missing) throw new ConfigError(`KAPI_ENABLE_ADMISSION_PLUGINS plugin ${JSON.stringify(missing)} is not implemented by kapi`);
  const wanted = (n: string) => (DEFAULT_ON_PLUGINS.has(n) || settings.enable.includes(n)) && !settings.disable.includes(n);
  const names = ORDERED_PLUGINS.filter(wanted);
  return { names: names.filter((n) => registry.has(n)), unavailable: names.filter((n) => !registry.has(n)) };
}

/** The chain of the named plugins, each built by its factory, in kube's order (into `chain` when given: one that reinvokes, say). */
export function buildAdmissionChain(names: readonly string[], registry: AdmissionPluginRegistry, context: PluginContext, chain = new AdmissionChain()): AdmissionChain {
  for (const name of ORDERED_PLUGINS.filter((n) => names.includes(n))) {
    const factory = registry.factory(name);
    if (!factory) throw new Error(`admission plugin ${name} has no factory`);
    const plugin = factory(context);
    if (plugin.name !== name) throw new Error(`the factory of admission plugin ${name} built ${plugin.name}`);
    chain.register(plugin);
  }
  return chain;
}
