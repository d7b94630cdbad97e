// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy: CEL validations applied in-process to
// matching requests. This strategy checks the structure kube-apiserver checks before compiling CEL
// (which kapi does not do): matchConstraints with resource rules, at least one validation or audit
// annotation, an expression in each validation. Status (type checking) is a subresource.
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { ADMISSION_GROUP, validateMatchConditions, validateRule, type Rule } from '../admissionregistration/webhooks.js';
import { defineStrategy } from '../strategy.js';
import { column, specOf } from '../table-columns.js';

export interface MatchResources {
  namespaceSelector?: object;
  objectSelector?: object;
  resourceRules?: (Rule & { resourceNames?: string[] })[];
  excludeResourceRules?: (Rule & { resourceNames?: string[] })[];
  matchPolicy?: string;
}

interface PolicySpec {
  paramKind?: { apiVersion?: string; kind?: string };
  matchConstraints?: MatchResources;
  validations?: { expression?: string; message?: string; reason?: string; messageExpression?: string }[];
  failurePolicy?: string;
  auditAnnotations?: { key?: string; valueExpression?: string }[];
  matchConditions?: { name?: string; expression?: string }[];
  variables?: { name?: string; expression?: string }[];
}

const FAILURE_POLICIES = ['Fail', 'Ignore'];
const MATCH_POLICIES = ['Equivalent', 'Exact'];
const REASONS = ['Forbidden', 'Invalid', 'RequestEntityTooLarge', 'Unauthorized'];

const spec = (obj: KubeObject) => (obj.spec ?? {}) as PolicySpec;

/** Defaults of matchResources, shared with bindings (admissionregistration/v1 defaults.go). */
export function defaultMatchResources(m: MatchResources | undefined): void {
  if (!m || typeof m !== 'object') return;
  m.namespaceSelector ??= {};
  m.objectSelector ??= {};
  m.matchPolicy ??= 'Equivalent';
  for (const r of [...(m.resourceRules ?? []), ...(m.excludeResourceRules ?? [])]) if (r && typeof r === 'object') r.scope ??= '*';
}

export function validateMatchResources(m: MatchResources, at: string): FieldError[] {
  const errs: FieldError[] = [];
  if (m.matchPolicy !== undefined && !MATCH_POLICIES.includes(m.matchPolicy)) errs.push(field.notSupported(`${at}.matchPolicy`, m.matchPolicy, MATCH_POLICIES));
  (m.resourceRules ?? []).forEach((r, i) => errs.push(...validateRule(r ?? {}, `${at}.resourceRules[${i}]`, true)));
  (m.excludeResourceRules ?? []).forEach((r, i) => errs.push(...validateRule(r ?? {}, `${at}.excludeResourceRules[${i}]`, true)));
  return errs;
}

function prepare(obj: KubeObject): void {
  const s = specOf<PolicySpec>(obj);
  s.failurePolicy ??= 'Fail';
  defaultMatchResources(s.matchConstraints);
}

function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs: FieldError[] = [];
  if (s.paramKind) {
    if (!s.paramKind.apiVersion) errs.push(field.required('spec.paramKind.apiVersion'));
    if (!s.paramKind.kind) errs.push(field.required('spec.paramKind.kind'));
  }
  if (!s.matchConstraints) errs.push(field.required('spec.matchConstraints'));
  else {
    if (!s.matchConstraints.resourceRules?.length) errs.push(field.required('spec.matchConstraints.resourceRules'));
    errs.push(...validateMatchResources(s.matchConstraints, 'spec.matchConstraints'));
  }
  if (!s.validations?.length && !s.auditAnnotations?.length) {
    errs.push(field.required('spec.validations', 'validations or auditAnnotations must contain at least one item'));
  }
  (s.validations ?? []).forEach((v, i) => {
    if (!v?.expression?.trim()) errs.push(field.required(`spec.validations[${i}].expression`));
    if (v?.reason !== undefined && !REASONS.includes(v.reason)) errs.push(field.notSupported(`spec.validations[${i}].reason`, v.reason, REASONS));
  });
  (s.auditAnnotations ?? []).forEach((a, i) => {
    if (!a?.key) errs.push(field.required(`spec.auditAnnotations[${i}].key`));
    if (!a?.valueExpression?.trim()) errs.push(field.required(`spec.auditAnnotations[${i}].valueExpression`));
  });
  if (s.failurePolicy !== undefined && !FAILURE_POLICIES.includes(s.failurePolicy)) errs.push(field.notSupported('spec.failurePolicy', s.failurePolicy, FAILURE_POLICIES));
  errs.push(...validateMatchConditions(s.matchConditions ?? [], 'spec.matchConditions'));
  return errs;
}

export const validatingAdmissionPolicyStrategy = defineStrategy(
  {
    group: ADMISSION_GROUP,
    version: 'v1',
    resource: 'validatingadmissionpolicies',
    kind: 'ValidatingAdmissionPolicy',
    namespaced: false,
    categories: ['api-extensions'],
    subresources: ['status'],
    tracksGeneration: true,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('Validations', 'integer', 'Validations indicates the number of validation rules defined in this configuration', (obj) => spec(obj).validations?.length ?? 0),
      column('ParamKind', 'string', 'ParamKind specifies the kind of resources used to parameterize this policy', (obj) => {
        const p = spec(obj).paramKind;
        return p ? `${p.apiVersion ?? ''}/${p.kind ?? ''}` : '<unset>';
      }),
      ageColumn,
    ],
    defaults: prepare,
    prepareForCreate(obj) {
      delete obj.status;
    },
    validate,
  },
);
