// quota.CalculateUsage: what a namespace uses of the resources a quota limits, summed by every
// evaluator that charges one of them over the objects it lists. A resource whose objects cannot be
// listed is left out of the result, and the failure reported beside it.
import type { KubeObject } from '@kapi/api-machinery';
import { calculateUsageStats, type Evaluator, type GroupResource } from './evaluator.js';
import { scopeSelectorOf, scopesOf } from './quota.js';
import { add, difference, intersection, mask, resourceNames, type ResourceList } from './resource-list.js';

export type ListObjects = (resource: GroupResource, namespace: string) => Promise<KubeObject[]>;

export interface CalculatedUsage {
  used: ResourceList;
  errors: Error[];
}

export async function calculateUsage(namespace: string, quota: KubeObject, hard: ResourceList, evaluators: Evaluator[], list: ListObjects): Promise<CalculatedUsage> {
  const hardNames = resourceNames(hard);
  let matched = intersection(hardNames, evaluators.flatMap((e) => e.matchingResources(hardNames)));
  const scopes = scopesOf(quota);
  const scopeSelector = scopeSelectorOf(quota);
  const errors: Error[] = [];
  let used: ResourceList = new Map();
  for (const evaluator of evaluators) {
    const resources = evaluator.matchingResources(matched);
    if (!resources.length) continue;
    let items: KubeObject[];
    try {
      items = await list(evaluator.groupResource, namespace);
    } catch (err) {
      errors.push(new Error(`failed to list content: ${(err as Error).message}`));
      matched = difference(matched, resources);
      continue;
    }
    used = add(used, calculateUsageStats(evaluator, items, { scopes, scopeSelector, resources }));
  }
  return { used: mask(used, matched), errors };
}
