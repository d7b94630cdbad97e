// kube's claim evaluator (pkg/quota/v1/evaluator/core/persistent_volume_claims.go): a claim is one
// `persistentvolumeclaims` (and `count/persistentvolumeclaims`) and its requested storage
// (`requests.storage`, in whole bytes, the allocated size when a resize made it larger), each also
// per storage class (`<class>.storageclass.storage.k8s.io/<name>`); the VolumeAttributesClass scope
// selects claims by the attributes classes they name.
import type { KubeObject } from '@kapi/api-machinery';
import { compareQuantities, scaledValue, type Quantity } from '@kapi/kinds';
import { matchesQuota, objectCountName, scopesMatched, uncoveredByName, type Evaluator } from './evaluator.js';
import { scopeSelectorMatches, type ScopeSelectorRequirement } from './quota.js';
import { count, resourceList, type ResourceList } from './resource-list.js';

type Json = Record<string, any>;

const CLAIM_COUNT = objectCountName({ group: '', resource: 'persistentvolumeclaims' });
const CLAIM_RESOURCES = ['persistentvolumeclaims', 'requests.storage'];
const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

const specOf = (pvc: KubeObject): Json => (pvc.spec && typeof pvc.spec === 'object' ? (pvc.spec as Json) : {});
const statusOf = (pvc: KubeObject): Json => (pvc.status && typeof pvc.status === 'object' ? (pvc.status as Json) : {});

/** GetPersistentVolumeClaimClass: the beta annotation first, then spec.storageClassName. */
export function claimClass(pvc: KubeObject): string {
  const annotations = pvc.metadata?.annotations ?? {};
  if (Object.hasOwn(annotations, BETA_STORAGE_CLASS_ANNOTATION)) return annotations[BETA_STORAGE_CLASS_ANNOTATION];
  const name = specOf(pvc).storageClassName;
  return typeof name === 'string' ? name : '';
}

/** A quantity rounded up to whole units (RoundUp(0)), so usage stays a valid count of bytes. */
function wholeUnits(q: Quantity): Quantity {
  if (q.scale >= 0) return q;
  return { value: scaledValue(q, 0), scale: 0, format: q.format };
}

function storageUsage(pvc: KubeObject): Quantity | undefined {
  const requested = resourceList(specOf(pvc).resources?.requests).get('storage');
  if (!requested) return undefined;
  const allocated = resourceList(statusOf(pvc).allocatedResources).get('storage');
  return allocated && compareQuantities(allocated, wholeUnits(requested)) > 0 ? wholeUnits(allocated) : wholeUnits(requested);
}

export function claimUsage(pvc: KubeObject): ResourceList {
  const usage: ResourceList = new Map([
    ['persistentvolumeclaims', count(1)],
    [CLAIM_COUNT, count(1)],
  ]);
  const storageClass = claimClass(pvc);
  if (storageClass) usage.set(`${storageClass}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, count(1));
  const storage = storageUsage(pvc);
  if (storage) {
    usage.set('requests.storage', storage);
    if (storageClass) usage.set(`${storageClass}${STORAGE_CLASS_SUFFIX}requests.storage`, storage);
  }
  return usage;
}

/** The VolumeAttributesClasses a claim names: in its spec, its status, and a modification under way. */
function attributesClasses(pvc: KubeObject): Set<string> {
  const names = new Set<string>();
  const add = (v: unknown) => typeof v === 'string' && v && names.add(v);
  add(specOf(pvc).volumeAttributesClassName);
  add(statusOf(pvc).currentVolumeAttributesClassName);
  add(statusOf(pvc).modifyVolumeStatus?.targetVolumeAttributesClassName);
  return names;
}

export function claimMatchesScope(requirement: ScopeSelectorRequirement, pvc: KubeObject): boolean {
  if (requirement.scopeName !== 'VolumeAttributesClass') return false;
  const names = attributesClasses(pvc);
  if (requirement.operator === 'Exists') return names.size > 0;
  if (!names.size) return scopeSelectorMatches(requirement, {});
  return [...names].some((name) => scopeSelectorMatches(requirement, { VolumeAttributesClass: name }));
}

/** RequiresQuotaReplenish: a status change that changes what the claim uses. */
export function claimUsageChanged(pvc: KubeObject, old: KubeObject): boolean {
  const storage = (o: KubeObject) => resourceList(statusOf(o).allocatedResources).get('storage');
  const [a, b] = [storage(pvc), storage(old)];
  if ((a === undefined) !== (b === undefined) || (a && b && compareQuantities(a, b) !== 0)) return true;
  const [x, y] = [attributesClasses(pvc), attributesClasses(old)];
  return x.size !== y.size || [...x].some((n) => !y.has(n));
}

export function persistentVolumeClaimEvaluator(): Evaluator {
  const matchingResources = (input: string[]) =>
    input.filter((name) => name === CLAIM_COUNT || CLAIM_RESOURCES.includes(name) || CLAIM_RESOURCES.some((r) => name.endsWith(`${STORAGE_CLASS_SUFFIX}${r}`)));
  return {
    groupResource: { group: '', resource: 'persistentvolumeclaims' },
    handles(r) {
      if (r.subresource === '') return r.operation === 'CREATE' || r.operation === 'UPDATE';
      if (r.subresource === 'status' && r.object && r.oldObject) return claimUsageChanged(r.object, r.oldObject);
      return false;
    },
    constraints: () => undefined,
    matches: (quota, pvc) => matchesQuota(quota, pvc, matchingResources, claimMatchesScope),
    matchingResources,
    matchingScopes: (pvc, selectors) => scopesMatched(pvc, selectors, claimMatchesScope),
    uncoveredQuotaScopes: uncoveredByName,
    usage: claimUsage,
    matchesScope: claimMatchesScope,
  };
}
