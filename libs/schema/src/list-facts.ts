// How kube-apiserver's types merge their lists: the strategic-merge-patch key and strategy and the
// server-side-apply list type of each list field that is not a plain atomic list. These are facts
// about the Kubernetes API (the `patchMergeKey`/`patchStrategy`/`listType`/`listMapKey` markers of
// its Go types), which the model metadata kapi reads does not carry. Keyed by `<Type>.<field>`,
// the type without its version prefix, so every version of a type shares them.

export interface ListFacts {
  /** x-kubernetes-patch-merge-key */
  mergeKey?: string;
  /** x-kubernetes-patch-strategy: `merge`, `retainKeys` or `merge,retainKeys`. */
  strategy?: string;
  /** x-kubernetes-list-type: `atomic`, `set` or `map`. */
  listType?: 'atomic' | 'set' | 'map';
  /** x-kubernetes-list-map-keys */
  mapKeys?: string[];
}

const keyed = (mergeKey: string, mapKeys: string[] = [mergeKey], strategy = 'merge'): ListFacts => ({ mergeKey, strategy, listType: 'map', mapKeys });
const byName = keyed('name');
const byType = keyed('type');
const set: ListFacts = { strategy: 'merge', listType: 'set' };

export const LIST_FACTS: Record<string, ListFacts> = {
  'ObjectMeta.ownerReferences': keyed('uid'),
  'ObjectMeta.finalizers': set,
  'PodSpec.containers': byName,
  'PodSpec.initContainers': byName,
  'PodSpec.ephemeralContainers': byName,
  'PodSpec.volumes': keyed('name', ['name'], 'merge,retainKeys'),
  'PodSpec.imagePullSecrets': byName,
  'PodSpec.hostAliases': keyed('ip'),
  'PodSpec.topologySpreadConstraints': keyed('topologyKey', ['topologyKey', 'whenUnsatisfiable']),
  'PodSpec.resourceClaims': keyed('name', ['name'], 'merge,retainKeys'),
  'PodSpec.schedulingGates': byName,
  'PodSpec.tolerations': { listType: 'atomic' },
  'Container.env': byName,
  'Container.ports': keyed('containerPort', ['containerPort', 'protocol']),
  'Container.volumeMounts': keyed('mountPath'),
  'Container.volumeDevices': keyed('devicePath'),
  'EphemeralContainer.env': byName,
  'EphemeralContainer.ports': keyed('containerPort', ['containerPort', 'protocol']),
  'EphemeralContainer.volumeMounts': keyed('mountPath'),
  'EphemeralContainer.volumeDevices': keyed('devicePath'),
  'PodStatus.podIPs': keyed('ip'),
  'PodStatus.hostIPs': keyed('ip'),
  'NodeStatus.addresses': byType,
  'NodeSpec.podCIDRs': set,
  'ServiceSpec.ports': keyed('port', ['port', 'protocol']),
  'ServiceSpec.clusterIPs': { listType: 'atomic' },
  'ServiceSpec.ipFamilies': { listType: 'atomic' },
  'ServiceAccount.secrets': byName,
  'DeploymentSpec.strategy': { strategy: 'retainKeys' },
  'LabelSelector.matchExpressions': { listType: 'atomic' },
};

/** The facts of a list field; `conditions` lists keyed by `type` are the rule, not listed one by one. */
export function listFacts(typeName: string, field: string, itemFields?: string[]): ListFacts | undefined {
  const facts = LIST_FACTS[`${typeName}.${field}`];
  if (facts) return facts;
  if (field === 'conditions' && itemFields?.includes('type')) return byType;
  return undefined;
}

/**
 * The fields whose Go type is resource.Quantity (or a ResourceList, a map of them): strings in the
 * model data, but a quantity may also be sent as a JSON number.
 */
export const QUANTITY_FIELDS = new Set([
  'ResourceRequirements.limits', 'ResourceRequirements.requests', 'VolumeResourceRequirements.limits', 'VolumeResourceRequirements.requests',
  'ResourceFieldSelector.divisor', 'EmptyDirVolumeSource.sizeLimit', 'PodSpec.overhead', 'ContainerStatus.allocatedResources',
  'NodeStatus.capacity', 'NodeStatus.allocatable', 'PersistentVolumeSpec.capacity', 'PersistentVolumeClaimStatus.capacity',
  'PersistentVolumeClaimStatus.allocatedResources', 'ResourceQuotaSpec.hard', 'ResourceQuotaStatus.hard', 'ResourceQuotaStatus.used',
  'LimitRangeItem.max', 'LimitRangeItem.min', 'LimitRangeItem.default', 'LimitRangeItem.defaultRequest', 'LimitRangeItem.maxLimitRequestRatio',
  'Overhead.podFixed', 'CSIStorageCapacity.capacity', 'CSIStorageCapacity.maximumVolumeSize', 'MetricTarget.value', 'MetricTarget.averageValue',
  'MetricValueStatus.value', 'MetricValueStatus.averageValue', 'DeviceCapacity.value', 'Counter.value', 'CapacityRequestPolicy.default',
  'CapacityRequestPolicyRange.min', 'CapacityRequestPolicyRange.max', 'CapacityRequestPolicyRange.step', 'CapacityRequirements.requests',
  'DeviceRequestAllocationResult.consumedCapacity',
]);
