// The admission policies as the admission service runs them (kube's policy plugins and their
// initializers): ValidatingAdmissionPolicy and MutatingAdmissionPolicy from @kapi/admission-policy,
// given what they read of the cluster — their policies and bindings, namespaces and params from
// the service's shared informers (an informer per param kind, started when a policy names the
// kind), `authorizer` checks decided by the authz service, equivalent resources and conversion from
// the kinds catalogue (equivalentResourceMapper, catalogueConverter). A policy plugin waits for its informers' first list before its first
// decision, as kube's does.
import type { AdmissionAttributes, AdmissionPlugin } from '@kapi/admission-chain';
import { RESOURCES, waitForReady, type AdmissionPluginFactory, type PluginContext, type Syncable } from '@kapi/admission-plugins';
import {
  formatParamKind,
  MutatingAdmissionPolicy,
  ValidatingAdmissionPolicy,
  type BindingLike,
  type NamespaceSource,
  type ParamKind,
  type ParamSource,
  type PolicyLike,
  type PolicySource,
} from '@kapi/admission-policy';
import { isExemptAdmissionConfigurationResource } from '@kapi/admission-webhooks';
import { parseApiVersion, type KubeObject, type LabelSelector } from '@kapi/api-machinery';
import { ConfigError } from '@kapi/config';
import type { Informer, ResourceRef } from '@kapi/informer';
import { catalogueConverter, equivalentResourceMapper, type KindCatalogue } from '@kapi/kinds';
import { builtinSchemas } from '@kapi/schema';

const GROUP = 'admissionregistration.k8s.io';

/** Where each policy kind's policies and bindings are served (kube 1.34: VAP in v1, MAP in v1beta1). */
export const POLICY_RESOURCES = {
  validating: {
    policies: { group: GROUP, version: 'v1', resource: 'validatingadmissionpolicies' },
    bindings: { group: GROUP, version: 'v1', resource: 'validatingadmissionpolicybindings' },
  },
  mutating: {
    policies: { group: GROUP, version: 'v1beta1', resource: 'mutatingadmissionpolicies' },
    bindings: { group: GROUP, version: 'v1beta1', resource: 'mutatingadmissionpolicybindings' },
  },
} as const satisfies Record<string, { policies: ResourceRef; bindings: ResourceRef }>;

/** How long a request waits for a param kind's informer to list (kube's CollectParams: one second). */
const PARAM_SYNC_TIMEOUT_MS = 1000;

/** The current policies and bindings, as their informers hold them. */
function informerPolicySource<P extends PolicyLike, B extends BindingLike>(policies: Informer<KubeObject>, bindings: Informer<KubeObject>): PolicySource<P, B> {
  return { snapshot: () => ({ policies: policies.list() as P[], bindings: bindings.list() as B[] }) };
}

/** Namespaces from the shared informer, and afresh from the registry for one it has not seen yet (kube's matcher). */
function namespaceSource(context: PluginContext, namespaces: Informer<KubeObject>): NamespaceSource {
  return { get: async (name) => namespaces.get('', name) ?? (await context.api.get(RESOURCES.namespaces, '', name)) };
}

/**
 * Params of any kind the catalogue serves, each kind read through an informer of its own, started
 * when first needed; a kind that is not served (a custom resource's, until kapi serves them) is unknown.
 */
class InformerParamSource implements ParamSource {
  constructor(
    private readonly context: PluginContext,
    private readonly catalogue: KindCatalogue,
  ) {}

  private resourceOf(kind: ParamKind): { ref: ResourceRef; namespaced: boolean } | undefined {
    if (!kind.apiVersion || !kind.kind) return undefined;
    const strategy = this.catalogue.byKind({ ...parseApiVersion(kind.apiVersion), kind: kind.kind });
    if (!strategy) return undefined;
    const { group, version, resource, namespaced } = strategy.info;
    return { ref: { group, version, resource }, namespaced };
  }

  /** Starts the informer of a param kind (a policy naming it was seen), so that it has listed by the first request. */
  watch(kind: ParamKind | undefined): void {
    const resource = kind && this.resourceOf(kind);
    if (resource) this.context.informers.informerFor(resource.ref);
  }

  scopeOf(kind: ParamKind): 'Namespaced' | 'Cluster' | undefined {
    const resource = this.resourceOf(kind);
    return resource ? (resource.namespaced ? 'Namespaced' : 'Cluster') : undefined;
  }

  private async informer(kind: ParamKind): Promise<Informer<KubeObject>> {
    const resource = this.resourceOf(kind);
    if (!resource) throw new Error(`paramKind kind \`${formatParamKind(kind)}\` not known`);
    const informer = this.context.informers.informerFor<KubeObject>(resource.ref);
    if (!informer.synced && !(await informer.waitUntilSynced(PARAM_SYNC_TIMEOUT_MS))) {
      throw new Error(`paramKind kind \`${formatParamKind(kind)}\` not yet synced to use for admission`);
    }
    return informer;
  }

  async get(kind: ParamKind, namespace: string, name: string): Promise<KubeObject | undefined> {
    return (await this.informer(kind)).get(namespace, name);
  }

  async list(kind: ParamKind, namespace: string, selector: LabelSelector): Promise<KubeObject[]> {
    return (await this.informer(kind)).list(namespace).filter((o) => selector.matches(o.metadata?.labels));
  }
}

/** The plugin, deciding only once its informers have listed; policies and webhook configurations are never held up. */
function onceReady(plugin: AdmissionPlugin, informers: readonly Syncable[]): AdmissionPlugin {
  const ready = (a: AdmissionAttributes) => (isExemptAdmissionConfigurationResource(a.kind) ? Promise.resolve() : waitForReady(a, informers));
  return {
    name: plugin.name,
    handles: (operation) => plugin.handles(operation),
    ...(plugin.admit ? { admit: async (a: AdmissionAttributes) => (await ready(a), plugin.admit!(a)) } : {}),
    ...(plugin.validate ? { validate: async (a: AdmissionAttributes) => (await ready(a), plugin.validate!(a)) } : {}),
  };
}

/** What both policy plugins read: their informers, namespaces, params, the authorizer and the catalogue. */
function policySources(context: PluginContext, catalogue: KindCatalogue, resources: { policies: ResourceRef; bindings: ResourceRef }) {
  const policies = context.informers.informerFor<KubeObject>(resources.policies);
  const bindings = context.informers.informerFor<KubeObject>(resources.bindings);
  const namespaces = context.informers.informerFor<KubeObject>(RESOURCES.namespaces);
  const params = new InformerParamSource(context, catalogue);
  policies.subscribe((type, policy) => type !== 'DELETED' && params.watch((policy as PolicyLike).spec?.paramKind));
  return {
    informers: [policies, bindings, namespaces],
    options: {
      namespaces: namespaceSource(context, namespaces),
      params,
      authorize: (request: Parameters<PluginContext['authorizer']['decide']>[0]) => context.authorizer.decide(request),
      equivalentResources: equivalentResourceMapper(catalogue),
      converter: catalogueConverter(catalogue),
    },
    policies,
    bindings,
  };
}

/** ValidatingAdmissionPolicy, as kube runs it by default. */
export function validatingAdmissionPolicyPlugin(catalogue: KindCatalogue): AdmissionPluginFactory {
  return (context) => {
    const sources = policySources(context, catalogue, POLICY_RESOURCES.validating);
    const plugin = ValidatingAdmissionPolicy({ ...sources.options, policies: informerPolicySource(sources.policies, sources.bindings) });
    return onceReady(plugin, sources.informers);
  };
}

/**
 * MutatingAdmissionPolicy: in kube 1.34 on the default plugin list, but inert unless the
 * MutatingAdmissionPolicy feature gate is on (KAPI_FEATURE_GATES), and then its kinds must be
 * served (KAPI_RUNTIME_CONFIG), or it could never list them; that combination stops the start.
 */
export function mutatingAdmissionPolicyPlugin(catalogue: KindCatalogue, featureGates: Readonly<Record<string, boolean>>): AdmissionPluginFactory {
  const enabled = featureGates.MutatingAdmissionPolicy === true;
  if (enabled) {
    const missing = Object.values(POLICY_RESOURCES.mutating).find((r) => catalogue.lookup(r.group, r.resource)?.info.version !== r.version);
    if (missing) {
      throw new ConfigError(`KAPI_FEATURE_GATES turns MutatingAdmissionPolicy on, but ${missing.group}/${missing.version} ${missing.resource} is not served: add ${missing.group}/${missing.version}=true to KAPI_RUNTIME_CONFIG`);
    }
  }
  return (context) => {
    if (!enabled) return { name: 'MutatingAdmissionPolicy', handles: () => false };
    const sources = policySources(context, catalogue, POLICY_RESOURCES.mutating);
    const plugin = MutatingAdmissionPolicy({
      ...sources.options,
      policies: informerPolicySource(sources.policies, sources.bindings),
      // An apply configuration merges lists by their schema's list type, as server-side apply does.
      listTypes: builtinSchemas(),
    });
    return onceReady(plugin, sources.informers);
  };
}
