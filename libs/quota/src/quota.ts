// A ResourceQuota as the quota code reads it: its hard limits and usage as resource lists, and its
// scopes and scope selector as one list of scope selector requirements (kube's
// getScopeSelectorsFromQuota: each scope is an Exists requirement on that scope).
import type { KubeObject } from '@kapi/api-machinery';
import { resourceList, type ResourceList } from './resource-list.js';

export interface ScopeSelectorRequirement {
  scopeName: string;
  operator: string;
  values?: string[];
}

export interface QuotaSpec {
  hard?: Record<string, unknown>;
  scopes?: string[];
  scopeSelector?: { matchExpressions?: ScopeSelectorRequirement[] };
}

export interface QuotaStatus {
  hard?: Record<string, unknown>;
  used?: Record<string, unknown>;
}

export const specOf = (quota: KubeObject): QuotaSpec => (quota.spec && typeof quota.spec === 'object' ? (quota.spec as QuotaSpec) : {});
export const statusOf = (quota: KubeObject): QuotaStatus => (quota.status && typeof quota.status === 'object' ? (quota.status as QuotaStatus) : {});

/** status.hard: what the quota controller last copied from spec.hard, which admission enforces. */
export const statusHard = (quota: KubeObject): ResourceList => resourceList(statusOf(quota).hard);
/** status.used: the usage last recorded. */
export const statusUsed = (quota: KubeObject): ResourceList => resourceList(statusOf(quota).used);
export const specHard = (quota: KubeObject): ResourceList => resourceList(specOf(quota).hard);

const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

/** spec.scopes. */
export const scopesOf = (quota: KubeObject): string[] => list<unknown>(specOf(quota).scopes).filter((s): s is string => typeof s === 'string');

/** spec.scopeSelector's requirements. */
export const scopeSelectorOf = (quota: KubeObject): ScopeSelectorRequirement[] =>
  list<ScopeSelectorRequirement>(specOf(quota).scopeSelector?.matchExpressions).filter((r) => r && typeof r === 'object');

/** The quota's scopes and scope selector, as requirements every matching object meets. */
export const scopeSelectorsOf = (quota: KubeObject): ScopeSelectorRequirement[] => [
  ...scopesOf(quota).map((scopeName) => ({ scopeName, operator: 'Exists' })),
  ...scopeSelectorOf(quota),
];

/** `namespace/name`, the key kube's quota code files a quota under. */
export const quotaKey = (quota: KubeObject): string => `${quota.metadata?.namespace ?? ''}/${quota.metadata?.name ?? ''}`;

/** etcd's resourceVersions grow: the newer of two versions of one object. */
export function newerOf(a: KubeObject, b: KubeObject): KubeObject {
  const rv = (o: KubeObject) => {
    try {
      return BigInt(o.metadata?.resourceVersion ?? '0');
    } catch {
      return 0n;
    }
  };
  return rv(b) > rv(a) ? b : a;
}

/**
 * kube's ScopedResourceSelectorRequirementsAsSelector applied to `labels`: the requirement as a
 * label selector requirement on the key named by the scope. An operator it does not know is an error.
 */
export function scopeSelectorMatches(requirement: ScopeSelectorRequirement, labels: Record<string, string>): boolean {
  const key = requirement.scopeName;
  const has = Object.hasOwn(labels, key);
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return has && values.includes(labels[key]);
    case 'NotIn':
      return !has || !values.includes(labels[key]);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      throw new Error(`${JSON.stringify(requirement.operator ?? '')} is not a valid scope selector operator`);
  }
}

/** Go's `%v` of a []ScopedResourceSelectorRequirement, as kube prints uncovered scopes: `[{PriorityClass In [a b]}]`. */
export const formatScopeSelectors = (selectors: ScopeSelectorRequirement[]): string => `[${selectors.map(formatScopeSelector).join(' ')}]`;

/** Go's `%v` of one ScopedResourceSelectorRequirement: `{PriorityClass In [a b]}`. */
export const formatScopeSelector = (s: ScopeSelectorRequirement): string => `{${s.scopeName} ${s.operator} [${(s.values ?? []).join(' ')}]}`;
