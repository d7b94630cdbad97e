// kube's syncResourceQuota: a quota's status is its spec's hard limits and what its namespace uses
// of them, recalculated from every object; a usage that cannot be recalculated keeps its last value.
// The status is written only when it changed (or was never written).
import type { KubeObject } from '@kapi/api-machinery';
import type { Evaluator } from '../evaluator.js';
import { specHard, statusHard, statusOf, statusUsed } from '../quota.js';
import { equals, mask, resourceNames, toJson } from '../resource-list.js';
import { calculateUsage, type ListObjects } from '../usage.js';

export interface QuotaStatusJson {
  hard: Record<string, string>;
  used: Record<string, string>;
}

export interface QuotaSync {
  /** The status to write, or undefined when the stored one is current. */
  status?: QuotaStatusJson;
  /** Resources whose usage could not be recalculated. */
  errors: Error[];
}

export async function syncQuota(quota: KubeObject, evaluators: Evaluator[], list: ListObjects): Promise<QuotaSync> {
  const hard = specHard(quota);
  const stored = statusOf(quota);
  let dirty = !equals(hard, statusHard(quota)) || stored.hard == null || stored.used == null;
  const previous = statusUsed(quota);
  const { used: recalculated, errors } = await calculateUsage(quota.metadata?.namespace ?? '', quota, hard, evaluators, list);
  const used = mask(new Map([...previous, ...recalculated]), resourceNames(hard));
  dirty ||= !equals(used, previous);
  return { status: dirty ? { hard: toJson(hard), used: toJson(used) } : undefined, errors };
}
