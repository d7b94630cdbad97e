// Every kind kapi serves. Adding a kind is adding its strategy file and one line here.
import { apiVersionOf, type GroupVersionKind } from '@kapi/api-machinery';
import { configMapStrategy } from './configmap/strategy.js';
import { namespaceStrategy } from './namespace/strategy.js';
import { serviceStrategy } from './service/strategy.js';
import { selfSubjectReviewStrategy } from './authentication/self-subject-review.js';
import { tokenReviewStrategy } from './authentication/token-review.js';
import { endpointsStrategy } from './endpoints/strategy.js';
import { endpointSliceStrategy } from './endpointslice/strategy.js';
import type { KindStrategy, ResourceInfo } from './strategy.js';
import type { CustomResourceKinds } from './customresource/kinds.js';
import { clusterRoleBindingStrategy, clusterRoleStrategy, roleBindingStrategy, roleStrategy } from './rbac/index.js';
import { reviewStrategies } from './authorization/reviews.js';
import { secretStrategy } from './secret/strategy.js';
import { serviceAccountStrategy } from './serviceaccount/strategy.js';
import { eventStrategy } from './event/strategy.js';
import { leaseStrategy } from './lease/strategy.js';
import { priorityClassStrategy } from './priorityclass/strategy.js';
import { podTemplateStrategy } from './podtemplate/strategy.js';
import { limitRangeStrategy } from './limitrange/strategy.js';
import { resourceQuotaStrategy } from './resourcequota/strategy.js';
import { runtimeClassStrategy } from './runtimeclass/strategy.js';
import { storageClassStrategy } from './storageclass/strategy.js';
import { csiDriverStrategy } from './csidriver/strategy.js';
import { deploymentStrategy } from './deployment/strategy.js';
import { replicaSetStrategy } from './replicaset/strategy.js';
import { statefulSetStrategy } from './statefulset/strategy.js';
import { daemonSetStrategy } from './daemonset/strategy.js';
import { controllerRevisionStrategy } from './controllerrevision/strategy.js';
import { replicationControllerStrategy } from './replicationcontroller/strategy.js';
import { jobStrategy } from './job/strategy.js';
import { cronJobStrategy } from './cronjob/strategy.js';
import { horizontalPodAutoscalerStrategy } from './horizontalpodautoscaler/strategy.js';
import { horizontalPodAutoscalerV1Strategy } from './horizontalpodautoscaler/v1-strategy.js';
import { mutatingWebhookConfigurationStrategy } from './mutatingwebhookconfiguration/strategy.js';
import { validatingWebhookConfigurationStrategy } from './validatingwebhookconfiguration/strategy.js';
import { validatingAdmissionPolicyStrategy } from './validatingadmissionpolicy/strategy.js';
import { validatingAdmissionPolicyBindingStrategy } from './validatingadmissionpolicybinding/strategy.js';
import { customResourceDefinitionStrategy } from './customresourcedefinition/strategy.js';
import { apiServiceStrategy } from './apiservice/strategy.js';
import { certificateSigningRequestStrategy } from './certificatesigningrequest/strategy.js';
import { flowSchemaStrategy } from './flowschema/strategy.js';
import { priorityLevelConfigurationStrategy } from './prioritylevelconfiguration/strategy.js';
import { ingressStrategy } from './ingress/strategy.js';
import { ingressClassStrategy } from './ingressclass/strategy.js';
import { networkPolicyStrategy } from './networkpolicy/strategy.js';
import { volumeAttachmentStrategy } from './volumeattachment/strategy.js';
import { eventsV1EventStrategy } from './events/strategy.js';
import { podStrategy } from './pod/strategy.js';
import { nodeStrategy } from './node/strategy.js';
import { persistentVolumeStrategy } from './persistentvolume/strategy.js';
import { persistentVolumeClaimStrategy } from './persistentvolumeclaim/strategy.js';
import { podDisruptionBudgetStrategy } from './poddisruptionbudget/strategy.js';
import { componentStatusStrategy } from './componentstatus/strategy.js';
import { bindingStrategy } from './binding/strategy.js';
import { csiNodeStrategy } from './csinode/strategy.js';
import { csiStorageCapacityStrategy } from './csistoragecapacity/strategy.js';
import { volumeAttributesClassStrategy } from './volumeattributesclass/strategy.js';
import { ipAddressStrategy } from './ipaddress/strategy.js';
import { serviceCidrStrategy } from './servicecidr/strategy.js';
import { deviceClassStrategy } from './deviceclass/strategy.js';
import { resourceClaimStrategy } from './resourceclaim/strategy.js';
import { resourceClaimTemplateStrategy } from './resourceclaimtemplate/strategy.js';
import { resourceSliceStrategy } from './resourceslice/strategy.js';
import { mutatingAdmissionPolicyStrategy } from './mutatingadmissionpolicy/strategy.js';
import { mutatingAdmissionPolicyBindingStrategy } from './mutatingadmissionpolicybinding/strategy.js';

export const builtinStrategies: readonly KindStrategy[] = [
  namespaceStrategy,
  configMapStrategy,
  serviceStrategy,
  endpointsStrategy,
  endpointSliceStrategy,
  selfSubjectReviewStrategy,
  tokenReviewStrategy,
  roleStrategy,
  clusterRoleStrategy,
  roleBindingStrategy,
  clusterRoleBindingStrategy,
  ...reviewStrategies,
  secretStrategy,
  serviceAccountStrategy,
  eventStrategy,
  podTemplateStrategy,
  limitRangeStrategy,
  resourceQuotaStrategy,
  leaseStrategy,
  priorityClassStrategy,
  runtimeClassStrategy,
  storageClassStrategy,
  csiDriverStrategy,
  deploymentStrategy,
  replicaSetStrategy,
  statefulSetStrategy,
  daemonSetStrategy,
  controllerRevisionStrategy,
  replicationControllerStrategy,
  jobStrategy,
  cronJobStrategy,
  // Versions of one resource: the preferred (discovery's first) before the others.
  horizontalPodAutoscalerStrategy,
  horizontalPodAutoscalerV1Strategy,
  mutatingWebhookConfigurationStrategy,
  validatingWebhookConfigurationStrategy,
  validatingAdmissionPolicyStrategy,
  validatingAdmissionPolicyBindingStrategy,
  customResourceDefinitionStrategy,
  apiServiceStrategy,
  certificateSigningRequestStrategy,
  flowSchemaStrategy,
  priorityLevelConfigurationStrategy,
  ingressStrategy,
  ingressClassStrategy,
  networkPolicyStrategy,
  volumeAttachmentStrategy,
  eventsV1EventStrategy,
  podStrategy,
  nodeStrategy,
  persistentVolumeStrategy,
  persistentVolumeClaimStrategy,
  podDisruptionBudgetStrategy,
  csiNodeStrategy,
  csiStorageCapacityStrategy,
  volumeAttributesClassStrategy,
  ipAddressStrategy,
  serviceCidrStrategy,
  deviceClassStrategy,
  resourceClaimStrategy,
  resourceClaimTemplateStrategy,
  resourceSliceStrategy,
  bindingStrategy,
  componentStatusStrategy,
];

/**
 * Kinds kube-apiserver v1.34 serves only when their group version is switched on with
 * --runtime-config (KAPI_RUNTIME_CONFIG): beta APIs that are off by default.
 */
export const optionalStrategies: readonly KindStrategy[] = [mutatingAdmissionPolicyStrategy, mutatingAdmissionPolicyBindingStrategy];

/** kube's --runtime-config: `group/version` or `group/version/resource`, switched on (true) or off (false). */
export type RuntimeConfig = Readonly<Record<string, boolean>>;

/**
 * The kinds to serve: every built-in one, and each optional one whose resource or group version the
 * runtime config switches on (the resource's own setting wins). A key that names no optional API
 * is refused: kapi cannot switch its other APIs off.
 */
export function servedStrategies(runtimeConfig: RuntimeConfig = {}): KindStrategy[] {
  const switchable = new Set(optionalStrategies.flatMap((s) => [apiVersionOf(s.info), `${apiVersionOf(s.info)}/${s.info.resource}`]));
  const unknown = Object.keys(runtimeConfig).find((key) => !switchable.has(key));
  if (unknown !== undefined) {
    throw new Error(`KAPI_RUNTIME_CONFIG: ${JSON.stringify(unknown)} cannot be switched in kapi; it serves every other API always (switchable: ${[...switchable].join(', ')})`);
  }
  const enabled = (info: ResourceInfo) => runtimeConfig[`${apiVersionOf(info)}/${info.resource}`] ?? runtimeConfig[apiVersionOf(info)] ?? false;
  return [...builtinStrategies, ...optionalStrategies.filter((s) => enabled(s.info))];
}

export class KindCatalogue {
  /** Each built-in resource's preferred version (the first listed). */
  private readonly byResource = new Map<string, KindStrategy>();
  /** Each built-in resource in each version served (autoscaling/v1 and v2 HorizontalPodAutoscalers). */
  private readonly byVersionedResource = new Map<string, KindStrategy>();
  private readonly byKindKey = new Map<string, KindStrategy>();

  /**
   * `strategies`: the built-in kinds, fixed for the process's life; `customResources`: the custom
   * resources served now, which change as CRDs do (a built-in kind wins over a CRD of the same name).
   */
  constructor(
    readonly strategies: readonly KindStrategy[] = builtinStrategies,
    readonly customResources?: CustomResourceKinds,
  ) {
    for (const s of strategies) {
      if (!this.byResource.has(KindCatalogue.key(s.info.group, s.info.resource))) this.byResource.set(KindCatalogue.key(s.info.group, s.info.resource), s);
      this.byVersionedResource.set(`${s.info.group}/${s.info.version}/${s.info.resource}`, s);
      this.byKindKey.set(`${s.info.group}/${s.info.version}/${s.info.kind}`, s);
    }
  }

  /** Changes whenever the kinds served change (custom resources coming and going). */
  get generation(): number {
    return this.customResources?.generation ?? 0;
  }

  /** Every kind served now: the built-in ones, then the custom resources. */
  all(): KindStrategy[] {
    return [...this.strategies, ...(this.customResources?.strategies() ?? [])];
  }

  /** The kind served as `group/version` `kind` (a policy's paramKind), if it is served. */
  byKind(kind: GroupVersionKind): KindStrategy | undefined {
    return this.byKindKey.get(`${kind.group}/${kind.version}/${kind.kind}`) ?? this.customResources?.byKind(kind);
  }

  private static key(group: string, resource: string): string {
    return `${group}/${resource}`;
  }

  /**
   * The kind of a resource. `version` picks the strategy of a resource served in several versions
   * (a built-in one such as HorizontalPodAutoscaler, or a custom resource); without one, or for a
   * version not served, a built-in resource's preferred version answers (the caller checks it) and a
   * custom resource's main version.
   */
  lookup(group: string, resource: string, version?: string): KindStrategy | undefined {
    const builtin = (version !== undefined ? this.byVersionedResource.get(`${group}/${version}/${resource}`) : undefined) ?? this.byResource.get(KindCatalogue.key(group, resource));
    return builtin ?? this.customResources?.lookup(group, resource, version);
  }

  /** Whether the kind is one of the built-in ones (a custom resource's is not). */
  isBuiltin(group: string, resource: string): boolean {
    return this.byResource.has(KindCatalogue.key(group, resource));
  }

  /** The group/versions served, in the order discovery lists them (legacy core group first, CRD groups last). */
  groupVersions(): { group: string; version: string }[] {
    const seen = new Map<string, { group: string; version: string }>();
    for (const s of this.all()) seen.set(`${s.info.group}/${s.info.version}`, { group: s.info.group, version: s.info.version });
    return [...seen.values()];
  }

  /** The resources of one group/version sorted by name, as kube-apiserver installs and lists them. */
  resourcesOf(group: string, version: string): ResourceInfo[] {
    return this.all()
      .filter((s) => s.info.group === group && s.info.version === version)
      .map((s) => s.info)
      .sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
  }
}

/** etcd key of an object or, without a name, the prefix of a collection; laid out as kube-apiserver does. */
export function storageKey(info: ResourceInfo, namespace: string | undefined, name?: string): string {
  const base = `/registry/${info.storagePrefix ?? info.resource}`;
  const scoped = info.namespaced && namespace ? `${base}/${namespace}` : base;
  return name === undefined ? `${scoped}/` : `${scoped}/${name}`;
}
