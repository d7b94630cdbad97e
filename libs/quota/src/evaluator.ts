// kube's quota.Evaluator: what one resource charges to a quota. The admission plugin asks an
// evaluator whether a request concerns quota, which quotas an object falls under and what it uses;
// the quota controller asks it for the usage of everything in a namespace. Evaluators are pure:
// whoever calls them lists the objects.
import type { Operation } from '@kapi/admission-chain';
import type { KubeObject } from '@kapi/api-machinery';
import { formatScopeSelector, scopeSelectorsOf, statusHard, type ScopeSelectorRequirement } from './quota.js';
import { add, count, intersection, ZERO, type ResourceList } from './resource-list.js';

export interface GroupResource {
  group: string;
  resource: string;
}

/** What an evaluator reads of an admission request. */
export interface QuotaRequest {
  operation: Operation;
  subresource: string;
  object?: KubeObject;
  oldObject?: KubeObject;
}

export interface Evaluator {
  readonly groupResource: GroupResource;
  /** Whether the request could change what the resource uses. */
  handles(request: QuotaRequest): boolean;
  /** Why the object cannot be charged to a quota limiting `required`, or undefined when it can. */
  constraints(required: string[], object: KubeObject): string | undefined;
  /** Whether the quota limits something this resource uses and the object falls in its scopes. */
  matches(quota: KubeObject, object: KubeObject): boolean;
  /** The names among `names` this resource charges. */
  matchingResources(names: string[]): string[];
  /** The requirements among `selectors` the object meets. */
  matchingScopes(object: KubeObject, selectors: ScopeSelectorRequirement[]): ScopeSelectorRequirement[];
  /** The limited scopes no quota's matching scope covers. */
  uncoveredQuotaScopes(limited: ScopeSelectorRequirement[], matched: ScopeSelectorRequirement[]): ScopeSelectorRequirement[];
  /** What the object uses. */
  usage(object: KubeObject): ResourceList;
  /** Whether the object meets one scope requirement (for the usage of a whole namespace). */
  matchesScope(requirement: ScopeSelectorRequirement, object: KubeObject): boolean;
}

/** `count/<resource>` for the core group, `count/<resource>.<group>` otherwise. */
export const objectCountName = (gr: GroupResource): string => (gr.group ? `count/${gr.resource}.${gr.group}` : `count/${gr.resource}`);

export const sameGroupResource = (a: GroupResource, b: GroupResource) => a.group === b.group && a.resource === b.resource;

/** generic.Matches: the quota limits one of the resource's names, and the object meets every scope requirement. */
export function matchesQuota(quota: KubeObject, object: KubeObject, matchingResources: (names: string[]) => string[], matchesScope: (r: ScopeSelectorRequirement, o: KubeObject) => boolean): boolean {
  const limits = matchingResources([...statusHard(quota).keys()]).length > 0;
  let inScope = true;
  for (const requirement of scopeSelectorsOf(quota)) inScope = matchesScope(requirement, object) && inScope;
  return limits && inScope;
}

/** The scope requirements the object meets, by an evaluator's scope test. */
export function scopesMatched(object: KubeObject, selectors: ScopeSelectorRequirement[], matchesScope: (r: ScopeSelectorRequirement, o: KubeObject) => boolean): ScopeSelectorRequirement[] {
  return selectors.filter((selector) => {
    try {
      return matchesScope(selector, object);
    } catch (err) {
      throw new Error(`error on matching scope ${formatScopeSelector(selector)}: ${(err as Error).message}`);
    }
  });
}

/** The limited scopes that no matched scope of the same name covers (the pod evaluator's rule). */
export const uncoveredByName = (limited: ScopeSelectorRequirement[], matched: ScopeSelectorRequirement[]) =>
  limited.filter((l) => !matched.some((m) => m.scopeName === l.scopeName));

export interface UsageStatsOptions {
  /** The quota's own scopes (each an Exists requirement with no operator, as kube passes them). */
  scopes: string[];
  scopeSelector: ScopeSelectorRequirement[];
  /** The names to report, each zero when nothing uses it. */
  resources: string[];
}

/**
 * generic.CalculateUsageStats: the usage of the objects that meet the quota's scopes. As in kube,
 * a scope test that fails ends the sum where it is.
 */
export function calculateUsageStats(evaluator: Evaluator, items: KubeObject[], options: UsageStatsOptions): ResourceList {
  let used: ResourceList = new Map(options.resources.map((name) => [name, ZERO]));
  for (const item of items) {
    let inScope = true;
    try {
      for (const scopeName of options.scopes) if (!evaluator.matchesScope({ scopeName, operator: '' }, item)) inScope = false;
      for (const requirement of options.scopeSelector) inScope = evaluator.matchesScope(requirement, item) && inScope;
    } catch {
      return used;
    }
    if (inScope) used = add(used, evaluator.usage(item));
  }
  return used;
}

const noScope = () => false;

/**
 * generic.NewObjectCountEvaluator: one object, one of each of its names — `count/<resource>.<group>`
 * and, for the kinds quota counted before object counts existed, a legacy alias (`configmaps`).
 */
export function objectCountEvaluator(groupResource: GroupResource, alias?: string): Evaluator {
  const names = [objectCountName(groupResource), ...(alias ? [alias] : [])];
  const matchingResources = (input: string[]) => intersection(input, names);
  return {
    groupResource,
    handles: (r) => r.operation === 'CREATE',
    constraints: () => undefined,
    matches: (quota, object) => matchesQuota(quota, object, matchingResources, noScope),
    matchingResources,
    matchingScopes: () => [],
    uncoveredQuotaScopes: () => [],
    usage: () => new Map(names.map((name) => [name, count(1)])),
    matchesScope: noScope,
  };
}
