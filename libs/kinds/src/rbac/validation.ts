// What the four RBAC kinds share: kube's validation of policy rules, subjects and role references
// (pkg/apis/rbac/validation), their v1 defaults and their table columns.
import {
  ageColumn,
  field,
  isDns1123Subdomain,
  isValidPathSegmentName,
  nameColumn,
  type FieldError,
  type KubeObject,
  type TableColumn,
} from '@kapi/api-machinery';
import { goString, goStringSlice } from '../go-syntax.js';
import {  validateLabelSelector, type LabelSelectorObject } from '../label-selector.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind?: string;
  apiGroup?: string;
  name?: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup?: string;
  kind?: string;
  name?: string;
}

export type RoleObject = KubeObject & { rules?: PolicyRule[] | null; aggregationRule?: { clusterRoleSelectors?: LabelSelectorObject[] } | null };
export type BindingObject = KubeObject & { subjects?: Subject[] | null; roleRef?: RoleRef };

const list = <T>(value: T[] | null | undefined): T[] => (Array.isArray(value) ? value : []);

// --- names ---

// --- Go's %#v, which kube's field errors use for values that are not strings or numbers ---

export function goRoleRef(ref: RoleRef | undefined): string {
  return `rbac.RoleRef{APIGroup:${goString(ref?.apiGroup ?? '')}, Kind:${goString(ref?.kind ?? '')}, Name:${goString(ref?.name ?? '')}}`;
}

/** field.Invalid with the value rendered as Go renders it. */
function invalidRendered(path: string, rendered: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field: path, detail: `Invalid value: ${rendered}: ${detail}` };
}

// --- rules ---

export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (list(rule.verbs).length === 0) errs.push(field.required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = list(rule.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) errs.push(invalidRendered(`${path}.nonResourceURLs`, goStringSlice(urls), 'namespaced rules cannot apply to non-resource URLs'));
    if (list(rule.apiGroups).length || list(rule.resources).length || list(rule.resourceNames).length) {
      errs.push(invalidRendered(`${path}.nonResourceURLs`, goStringSlice(urls), 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (list(rule.apiGroups).length === 0) errs.push(field.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (list(rule.resources).length === 0) errs.push(field.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

export function validateRules(rules: PolicyRule[] | null | undefined, namespaced: boolean): FieldError[] {
  return list(rules).flatMap((rule, i) => validatePolicyRule(rule ?? {}, namespaced, `rules[${i}]`));
}

// --- aggregation rules (ClusterRoles only) ---

export function validateAggregationRule(role: RoleObject): FieldError[] {
  if (role.aggregationRule == null) return [];
  const selectors = list(role.aggregationRule.clusterRoleSelectors);
  if (selectors.length === 0) {
    return [field.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil')];
  }
  return selectors.flatMap((s, i) => validateLabelSelector(s ?? {}, `aggregationRule.clusterRoleSelectors[${i}]`));
}

// --- bindings ---

export function validateRoleRef(ref: RoleRef | undefined, allowedKinds: string[]): FieldError[] {
  const errs: FieldError[] = [];
  if ((ref?.apiGroup ?? '') !== RBAC_GROUP) errs.push(field.notSupported('roleRef.apiGroup', ref?.apiGroup ?? '', [RBAC_GROUP]));
  if (!allowedKinds.includes(ref?.kind ?? '')) errs.push(field.notSupported('roleRef.kind', ref?.kind ?? '', allowedKinds));
  if (!ref?.name) errs.push(field.required('roleRef.name'));
  else for (const msg of isValidPathSegmentName(ref.name)) errs.push(field.invalid('roleRef.name', ref.name, msg));
  return errs;
}

export function validateSubject(subject: Subject, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!subject.name) errs.push(field.required(`${path}.name`));
  switch (subject.kind) {
    case 'ServiceAccount':
      if (subject.name) for (const msg of isDns1123Subdomain(subject.name)) errs.push(field.invalid(`${path}.name`, subject.name, msg));
      if (subject.apiGroup) errs.push(field.notSupported(`${path}.apiGroup`, subject.apiGroup, ['']));
      if (!namespaced && !subject.namespace) errs.push(field.required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if ((subject.apiGroup ?? '') !== RBAC_GROUP) errs.push(field.notSupported(`${path}.apiGroup`, subject.apiGroup ?? '', [RBAC_GROUP]));
      break;
    default:
      errs.push(field.notSupported(`${path}.kind`, subject.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

export function validateBinding(binding: BindingObject, namespaced: boolean): FieldError[] {
  return [
    ...validateRoleRef(binding.roleRef, namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole']),
    ...list(binding.subjects).flatMap((s, i) => validateSubject(s ?? {}, namespaced, `subjects[${i}]`)),
  ];
}

/** roleRef never changes: a binding to another role is another binding. */
export function validateBindingUpdate(binding: BindingObject, old: BindingObject): FieldError[] {
  const a = binding.roleRef ?? {};
  const b = old.roleRef ?? {};
  if (a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name) return [];
  return [invalidRendered('roleRef', goRoleRef(binding.roleRef), 'cannot change roleRef')];
}

/** The v1 defaults: roleRef and User/Group subjects are in the RBAC group unless they say otherwise. */
export function defaultBinding(binding: BindingObject): void {
  // roleRef is a struct in kube, never absent: a missing one is an empty one, defaulted.
  const ref = binding.roleRef && typeof binding.roleRef === 'object' ? binding.roleRef : {};
  if (!ref.apiGroup) binding.roleRef = { ...ref, apiGroup: RBAC_GROUP };
  if (!Array.isArray(binding.subjects)) return;
  binding.subjects = binding.subjects.map((s) => {
    if (!s || typeof s !== 'object' || s.apiGroup) return s;
    if (s.kind === 'User' || s.kind === 'Group') return { ...s, apiGroup: RBAC_GROUP };
    // A service account's group is the core group, "", which kube leaves out of the JSON.
    const { apiGroup: _empty, ...rest } = s;
    return rest;
  });
}

/** kube leaves empty optional lists of a rule out of its JSON; so do we, whatever the client sent. */
export function normalizeRules(role: RoleObject): void {
  if (!Array.isArray(role.rules)) return;
  role.rules = role.rules.map((rule) => {
    if (!rule || typeof rule !== 'object') return rule;
    const out: PolicyRule = { ...rule };
    for (const key of ['apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const) {
      if (Array.isArray(out[key]) && out[key]!.length === 0) delete out[key];
    }
    return out;
  });
}

// --- table columns, as kube-apiserver prints them ---

/** Roles and cluster roles have no printer of their own: kube's default columns, Name and Created At. */
export const roleColumns: TableColumn[] = [
  nameColumn,
  {
    name: 'Created At',
    type: 'date',
    format: '',
    description: ageColumn.description,
    priority: 0,
    cell: (obj) => (obj.metadata?.creationTimestamp ? new Date(obj.metadata.creationTimestamp).toISOString().replace(/\.\d{3}Z$/, 'Z') : ''),
  },
];

/** Users, groups and service accounts of a binding, as kube's SubjectsStrings lists them. */
export function subjectsStrings(subjects: Subject[] | null | undefined): { users: string[]; groups: string[]; serviceAccounts: string[] } {
  const out = { users: [] as string[], groups: [] as string[], serviceAccounts: [] as string[] };
  for (const s of list(subjects)) {
    if (s.kind === 'ServiceAccount') out.serviceAccounts.push(`${s.namespace ?? ''}/${s.name ?? ''}`);
    else if (s.kind === 'User') out.users.push(s.name ?? '');
    else if (s.kind === 'Group') out.groups.push(s.name ?? '');
  }
  return out;
}

export function bindingColumns(kind: 'roleBinding' | 'clusterRoleBinding', roleRefDescription: string): TableColumn[] {
  const subjects = (obj: KubeObject) => subjectsStrings((obj as BindingObject).subjects);
  const wide = (name: string, pick: (s: ReturnType<typeof subjectsStrings>) => string[]): TableColumn => ({
    name,
    type: 'string',
    format: '',
    description: `${name} in the ${kind}`,
    priority: 1,
    cell: (obj) => pick(subjects(obj)).join(', '),
  });
  return [
    nameColumn,
    {
      name: 'Role',
      type: 'string',
      format: '',
      description: roleRefDescription,
      priority: 0,
      cell: (obj) => `${(obj as BindingObject).roleRef?.kind ?? ''}/${(obj as BindingObject).roleRef?.name ?? ''}`,
    },
    ageColumn,
    wide('Users', (s) => s.users),
    wide('Groups', (s) => s.groups),
    wide('ServiceAccounts', (s) => s.serviceAccounts),
  ];
}
