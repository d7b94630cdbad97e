// What ValidatingAdmissionPolicy, MutatingAdmissionPolicy and their bindings share: the v1 and
// v1beta1 defaults of their match resources, and kube-apiserver's validation of them
// (admissionregistration/validation), with its field paths and messages. Every expression is
// compiled here as it is at create in kube, so a policy that cannot run is refused with the
// compiler's own words (`compilation failed: ERROR: <input>:1:3: …`).
import { ageColumn, field, isDns1035Label, isDns1123Subdomain, isValidPathSegmentName, nameColumn, type FieldError, type KubeObject, type TableColumn } from '@kapi/api-machinery';
import { column, formatLabelSelector } from '../table-columns.js';
import { PolicyCompiler, T, type Type } from '@kapi/cel';
import { validateLabelSelector, type LabelSelectorObject } from '../label-selector.js';
import { compileFieldError, validateMatchConditions, validateRule, type Rule } from './webhooks.js';

export interface NamedRule extends Rule {
  resourceNames?: string[];
}

export interface MatchResources {
  namespaceSelector?: LabelSelectorObject;
  objectSelector?: LabelSelectorObject;
  resourceRules?: NamedRule[];
  excludeResourceRules?: NamedRule[];
  matchPolicy?: string;
}

export interface ParamKind {
  apiVersion?: string;
  kind?: string;
}

export interface ParamRef {
  name?: string;
  namespace?: string;
  selector?: LabelSelectorObject;
  parameterNotFoundAction?: string;
}

export interface NamedExpression {
  name?: string;
  expression?: string;
}

export const FAILURE_POLICIES = ['Fail', 'Ignore'];
const MATCH_POLICIES = ['Equivalent', 'Exact'];
const NOT_FOUND_ACTIONS = ['Deny', 'Allow'];

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
const listOf = <X>(v: X[] | null | undefined): X[] => (Array.isArray(v) ? v : []);

/** SetDefaults_MatchResources (v1 and v1beta1), and each rule's scope. */
export function defaultMatchResources(m: MatchResources | undefined): void {
  if (!m || !isObject(m)) return;
  m.namespaceSelector ??= {};
  m.objectSelector ??= {};
  m.matchPolicy ??= 'Equivalent';
  for (const r of [...listOf(m!.resourceRules), ...listOf(m!.excludeResourceRules)]) if (isObject(r)) r.scope ??= '*';
}

export function validateFailurePolicy(value: string | undefined, path: string): FieldError[] {
  if (value === undefined || value === null) return [field.required(path)];
  return FAILURE_POLICIES.includes(value) ? [] : [field.notSupported(path, value, FAILURE_POLICIES)];
}

/** Go's schema.ParseGroupVersion as admission registration parses a paramKind's apiVersion. */
function parseGroupVersion(gv: string): { group: string; version: string } | { error: string } {
  if (gv === '' || gv === '/') return { group: '', version: '' };
  const slashes = gv.split('/').length - 1;
  if (slashes === 0) return { group: '', version: gv };
  if (slashes === 1) return { group: gv.slice(0, gv.indexOf('/')), version: gv.slice(gv.indexOf('/') + 1) };
  return { error: `unexpected GroupVersion string: ${gv}` };
}

export function validateParamKind(pk: ParamKind, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!pk.apiVersion) {
    errs.push(field.required(`${path}.apiVersion`));
  } else {
    const gv = parseGroupVersion(pk.apiVersion);
    if ('error' in gv) {
      errs.push(field.invalid(`${path}.apiVersion`, pk.apiVersion, gv.error));
    } else {
      if (gv.group) {
        const msgs = isDns1123Subdomain(gv.group);
        if (msgs.length) errs.push(field.invalid(`${path}.apiVersion`, gv.group, msgs.join(',')));
      }
      if (!gv.version) errs.push(field.invalid(`${path}.apiVersion`, pk.apiVersion, 'version must be specified'));
      else {
        const msgs = isDns1035Label(gv.version);
        if (msgs.length) errs.push(field.invalid(`${path}.apiVersion`, gv.version, msgs.join(',')));
      }
    }
  }
  if (!pk.kind) errs.push(field.required(`${path}.kind`));
  else {
    const msgs = isDns1035Label(pk.kind.toLowerCase());
    if (msgs.length) errs.push(field.invalid(`${path}.kind`, pk.kind, `may have mixed case, but should otherwise match: ${msgs.join(',')}`));
  }
  return errs;
}

function validateNamedRule(rule: NamedRule, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  listOf(rule.resourceNames).forEach((name, i) => {
    for (const msg of isValidPathSegmentName(name)) errs.push(field.invalid(`${path}.resourceNames[${i}]`, name, msg));
    if (seen.has(name)) errs.push(field.duplicate(`${path}.resourceNames[${i}]`, name));
    seen.add(name);
  });
  return [...errs, ...validateRule(rule, path, true)];
}

export function validateMatchResources(m: MatchResources, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (m.matchPolicy === undefined || m.matchPolicy === null) errs.push(field.required(`${path}.matchPolicy`));
  else if (!MATCH_POLICIES.includes(m.matchPolicy)) errs.push(field.notSupported(`${path}.matchPolicy`, m.matchPolicy, MATCH_POLICIES));
  for (const selector of ['namespaceSelector', 'objectSelector'] as const) {
    const s = m[selector];
    if (s === undefined || s === null) errs.push(field.required(`${path}.${selector}`));
    else errs.push(...validateLabelSelector(s, `${path}.${selector}`));
  }
  listOf(m.resourceRules).forEach((r, i) => errs.push(...validateNamedRule(r ?? {}, `${path}.resourceRules[${i}]`)));
  listOf(m.excludeResourceRules).forEach((r, i) => errs.push(...validateNamedRule(r ?? {}, `${path}.excludeResourceRules[${i}]`)));
  return errs;
}

/** The policy's matchConstraints: required, with at least one resource rule (they give expressions their types). */
export function validateMatchConstraints(m: MatchResources | undefined, path: string): FieldError[] {
  if (!m || !isObject(m)) return [field.required(path)];
  const errs = validateMatchResources(m, path);
  if (!listOf(m.resourceRules).length) errs.push(field.required(`${path}.resourceRules`));
  return errs;
}

/** What a MutatingAdmissionPolicy may mutate: not DELETE (kube's supportedMutatingOperations). */
export const MUTATING_OPERATIONS = ['*', 'CONNECT', 'CREATE', 'UPDATE'];

/** Every operation of every resource rule must be one a mutation can change; the path has no index, as kube's. */
export function validateMutatingOperations(m: MatchResources, path: string): FieldError[] {
  return listOf(m.resourceRules).flatMap((r) => listOf(r?.operations).filter((op) => !MUTATING_OPERATIONS.includes(op)).map((op) => field.notSupported(`${path}.resourceRules.operations`, op, MUTATING_OPERATIONS)));
}

export function validateParamRef(ref: ParamRef | undefined, path: string): FieldError[] {
  if (!ref || !isObject(ref)) return [];
  const errs: FieldError[] = [];
  const hasSelector = ref.selector !== undefined && ref.selector !== null;
  if (ref.name) {
    for (const msg of isValidPathSegmentName(ref.name)) errs.push(field.invalid(`${path}.name`, ref.name, msg));
    if (hasSelector) errs.push(field.forbidden(`${path}.name`, 'name and selector are mutually exclusive'));
  }
  if (hasSelector) {
    errs.push(...validateLabelSelector(ref.selector!, `${path}.selector`));
    if (ref.name) errs.push(field.forbidden(`${path}.selector`, 'name and selector are mutually exclusive'));
  }
  if (!ref.name && !hasSelector) errs.push(field.required(path, 'one of name or selector must be specified'));
  if (!ref.parameterNotFoundAction) errs.push(field.required(`${path}.parameterNotFoundAction`));
  else if (!NOT_FOUND_ACTIONS.includes(ref.parameterNotFoundAction)) errs.push(field.notSupported(`${path}.parameterNotFoundAction`, ref.parameterNotFoundAction, NOT_FOUND_ACTIONS));
  return errs;
}

export function validatePolicyName(name: string | undefined, path: string): FieldError[] {
  if (!name) return [field.required(path)];
  return isDns1123Subdomain(name).map((msg) => field.invalid(path, name, msg));
}

/** Compiles one expression of a policy against its variables; none when it is blank. */
export function checkExpression(compiler: PolicyCompiler, expression: string, path: string, returnTypes: Type[], options: { hasAuthorizer?: boolean } = {}): FieldError[] {
  return compileFieldError(path, compiler.compile(expression, returnTypes, options));
}

const CEL_IDENTIFIER = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/**
 * The policy's compiler, its variables compiled in order (kube's CompositedCompiler), with the
 * variables' own errors: a blank expression is not compiled, nor declared to those after it.
 */
export function compileVariables(variables: NamedExpression[] | undefined, hasParams: boolean, path: string, options: { mutation?: boolean } = {}): { compiler: PolicyCompiler; errors: FieldError[] } {
  const list = listOf(variables);
  const compiled = list.filter((v) => v?.expression?.trim()).map((v) => ({ name: v.name ?? '', expression: v.expression! }));
  const compiler = new PolicyCompiler({ hasParams, mutation: options.mutation }, compiled);
  const errors: FieldError[] = [];
  let next = 0;
  list.forEach((v, i) => {
    const at = `${path}[${i}]`;
    if (!v?.name?.trim()) errors.push(field.required(`${at}.name`, 'name is not specified'));
    else if (!CEL_IDENTIFIER.test(v.name) || CEL_RESERVED.has(v.name)) errors.push(field.invalid(`${at}.name`, v.name, 'must be a valid CEL identifier'));
    if (!v?.expression?.trim()) errors.push(field.required(`${at}.expression`, 'expression is not specified'));
    else errors.push(...compileFieldError(`${at}.expression`, compiler.variables[next++].compiled));
  });
  return { compiler, errors };
}

/** A policy's matchConditions: webhook match conditions, with `params` when the policy has a paramKind. */
export function validatePolicyMatchConditions(conditions: NamedExpression[] | undefined, hasParams: boolean, path: string): FieldError[] {
  return validateMatchConditions(listOf(conditions), path, { hasParams });
}

/** The PARAMKIND column of both policy kinds: `apiVersion/kind`, or `<unset>`. */
export const paramKindColumn = column('ParamKind', 'string', 'ParamKind specifies the kind of resources used to parameterize this policy', (obj) => {
  const p = (obj.spec as { paramKind?: ParamKind } | undefined)?.paramKind;
  return p ? `${p.apiVersion ?? ''}/${p.kind ?? ''}` : '<unset>';
});

/** The PARAMREF cell of both binding kinds: namespace/name, `*`/name when the namespace is open, or the selector. */
function paramRefCell(obj: KubeObject): string {
  const ref = (obj.spec as { paramRef?: ParamRef } | undefined)?.paramRef;
  if (!ref) return '<unset>';
  if (ref.name) return `${ref.namespace || '*'}/${ref.name}`;
  return ref.selector ? formatLabelSelector(ref.selector) : '<unset>';
}

/** Both binding kinds print NAME POLICYNAME PARAMREF AGE. */
export const bindingTableColumns: TableColumn[] = [
  nameColumn,
  column('PolicyName', 'string', 'PolicyName indicates the policy definition which the policy binding binded to', (obj) => (obj.spec as { policyName?: string } | undefined)?.policyName ?? ''),
  column('ParamRef', 'string', 'ParamRef indicates the param resource which sets the configration param', paramRefCell),
  ageColumn,
];

export const BOOL = [T.bool];
export const STRING = [T.string];

export { compileFieldError };
