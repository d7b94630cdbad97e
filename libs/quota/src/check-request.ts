// kube's resourcequota.CheckRequest: whether one request fits every quota of its namespace, and what
// each quota's usage becomes if it is admitted. Pure: the quotas come in as working copies and go
// out as new ones; the caller writes the usage and answers the request.
import type { KubeObject } from '@kapi/api-machinery';
import type { Evaluator, GroupResource, QuotaRequest } from './evaluator.js';
import { formatScopeSelectors, scopeSelectorsOf, type ScopeSelectorRequirement } from './quota.js';
import {
  add,
  difference,
  lessThanOrEqual,
  mask,
  negativeNames,
  prettyPrint,
  prettyPrintNames,
  removeZeros,
  resourceNames,
  sign,
  subtractNonNegative,
  type ResourceList,
} from './resource-list.js';

/** A quota during admission: the object as read, and its hard limits and usage as they stand. */
export interface WorkingQuota {
  readonly quota: KubeObject;
  /** status.hard: what admission enforces (the controller copies spec.hard there). */
  readonly hard: ResourceList;
  /** status.used, with what this batch of requests has added so far. */
  used: ResourceList;
}

/** One entry of the plugin configuration's limitedResources: consumption that needs a covering quota. */
export interface LimitedResource {
  apiGroup?: string;
  resource: string;
  matchContains?: string[];
  matchScopes?: ScopeSelectorRequirement[];
}

export interface QuotaAdmissionRequest extends QuotaRequest {
  namespace: string;
  resource: GroupResource;
}

/** A refusal kube wraps in admission.NewForbidden: 403, `<resource> "<name>" is forbidden: <message>`. */
export class QuotaForbidden extends Error {
  override readonly name = 'QuotaForbidden';
}

/** limitedByDefault: the names with consumption that match a limited resource's matchContains. */
function limitedByDefault(usage: ResourceList, limited: LimitedResource[]): string[] {
  const out: string[] = [];
  for (const l of limited) {
    for (const [name, q] of usage) if (sign(q) > 0 && (l.matchContains ?? []).some((c) => name.includes(c))) out.push(name);
  }
  return out;
}

function hasUsageStats(quota: WorkingQuota, interesting: string[]): boolean {
  const wanted = new Set(interesting);
  return [...quota.hard.keys()].every((name) => !wanted.has(name) || quota.used.has(name));
}

const nameOf = (q: WorkingQuota) => q.quota.metadata?.name ?? '';

/**
 * Returns the quotas as they are if the request is admitted (the same array when it changes
 * nothing), or throws: QuotaForbidden for kube's 403s, a plain Error for the errors kube passes on
 * unconverted.
 */
export function checkRequest(quotas: WorkingQuota[], request: QuotaAdmissionRequest, evaluator: Evaluator, limited: LimitedResource[] = []): WorkingQuota[] {
  if (!evaluator.handles(request) || !request.object) return quotas;
  // The object is charged in the request's namespace, whatever its metadata says.
  const input: KubeObject = request.object.metadata?.namespace ? request.object : { ...request.object, metadata: { ...request.object.metadata, namespace: request.namespace } };

  // As in kube, a limited scope that cannot be matched leaves the request to the quotas alone.
  const limitedScopes: ScopeSelectorRequirement[] = [];
  try {
    for (const l of limited) limitedScopes.push(...evaluator.matchingScopes(input, l.matchScopes ?? []));
  } catch {
    return quotas;
  }
  const limitedHere = limited.filter((l) => (l.apiGroup ?? '') === request.resource.group && l.resource === request.resource.resource);
  const limitedNames = limitedHere.length ? limitedByDefault(evaluator.usage(input), limitedHere) : [];

  const interesting: number[] = [];
  const restrictedResources = new Set<string>();
  const restrictedScopes: ScopeSelectorRequirement[] = [];
  quotas.forEach((q, i) => {
    try {
      restrictedScopes.push(...evaluator.matchingScopes(input, scopeSelectorsOf(q.quota)));
    } catch (err) {
      throw new Error(`error matching scopes of quota ${nameOf(q)}, err: ${(err as Error).message}`);
    }
    if (!evaluator.matches(q.quota, input)) return;
    const restricted = evaluator.matchingResources(resourceNames(q.hard));
    const missing = evaluator.constraints(restricted, input);
    if (missing) throw new QuotaForbidden(`failed quota: ${nameOf(q)}: ${missing}`);
    if (!hasUsageStats(q, restricted)) throw new QuotaForbidden(`status unknown for quota: ${nameOf(q)}, resources: ${prettyPrintNames(restricted)}`);
    interesting.push(i);
    for (const name of restricted) restrictedResources.add(name);
  });

  const inputUsage = evaluator.usage(input);
  const negative = negativeNames(inputUsage);
  if (negative.length) throw new QuotaForbidden(`quota usage is negative for resource(s): ${prettyPrintNames(negative)}`);

  // What the request adds to each quota: all of it on create; on update what grew, for quotas the old object fell under too.
  const deltas = new Map<number, ResourceList>(interesting.map((i) => [i, inputUsage]));
  let deltaOutsideQuotas: ResourceList | undefined = request.operation === 'CREATE' && !interesting.length ? inputUsage : undefined;
  if (request.operation === 'UPDATE') {
    const previous = request.oldObject;
    if (!previous) throw new QuotaForbidden('unable to get previous usage since prior version of object was not found');
    if (previous.metadata?.resourceVersion) {
      const delta = subtractNonNegative(inputUsage, evaluator.usage(previous));
      if (!interesting.length) deltaOutsideQuotas = delta;
      for (const i of interesting) if (evaluator.matches(quotas[i].quota, previous)) deltas.set(i, delta);
    } else if (!interesting.length) {
      deltaOutsideQuotas = inputUsage;
    }
  }
  for (const [i, delta] of deltas) {
    const nonZero = removeZeros(delta);
    if (nonZero.size) deltas.set(i, nonZero);
    else deltas.delete(i);
  }
  if (interesting.length ? deltas.size === 0 : removeZeros(deltaOutsideQuotas ?? new Map()).size === 0) return quotas;

  const uncoveredNames = difference(limitedNames, restrictedResources);
  if (uncoveredNames.length) throw new QuotaForbidden(`insufficient quota to consume: ${uncoveredNames.join(',')}`);
  const uncoveredScopes = evaluator.uncoveredQuotaScopes(limitedScopes, restrictedScopes);
  if (uncoveredScopes.length) throw new Error(`insufficient quota to match these scopes: ${formatScopeSelectors(uncoveredScopes)}`);
  if (!interesting.length) return quotas;

  const out = quotas.map((q) => ({ ...q }));
  for (const i of interesting) {
    const delta = deltas.get(i);
    if (!delta) continue;
    const q = out[i];
    const requested = mask(delta, resourceNames(q.hard));
    const used = add(q.used, requested);
    // A status write is the quota's own bookkeeping: it is recorded, never refused.
    if (request.subresource !== 'status') {
      const [fits, exceeded] = lessThanOrEqual(mask(used, resourceNames(requested)), q.hard);
      if (!fits) {
        throw new QuotaForbidden(
          `exceeded quota: ${nameOf(q)}, requested: ${prettyPrint(mask(requested, exceeded))}, used: ${prettyPrint(mask(q.used, exceeded))}, limited: ${prettyPrint(mask(q.hard, exceeded))}`,
        );
      }
    }
    q.used = used;
  }
  return out;
}
