// core/v1 ResourceQuota: hard limits per namespace, with a status subresource the quota controller
// fills (status.hard, status.used). `kubectl get quota` prints used/hard pairs, requests and limits
// apart, as kube's printer does.
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject, type TableColumn } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { canonicalQuantity, normalizeResourceList } from './quantity.js';
import { isScopeValidForResource, isStandardQuotaResourceName, QUOTA_SCOPES, quantityAt, validateQuotaResourceName, validateResourceQuantityValue } from './resource-names.js';

interface ScopedResourceSelectorRequirement {
  scopeName?: string;
  operator?: string;
  values?: string[];
}

export interface ResourceQuotaSpec {
  hard?: Record<string, string>;
  scopes?: string[];
  scopeSelector?: { matchExpressions?: ScopedResourceSelectorRequirement[] };
}

interface ResourceQuotaStatus {
  hard?: Record<string, string>;
  used?: Record<string, string>;
}

const spec = (obj: KubeObject) => (obj.spec ?? {}) as ResourceQuotaSpec;
const status = (obj: KubeObject) => (obj.status ?? {}) as ResourceQuotaStatus;

const CONFLICTING_SCOPES = [
  ['BestEffort', 'NotBestEffort'],
  ['Terminating', 'NotTerminating'],
];
const EXISTS_ONLY_SCOPES = new Set(['BestEffort', 'NotBestEffort', 'Terminating', 'NotTerminating', 'CrossNamespacePodAffinity']);

function validateResourceList(list: Record<string, unknown> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, raw] of Object.entries(list ?? {})) {
    const at = `${path}[${name}]`;
    errs.push(...validateQuotaResourceName(name, at));
    const q = quantityAt(raw, at, errs);
    if (q) errs.push(...validateResourceQuantityValue(name, q, at));
  }
  return errs;
}

function validateScopes(s: ResourceQuotaSpec): FieldError[] {
  const errs: FieldError[] = [];
  const scopes = s.scopes ?? [];
  if (!scopes.length) return errs;
  const hard = Object.keys(s.hard ?? {}).sort();
  for (const scope of scopes) {
    if (!QUOTA_SCOPES.includes(scope)) errs.push(field.invalid('spec.scopes', scopes, 'unsupported scope'));
    for (const resource of hard) {
      if (isStandardQuotaResourceName(resource) && !isScopeValidForResource(scope, resource)) {
        errs.push(field.invalid('spec.scopes', scopes, 'unsupported scope applied to resource'));
      }
    }
  }
  for (const pair of CONFLICTING_SCOPES) {
    if (pair.every((p) => scopes.includes(p))) errs.push(field.invalid('spec.scopes', scopes, 'conflicting scopes'));
  }
  return errs;
}

function validateScopeSelector(s: ResourceQuotaSpec): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.scopeSelector) return errs;
  const path = 'spec.scopeSelector.matchExpressions';
  const hard = Object.keys(s.hard ?? {}).sort();
  const seen = new Set<string>();
  for (const req of s.scopeSelector.matchExpressions ?? []) {
    const scope = req.scopeName ?? '';
    if (!QUOTA_SCOPES.includes(scope)) errs.push(field.invalid(`${path}.scopeName`, scope, 'unsupported scope'));
    for (const resource of hard) {
      if (isStandardQuotaResourceName(resource) && !isScopeValidForResource(scope, resource)) {
        errs.push(field.invalid(path, s.scopeSelector, 'unsupported scope applied to resource'));
      }
    }
    if (EXISTS_ONLY_SCOPES.has(scope) && req.operator !== 'Exists') {
      errs.push(
        field.invalid(
          `${path}.operator`,
          req.operator ?? '',
          "must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
        ),
      );
    }
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (!values.length) errs.push(field.required(`${path}.values`, "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length) errs.push(field.invalid(`${path}.values`, values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
        break;
      default:
        errs.push(field.invalid(`${path}.operator`, req.operator ?? '', 'not a valid selector operator'));
    }
    seen.add(scope);
  }
  for (const pair of CONFLICTING_SCOPES) {
    if (pair.every((p) => seen.has(p))) errs.push(field.invalid(path, s.scopes ?? null, 'conflicting scopes'));
  }
  return errs;
}

/** `requests.cpu: 0/1, pods: 0/10` for requests, `limits.cpu: 0/2` for limits, sorted by name. */
function usageCells(obj: KubeObject): { request: string; limit: string } {
  const { hard = {}, used = {} } = status(obj);
  const request: string[] = [];
  const limit: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const pieces = name.split('.');
    const cell = `${name}: ${canonicalQuantity(used[name] ?? '0')}/${canonicalQuantity(hard[name])}`;
    (pieces.length > 1 && pieces[0] === 'limits' ? limit : request).push(cell);
  }
  return { request: request.join(', '), limit: limit.join(', ') };
}

const requestColumn: TableColumn = {
  name: 'Request',
  type: 'string',
  format: '',
  description: 'Request represents a minimum amount of cpu/memory that a container may consume.',
  priority: 0,
  cell: (obj) => usageCells(obj).request,
};

const limitColumn: TableColumn = {
  name: 'Limit',
  type: 'string',
  format: '',
  description: 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
  priority: 0,
  cell: (obj) => usageCells(obj).limit,
};

function normalizeSpec(obj: KubeObject): void {
  if (!obj.spec || typeof obj.spec !== 'object') return;
  const s = obj.spec as ResourceQuotaSpec;
  const hard = normalizeResourceList(s.hard, 'ResourceQuota');
  if (hard) s.hard = hard;
}

export const resourceQuotaStrategy = defineStrategy(
  {
    group: '',
    version: 'v1',
    resource: 'resourcequotas',
    kind: 'ResourceQuota',
    namespaced: true,
    shortNames: ['quota'],
    subresources: ['status'],
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [nameColumn, requestColumn, limitColumn, ageColumn],
    prepareForCreate(obj) {
      // The quota controller owns the status; a new quota starts without one.
      obj.status = {};
    },
    defaults: normalizeSpec,
    validate(obj) {
      const s = spec(obj);
      return [
        ...validateResourceList(s.hard, 'spec.hard'),
        ...validateScopes(s),
        ...validateScopeSelector(s),
        ...validateResourceList(status(obj).hard, 'status.hard'),
        ...validateResourceList(status(obj).used, 'status.used'),
      ];
    },
    validateUpdate(obj, old) {
      const next = new Set(spec(obj).scopes ?? []);
      const prev = new Set(spec(old).scopes ?? []);
      const same = next.size === prev.size && [...next].every((s) => prev.has(s));
      return same ? [] : [field.invalid('spec.scopes', spec(obj).scopes ?? null, 'field is immutable')];
    },
  },
);
