// admissionregistration.k8s.io/v1beta1 MutatingAdmissionPolicy: CEL mutations (an apply
// configuration or a JSON patch) applied in-process to matching requests. Beta and off by default
// in kube 1.34, as in kapi: served only when KAPI_RUNTIME_CONFIG enables its group version.
// Validation is kube-apiserver's (ValidateMutatingAdmissionPolicy): only CREATE, UPDATE and
// CONNECT can be mutated, reinvocationPolicy has no default, and every expression is compiled —
// applyConfiguration to an `Object`, jsonPatch to a `list(JSONPatch)`.
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { JSON_PATCH_TYPE, T, type PolicyCompiler } from '@kapi/cel';
import {
  compileFieldError,
  compileVariables,
  defaultMatchResources,
  paramKindColumn,
  validateFailurePolicy,
  validateMatchConstraints,
  validateMutatingOperations,
  validateParamKind,
  validatePolicyMatchConditions,
  type MatchResources,
  type NamedExpression,
  type ParamKind,
} from '../admissionregistration/policies.js';
import { ADMISSION_GROUP } from '../admissionregistration/webhooks.js';
import { defineStrategy } from '../strategy.js';
import { column, specOf } from '../table-columns.js';

interface Mutation {
  patchType?: string;
  applyConfiguration?: { expression?: string };
  jsonPatch?: { expression?: string };
}

interface PolicySpec {
  paramKind?: ParamKind;
  matchConstraints?: MatchResources;
  variables?: NamedExpression[];
  mutations?: Mutation[];
  failurePolicy?: string;
  matchConditions?: NamedExpression[];
  reinvocationPolicy?: string;
}

const PATCH_TYPES = ['ApplyConfiguration', 'JSONPatch'];
const REINVOCATION_POLICIES = ['IfNeeded', 'Never'];
/** What an applyConfiguration and a jsonPatch expression must evaluate to. */
const RETURN_TYPES = { ApplyConfiguration: [T.object('Object')], JSONPatch: [T.list(JSON_PATCH_TYPE)] };

const spec = (obj: KubeObject) => (obj.spec ?? {}) as PolicySpec;
const present = (v: unknown) => v !== undefined && v !== null;

function defaults(obj: KubeObject): void {
  const s = specOf<PolicySpec>(obj);
  s.failurePolicy ??= 'Fail';
  defaultMatchResources(s.matchConstraints);
}

/** The expression of one patch type: required, compiled (trimmed) in the mutation environment. */
function validatePatch(compiler: PolicyCompiler, patchType: 'ApplyConfiguration' | 'JSONPatch', expression: string | undefined, at: string): FieldError[] {
  const trimmed = (expression ?? '').trim();
  if (!trimmed) return [field.required(`${at}.expression`)];
  return compileFieldError(`${at}.expression`, compiler.compile(trimmed, RETURN_TYPES[patchType], { mutation: true }));
}

function validateMutation(compiler: PolicyCompiler, m: Mutation, at: string): FieldError[] {
  const errs: FieldError[] = [];
  switch (m.patchType) {
    case undefined:
    case null:
    case '':
      return [field.required(`${at}.patchType`)];
    case 'JSONPatch':
      if (!present(m.jsonPatch)) errs.push(field.required(`${at}.jsonPatch`, 'must be specified when patchType is JSONPatch'));
      else errs.push(...validatePatch(compiler, 'JSONPatch', m.jsonPatch!.expression, `${at}.jsonPatch`));
      if (present(m.applyConfiguration)) errs.push(field.invalid(`${at}.applyConfiguration`, '{applyConfiguration}', 'must not be specified when patchType is JSONPatch'));
      return errs;
    case 'ApplyConfiguration':
      if (!present(m.applyConfiguration)) errs.push(field.required(`${at}.applyConfiguration`, 'must be specified when patchType is ApplyConfiguration'));
      else errs.push(...validatePatch(compiler, 'ApplyConfiguration', m.applyConfiguration!.expression, `${at}.applyConfiguration`));
      if (present(m.jsonPatch)) errs.push(field.invalid(`${at}.jsonPatch`, '{jsonPatch}', 'must not be specified when patchType is ApplyConfiguration'));
      return errs;
    default:
      return [field.notSupported(`${at}.patchType`, m.patchType, PATCH_TYPES)];
  }
}

function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const hasParams = present(s.paramKind);
  const errs = validateFailurePolicy(s.failurePolicy, 'spec.failurePolicy');
  if (hasParams) errs.push(...validateParamKind(s.paramKind!, 'spec.paramKind'));
  errs.push(...validateMatchConstraints(s.matchConstraints, 'spec.matchConstraints'));
  if (s.matchConstraints && typeof s.matchConstraints === 'object') errs.push(...validateMutatingOperations(s.matchConstraints, 'spec.matchConstraints'));
  errs.push(...validatePolicyMatchConditions(s.matchConditions, hasParams, 'spec.matchConditions'));
  const { compiler, errors } = compileVariables(s.variables, hasParams, 'spec.variables');
  errs.push(...errors);
  const mutations = Array.isArray(s.mutations) ? s.mutations : [];
  if (!mutations.length) errs.push(field.required('spec.mutations', 'mutations must contain at least one item'));
  mutations.forEach((m, i) => errs.push(...validateMutation(compiler, m ?? {}, `spec.mutations[${i}]`)));
  if (!s.reinvocationPolicy) errs.push(field.required('spec.reinvocationPolicy'));
  else if (!REINVOCATION_POLICIES.includes(s.reinvocationPolicy)) errs.push(field.notSupported('spec.reinvocationPolicy', s.reinvocationPolicy, REINVOCATION_POLICIES));
  return errs;
}

export const mutatingAdmissionPolicyStrategy = defineStrategy(
  {
    group: ADMISSION_GROUP,
    version: 'v1beta1',
    resource: 'mutatingadmissionpolicies',
    kind: 'MutatingAdmissionPolicy',
    namespaced: false,
    categories: ['api-extensions'],
    tracksGeneration: true,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('Mutations', 'integer', 'Mutation indicates the number of mutations rules defined in this configuration', (obj) => spec(obj).mutations?.length ?? 0),
      paramKindColumn,
      ageColumn,
    ],
    defaults,
    validate,
  },
);
