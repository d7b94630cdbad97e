// Reconciling a bootstrap RBAC object with what is stored, as kube-apiserver does at every start
// (k8s.io/component-helpers auth/rbac/reconciliation, without removing extras): the stored object
// keeps everything it has and gains the labels, annotations, rules (or aggregation selectors) and
// subjects the bootstrap one has and it lacks. An object annotated autoupdate "false" is left alone.
// A binding whose roleRef differs is replaced by the bootstrap one (a roleRef cannot be changed).
import { AUTOUPDATE_ANNOTATION } from './bootstrap-roles.js';
import type { ClusterRole, LabelSelectorObject, PolicyRule, RoleBinding, Subject } from './types.js';

interface Meta {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
type Reconcilable = { metadata?: Meta };

/** A rule broken down to one verb of one resource (or URL), kube's BreakdownRule. */
function breakdown(rule: PolicyRule): PolicyRule[] {
  const atoms: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        if (rule.resourceNames?.length) for (const name of rule.resourceNames) atoms.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        else atoms.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs ?? []) atoms.push({ nonResourceURLs: [url], verbs: [verb] });
  return atoms;
}

const hasAll = (set: string[] = [], wanted: string[] = []) => wanted.every((w) => set.includes(w));

function resourcesCovered(owner: string[] = [], wanted: string[] = []): boolean {
  if (owner.includes('*') || hasAll(owner, wanted)) return true;
  // `*/scale` covers the scale subresource of every resource.
  return wanted.every((path) => owner.includes(path) || (path.includes('/') && owner.includes(`*/${path.slice(path.indexOf('/') + 1)}`)));
}

const urlCovered = (owner: string, path: string) => owner === path || (owner.endsWith('*') && path.startsWith(owner.replace(/\*+$/, '')));

/** kube's ruleCovers: whether one owner rule grants everything of an atomic rule. */
function ruleCovers(owner: PolicyRule, atom: PolicyRule): boolean {
  const verbs = owner.verbs?.includes('*') || hasAll(owner.verbs, atom.verbs);
  const groups = owner.apiGroups?.includes('*') || hasAll(owner.apiGroups, atom.apiGroups);
  const urls = (atom.nonResourceURLs ?? []).every((path) => (owner.nonResourceURLs ?? []).some((o) => urlCovered(o, path)));
  const names = !owner.resourceNames?.length || (atom.resourceNames?.length ? hasAll(owner.resourceNames, atom.resourceNames) : false);
  return verbs && groups && resourcesCovered(owner.resources, atom.resources) && names && urls;
}

/** The atomic rules of `wanted` that no rule of `owner` grants (kube's validation.Covers). */
export function uncoveredRules(owner: PolicyRule[], wanted: PolicyRule[]): PolicyRule[] {
  return wanted.flatMap(breakdown).filter((atom) => !owner.some((rule) => ruleCovers(rule, atom)));
}

export interface Reconciled<T> {
  /** `none`: as stored; `update`: write `object`; `recreate`: delete the stored one, create `object`; `protected`: autoupdate "false", left alone. */
  operation: 'none' | 'update' | 'recreate' | 'protected';
  object: T;
}

/** Stored maps gain the bootstrap one's keys they lack; theirs win (kube's merge). Answers whether anything was added. */
function mergeMeta(stored: Reconcilable, expected: Reconcilable): boolean {
  let changed = false;
  for (const field of ['annotations', 'labels'] as const) {
    const add = Object.entries(expected.metadata?.[field] ?? {}).filter(([key]) => !(key in (stored.metadata?.[field] ?? {})));
    if (!add.length) continue;
    stored.metadata ??= {};
    stored.metadata[field] = { ...Object.fromEntries(add), ...stored.metadata[field] };
    changed = true;
  }
  return changed;
}

const isProtected = (stored: Reconcilable) => stored.metadata?.annotations?.[AUTOUPDATE_ANNOTATION] === 'false';
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A Role or ClusterRole: what to write so the stored one holds at least the bootstrap one. */
export function reconcileRole<T extends ClusterRole & Reconcilable>(stored: T, expected: ClusterRole & Reconcilable): Reconciled<T> {
  if (isProtected(stored)) return { operation: 'protected', object: stored };
  const object = structuredClone(stored);
  let changed = mergeMeta(object, expected);
  const missing = uncoveredRules(object.rules ?? [], expected.rules ?? []);
  if (missing.length) {
    object.rules = [...(object.rules ?? []), ...missing];
    changed = true;
  }
  if (!expected.aggregationRule && object.aggregationRule) {
    delete object.aggregationRule;
    changed = true;
  }
  const selectors = expected.aggregationRule?.clusterRoleSelectors ?? [];
  const have: LabelSelectorObject[] = object.aggregationRule?.clusterRoleSelectors ?? [];
  const missingSelectors = selectors.filter((s) => !have.some((h) => sameJson(h, s)));
  if (missingSelectors.length) {
    object.aggregationRule = { ...object.aggregationRule, clusterRoleSelectors: [...have, ...missingSelectors] };
    changed = true;
  }
  return { operation: changed ? 'update' : 'none', object };
}

const sameSubject = (a: Subject, b: Subject) => a.kind === b.kind && (a.apiGroup ?? '') === (b.apiGroup ?? '') && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');

/** A RoleBinding or ClusterRoleBinding: what to write so the stored one binds at least the bootstrap subjects. */
export function reconcileBinding<T extends RoleBinding & Reconcilable>(stored: T, expected: T): Reconciled<T> {
  if (isProtected(stored)) return { operation: 'protected', object: stored };
  const ref = (b: RoleBinding) => [b.roleRef.apiGroup ?? '', b.roleRef.kind, b.roleRef.name].join('/');
  if (ref(stored) !== ref(expected)) return { operation: 'recreate', object: structuredClone(expected) };
  const object = structuredClone(stored);
  let changed = mergeMeta(object, expected);
  const missing: Subject[] = [];
  for (const s of expected.subjects ?? []) if (!(object.subjects ?? []).some((h) => sameSubject(h, s)) && !missing.some((m) => sameSubject(m, s))) missing.push(s);
  if (missing.length) {
    object.subjects = [...(object.subjects ?? []), ...missing];
    changed = true;
  }
  return { operation: changed ? 'update' : 'none', object };
}
