// kube's pod evaluator (pkg/quota/v1/evaluator/core/pods.go): a pod charges `count/pods` for as long
// as it is stored, and `pods` with its requests and limits of cpu, memory, ephemeral storage,
// hugepages and extended resources while it is not terminal (Succeeded or Failed, or deleted with
// its grace period over). Requests and limits add up as the scheduler sees them (component-helpers'
// PodRequests/PodLimits: containers and sidecars summed, each other init container alone, pod-level
// resources over the containers', overhead on top, and a resize's status taken when larger).
import type { KubeObject } from '@kapi/api-machinery';
import { isExtendedResourceName, isNativeResource } from '@kapi/kinds';
import { matchesQuota, objectCountName, scopesMatched, uncoveredByName, type Evaluator } from './evaluator.js';
import { scopeSelectorMatches, type ScopeSelectorRequirement } from './quota.js';
import { add, addQuantity, count, intersection, isZero, max, resourceList, sign, type ResourceList } from './resource-list.js';

type Json = Record<string, any>;

const POD_COUNT = objectCountName({ group: '', resource: 'pods' });
const POD_RESOURCES = [
  POD_COUNT,
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
];
const HUGE_PAGES_PREFIX = 'hugepages-';
const REQUESTS_PREFIX = 'requests.';
const POD_RESOURCE_PREFIXES = [HUGE_PAGES_PREFIX, 'requests.hugepages-'];
/** Quota on these requires every container to ask for them: kube's backward-compatible mistake, kept. */
const VALIDATION_SET = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

const objects = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : []);
const specOf = (pod: KubeObject): Json => (pod.spec && typeof pod.spec === 'object' ? (pod.spec as Json) : {});
const statusOf = (pod: KubeObject): Json => (pod.status && typeof pod.status === 'object' ? (pod.status as Json) : {});

/** A quota name for extended resources: only `requests.<name>` (they cannot be overcommitted). */
const isExtendedResourceNameForQuota = (name: string) => !isNativeResource(name) && name.startsWith(REQUESTS_PREFIX);

/** podComputeUsageHelper: what requests and limits charge, by quota name. */
export function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = new Map([['pods', count(1)]]);
  for (const name of ['cpu', 'memory', 'ephemeral-storage']) {
    const request = requests.get(name);
    if (request) {
      out.set(name, request);
      out.set(`${REQUESTS_PREFIX}${name}`, request);
    }
    const limit = limits.get(name);
    if (limit) out.set(`limits.${name}`, limit);
  }
  for (const [name, request] of requests) {
    if (name.startsWith(HUGE_PAGES_PREFIX)) {
      out.set(name, request);
      out.set(`${REQUESTS_PREFIX}${name}`, request);
    }
    if (isExtendedResourceName(name)) out.set(`${REQUESTS_PREFIX}${name}`, request);
  }
  return out;
}

const isSidecar = (c: Json) => c.restartPolicy === 'Always';
const isResizeInfeasible = (pod: KubeObject) => objects(statusOf(pod).conditions).find((c) => c.type === 'PodResizePending')?.reason === 'Infeasible';

/** The resources a container has, its status's when a resize has changed them (InPlacePodVerticalScaling, on in 1.34). */
function containerResources(pod: KubeObject, container: Json, which: 'requests' | 'limits', statuses: Map<string, Json>): ResourceList {
  const spec = resourceList(container.resources?.[which]);
  const status = statuses.get(container.name);
  if (!status?.resources || typeof status.resources !== 'object') return spec;
  const actual = resourceList(status.resources[which]);
  if (which === 'limits') return isResizeInfeasible(pod) ? actual : max(spec, actual);
  const allocated = resourceList(status.allocatedResources);
  return isResizeInfeasible(pod) ? max(actual, allocated) : max(max(spec, actual), allocated);
}

/** AggregateContainerRequests/Limits: containers and sidecars add up; a plain init container counts alone, beside the sidecars started before it. */
function aggregate(pod: KubeObject, which: 'requests' | 'limits'): ResourceList {
  const spec = specOf(pod);
  const status = statusOf(pod);
  const statuses = new Map<string, Json>(
    [...objects(status.containerStatuses), ...objects(status.initContainerStatuses)].map((s) => [s.name as string, s]),
  );
  let total: ResourceList = new Map();
  for (const c of objects(spec.containers)) total = add(total, containerResources(pod, c, which, statuses));
  let sidecars: ResourceList = new Map();
  let inits: ResourceList = new Map();
  for (const c of objects(spec.initContainers)) {
    if (isSidecar(c)) {
      const own = containerResources(pod, c, which, statuses);
      total = add(total, own);
      sidecars = add(sidecars, own);
      inits = max(inits, sidecars);
    } else {
      inits = max(inits, add(resourceList(c.resources?.[which]), sidecars));
    }
  }
  return max(total, inits);
}

const isPodLevelResource = (name: string) => name === 'cpu' || name === 'memory' || name.startsWith(HUGE_PAGES_PREFIX);

/** Pod-level resources (PodLevelResources, beta and on in 1.34) replace the containers' sum where set. */
function withPodLevel(pod: KubeObject, which: 'requests' | 'limits', aggregated: ResourceList): ResourceList {
  const podLevel = resourceList(specOf(pod).resources?.[which]);
  const out = new Map(aggregated);
  for (const [name, q] of podLevel) if (isPodLevelResource(name)) out.set(name, q);
  return out;
}

export function podRequests(pod: KubeObject): ResourceList {
  const requests = withPodLevel(pod, 'requests', aggregate(pod, 'requests'));
  return add(requests, resourceList(specOf(pod).overhead));
}

export function podLimits(pod: KubeObject): ResourceList {
  const limits = withPodLevel(pod, 'limits', aggregate(pod, 'limits'));
  // Overhead counts only toward limits that are set.
  for (const [name, q] of resourceList(specOf(pod).overhead)) {
    const limit = limits.get(name);
    if (limit && !isZero(limit)) limits.set(name, addQuantity(limit, q));
  }
  return limits;
}

/** QuotaV1Pod: a pod is charged unless terminal, or deleted and past its grace period (a lost node's). */
export function isChargedPod(pod: KubeObject, now: number): boolean {
  const phase = statusOf(pod).phase;
  if (phase === 'Failed' || phase === 'Succeeded') return false;
  const deletion = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (deletion && typeof grace === 'number' && now > Date.parse(deletion) + grace * 1000) return false;
  return true;
}

/** PodUsageFunc. */
export function podUsage(pod: KubeObject, now: number): ResourceList {
  const result: ResourceList = new Map([[POD_COUNT, count(1)]]);
  if (!isChargedPod(pod, now)) return result;
  return add(result, computeUsage(podRequests(pod), podLimits(pod)));
}

/** qos.GetPodQOS: the status's class, else computed (pod-level resources decide when the pod has them). */
export function isBestEffort(pod: KubeObject): boolean {
  const qos = statusOf(pod).qosClass;
  if (typeof qos === 'string' && qos) return qos === 'BestEffort';
  const spec = specOf(pod);
  const lists: unknown[] = spec.resources && typeof spec.resources === 'object'
    ? [spec.resources.requests, spec.resources.limits]
    : [...objects(spec.containers), ...objects(spec.initContainers)].flatMap((c) => [c.resources?.requests, c.resources?.limits]);
  return !lists.some((l) => [...resourceList(l)].some(([name, q]) => (name === 'cpu' || name === 'memory') && sign(q) > 0));
}

const isTerminating = (pod: KubeObject) => typeof specOf(pod).activeDeadlineSeconds === 'number' && specOf(pod).activeDeadlineSeconds >= 0;

function crossNamespaceTerms(terms: unknown, weighted: boolean): boolean {
  return objects(terms).some((t) => {
    const term = weighted ? t.podAffinityTerm : t;
    return !!term && ((Array.isArray(term.namespaces) && term.namespaces.length > 0) || (term.namespaceSelector !== undefined && term.namespaceSelector !== null));
  });
}

/** Whether any pod (anti-)affinity term reaches other namespaces (namespaces or a namespaceSelector). */
export function usesCrossNamespacePodAffinity(pod: KubeObject): boolean {
  const affinity = specOf(pod).affinity;
  if (!affinity || typeof affinity !== 'object') return false;
  return [affinity.podAffinity, affinity.podAntiAffinity].some(
    (a) => !!a && (crossNamespaceTerms(a.requiredDuringSchedulingIgnoredDuringExecution, false) || crossNamespaceTerms(a.preferredDuringSchedulingIgnoredDuringExecution, true)),
  );
}

/** podMatchesScopeFunc. */
export function podMatchesScope(requirement: ScopeSelectorRequirement, pod: KubeObject): boolean {
  switch (requirement.scopeName) {
    case 'Terminating':
      return isTerminating(pod);
    case 'NotTerminating':
      return !isTerminating(pod);
    case 'BestEffort':
      return isBestEffort(pod);
    case 'NotBestEffort':
      return !isBestEffort(pod);
    case 'PriorityClass': {
      const priorityClassName = specOf(pod).priorityClassName;
      if (requirement.operator === 'Exists') return typeof priorityClassName === 'string' && priorityClassName !== '';
      return scopeSelectorMatches(requirement, priorityClassName ? { PriorityClass: priorityClassName } : {});
    }
    case 'CrossNamespacePodAffinity':
      return usesCrossNamespacePodAffinity(pod);
    default:
      return false;
  }
}

/** enforcePodContainerConstraints: which required names a container's own requests and limits leave out. */
function missingFor(container: Json, required: Set<string>, missing: Map<string, Set<string>>): void {
  const has = computeUsage(resourceList(container.resources?.requests), resourceList(container.resources?.limits));
  for (const name of required) {
    if (has.has(name)) continue;
    if (!missing.has(name)) missing.set(name, new Set());
    missing.get(name)!.add(String(container.name ?? ''));
  }
}

export function podEvaluator(now: () => number = Date.now): Evaluator {
  const matchingResources = (input: string[]): string[] => {
    const result = intersection(input, POD_RESOURCES);
    for (const name of input) {
      if (POD_RESOURCE_PREFIXES.some((p) => name.startsWith(p))) result.push(name);
      if (isExtendedResourceNameForQuota(name)) result.push(name);
    }
    return result;
  };
  return {
    groupResource: { group: '', resource: 'pods' },
    // Pods are charged on create, and again when resized (pods/resize).
    handles: (r) => (r.subresource === '' && r.operation === 'CREATE') || (r.subresource === 'resize' && r.operation === 'UPDATE'),
    constraints(required, pod) {
      const wanted = new Set(required.filter((n) => VALIDATION_SET.has(n)));
      const missing = new Map<string, Set<string>>();
      const spec = specOf(pod);
      for (const c of [...objects(spec.containers), ...objects(spec.initContainers)]) missingFor(c, wanted, missing);
      if (!missing.size) return undefined;
      const parts = [...missing.keys()].sort().map((name) => `${name} for: ${[...missing.get(name)!].sort().join(',')}`);
      return `must specify ${parts.join('; ')}`;
    },
    matches: (quota, pod) => matchesQuota(quota, pod, matchingResources, podMatchesScope),
    matchingResources,
    matchingScopes: (pod, selectors) => scopesMatched(pod, selectors, podMatchesScope),
    uncoveredQuotaScopes: uncoveredByName,
    usage: (pod) => podUsage(pod, now()),
    matchesScope: podMatchesScope,
  };
}
