// When a change to an object should have a quota recalculated (kube's quota monitor with its
// DefaultUpdateFilter): every deletion frees what the object used; of updates, only a pod that
// became terminal or was resized, a Service whose quota type changed, and a claim whose allocated
// size or attributes class changed.
import type { KubeObject } from '@kapi/api-machinery';
import { sameGroupResource, type GroupResource } from '../evaluator.js';
import { claimUsageChanged } from '../persistent-volume-claims.js';
import { isChargedPod } from '../pods.js';
import { equals, resourceList } from '../resource-list.js';
import { quotaServiceType } from '../services.js';

type Json = Record<string, any>;

const containerStatuses = (pod: KubeObject): Json[] => {
  const statuses = (pod.status as Json | undefined)?.containerStatuses;
  return Array.isArray(statuses) ? statuses : [];
};

/** hasAllocatedResourcesChanged: a container's allocated resources differ (compared in order). */
function allocatedResourcesChanged(old: KubeObject, pod: KubeObject): boolean {
  const [before, after] = [containerStatuses(old), containerStatuses(pod)];
  if (before.length !== after.length) return false;
  return before.some((s, i) => !equals(resourceList(s?.allocatedResources), resourceList(after[i]?.allocatedResources)));
}

export function updateChangesUsage(resource: GroupResource, old: KubeObject, object: KubeObject, now: number): boolean {
  if (sameGroupResource(resource, { group: '', resource: 'pods' })) return allocatedResourcesChanged(old, object) || (isChargedPod(old, now) && !isChargedPod(object, now));
  if (sameGroupResource(resource, { group: '', resource: 'services' })) return quotaServiceType(old) !== quotaServiceType(object);
  if (sameGroupResource(resource, { group: '', resource: 'persistentvolumeclaims' })) return claimUsageChanged(object, old);
  return false;
}
