// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy: CEL validations applied in-process to
// matching requests. Validation is kube-apiserver's (ValidateValidatingAdmissionPolicy): the
// structure, and every expression compiled as the policy will run it — validations and
// matchConditions must be bool, messageExpressions string (without `authorizer`), audit annotation
// values string or null — so what cannot run is refused at create in kube's words. Status (type
// checking, written by the policy status controller) is a subresource.
import { ageColumn, field, isDns1123Subdomain, isQualifiedName, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { T } from '@kapi/cel';
import {
  BOOL,
  STRING,
  checkExpression,
  compileFieldError,
  compileVariables,
  defaultMatchResources,
  paramKindColumn,
  validateFailurePolicy,
  validateMatchConstraints,
  validateParamKind,
  validatePolicyMatchConditions,
  type MatchResources,
  type NamedExpression,
  type ParamKind,
} from '../admissionregistration/policies.js';
import { ADMISSION_GROUP } from '../admissionregistration/webhooks.js';
import { defineStrategy } from '../strategy.js';
import { column, specOf } from '../table-columns.js';

export { defaultMatchResources, validateMatchResources, type MatchResources } from '../admissionregistration/policies.js';

interface PolicySpec {
  paramKind?: ParamKind;
  matchConstraints?: MatchResources;
  validations?: { expression?: string; message?: string; reason?: string; messageExpression?: string }[];
  failurePolicy?: string;
  auditAnnotations?: { key?: string; valueExpression?: string }[];
  matchConditions?: NamedExpression[];
  variables?: NamedExpression[];
}

interface PolicyStatus {
  typeChecking?: { expressionWarnings?: { fieldRef?: string; warning?: string }[] };
  conditions?: unknown[];
}

const REASONS = ['Forbidden', 'Invalid', 'RequestEntityTooLarge'];
const MAX_AUDIT_ANNOTATIONS = 20;
const MAX_AUDIT_ANNOTATION_VALUE_EXPRESSION_LENGTH = 5 * 1024;
const NEWLINES = /[\n\r]+/;

const spec = (obj: KubeObject) => (obj.spec ?? {}) as PolicySpec;
const listOf = <X>(v: X[] | null | undefined): X[] => (Array.isArray(v) ? v : []);

function defaults(obj: KubeObject): void {
  const s = specOf<PolicySpec>(obj);
  s.failurePolicy ??= 'Fail';
  defaultMatchResources(s.matchConstraints);
}

function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const hasParams = s.paramKind !== undefined && s.paramKind !== null;
  const errs = validateFailurePolicy(s.failurePolicy, 'spec.failurePolicy');
  if (hasParams) errs.push(...validateParamKind(s.paramKind!, 'spec.paramKind'));
  errs.push(...validateMatchConstraints(s.matchConstraints, 'spec.matchConstraints'));
  errs.push(...validatePolicyMatchConditions(s.matchConditions, hasParams, 'spec.matchConditions'));
  const { compiler, errors } = compileVariables(s.variables, hasParams, 'spec.variables');
  errs.push(...errors);
  const validations = listOf(s.validations);
  const annotations = listOf(s.auditAnnotations);
  if (!validations.length && !annotations.length) {
    errs.push(field.required('spec.validations', 'validations or auditAnnotations must contain at least one item'));
    errs.push(field.required('spec.auditAnnotations', 'validations or auditAnnotations must contain at least one item'));
    return errs;
  }
  validations.forEach((v, i) => {
    const at = `spec.validations[${i}]`;
    const expression = v?.expression ?? '';
    const message = v?.message ?? '';
    const messageExpression = v?.messageExpression ?? '';
    if (!expression.trim()) errs.push(field.required(`${at}.expression`, 'expression is not specified'));
    else errs.push(...checkExpression(compiler, expression, `${at}.expression`, BOOL));
    if (messageExpression && !messageExpression.trim()) errs.push(field.invalid(`${at}.messageExpression`, messageExpression, 'must be non-empty if specified'));
    else if (messageExpression.trim()) errs.push(...checkExpression(compiler, messageExpression, `${at}.messageExpression`, STRING, { hasAuthorizer: false }));
    if (message && !message.trim()) errs.push(field.invalid(`${at}.message`, message, 'must be non-empty if specified'));
    else if (NEWLINES.test(message.trim())) errs.push(field.invalid(`${at}.message`, message, 'must not contain line breaks'));
    if (v?.reason !== undefined && v.reason !== null && !REASONS.includes(v.reason)) errs.push(field.notSupported(`${at}.reason`, v.reason, REASONS));
  });
  if (annotations.length > MAX_AUDIT_ANNOTATIONS) {
    // kube prints the Go structs' own field names.
    const shown = annotations.map((a) => ({ Key: a?.key ?? '', ValueExpression: a?.valueExpression ?? '' }));
    errs.push(field.invalid('spec.auditAnnotations', shown, `must not have more than ${MAX_AUDIT_ANNOTATIONS} auditAnnotations`));
  }
  const keys = new Set<string>();
  const name = obj.metadata?.name ?? '';
  annotations.forEach((a, i) => {
    const at = `spec.auditAnnotations[${i}]`;
    const key = a?.key ?? '';
    if (name) errs.push(...isQualifiedName(`${name}/${key}`).map((msg) => field.invalid(`${at}.key`, `${name}/${key}`, msg)));
    else errs.push(field.invalid(`${at}.key`, key, 'requires metadata.name be non-empty'));
    const value = (a?.valueExpression ?? '').trim();
    if (!value) errs.push(field.required(`${at}.valueExpression`, 'valueExpression is not specified'));
    else if (Buffer.byteLength(value) > MAX_AUDIT_ANNOTATION_VALUE_EXPRESSION_LENGTH) errs.push(field.required(`${at}.valueExpression`, `must not exceed ${MAX_AUDIT_ANNOTATION_VALUE_EXPRESSION_LENGTH} bytes in length`));
    // The trimmed expression is compiled; the error shows it as written.
    else errs.push(...compileFieldError(`${at}.valueExpression`, { ...compiler.compile(value, [T.string, T.null]), expression: a.valueExpression! }));
    if (keys.has(key)) errs.push(field.duplicate(`${at}.key`, key));
    keys.add(key);
  });
  return errs;
}

/** validateValidatingAdmissionPolicyStatus: each expression warning names its field and says something. */
function validateStatus(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const status = (obj.status ?? {}) as PolicyStatus;
  listOf(status.typeChecking?.expressionWarnings).forEach((w, i) => {
    const at = `status.typeChecking.expressionWarnings[${i}]`;
    if (!w?.warning) errs.push(field.required(`${at}.warning`));
    if (!w?.fieldRef?.trim()) errs.push(field.required(`${at}.fieldRef`));
  });
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
      paramKindColumn,
      ageColumn,
    ],
    defaults,
    prepareForCreate(obj) {
      delete obj.status;
    },
    // The status a write carries is checked with the rest: a status write changes nothing else,
    // and every other write keeps the stored status.
    validate: (obj) => [...validate(obj), ...validateStatus(obj)],
  },
);
