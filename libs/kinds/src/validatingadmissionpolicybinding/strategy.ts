// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding: binds a policy to the objects
// it applies to, with its parameters and what a failure does (Deny, Warn, Audit).
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { ADMISSION_GROUP } from '../admissionregistration/webhooks.js';
import { defaultMatchResources, validateMatchResources, type MatchResources } from '../validatingadmissionpolicy/strategy.js';
import { defineStrategy } from '../strategy.js';
import { column, formatLabelSelector, specOf, type LabelSelectorSpec } from '../table-columns.js';

interface BindingSpec {
  policyName?: string;
  paramRef?: { name?: string; namespace?: string; selector?: LabelSelectorSpec; parameterNotFoundAction?: string };
  matchResources?: MatchResources;
  validationActions?: string[];
}

const ACTIONS = ['Audit', 'Deny', 'Warn'];
const NOT_FOUND_ACTIONS = ['Allow', 'Deny'];

const spec = (obj: KubeObject) => (obj.spec ?? {}) as BindingSpec;

function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs: FieldError[] = [];
  if (!s.policyName) errs.push(field.required('spec.policyName'));
  const actions = s.validationActions ?? [];
  if (!actions.length) errs.push(field.required('spec.validationActions', 'at least one validation action is required'));
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (!ACTIONS.includes(a)) errs.push(field.notSupported(`spec.validationActions[${i}]`, a, ACTIONS));
    else if (seen.has(a)) errs.push(field.duplicate(`spec.validationActions[${i}]`, a));
    seen.add(a);
  });
  if (seen.has('Deny') && seen.has('Warn')) {
    errs.push(field.invalid('spec.validationActions', actions, 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)'));
  }
  const ref = s.paramRef;
  if (ref) {
    if (ref.name && ref.selector) errs.push(field.forbidden('spec.paramRef.name', 'name and selector are mutually exclusive'));
    if (!ref.name && !ref.selector) errs.push(field.required('spec.paramRef', 'one of name or selector must be set'));
    if (!ref.parameterNotFoundAction) errs.push(field.required('spec.paramRef.parameterNotFoundAction'));
    else if (!NOT_FOUND_ACTIONS.includes(ref.parameterNotFoundAction)) errs.push(field.notSupported('spec.paramRef.parameterNotFoundAction', ref.parameterNotFoundAction, NOT_FOUND_ACTIONS));
  }
  if (s.matchResources) errs.push(...validateMatchResources(s.matchResources, 'spec.matchResources'));
  return errs;
}

/** The PARAMREF cell: namespace/name, `*`/name when the namespace is open, or the selector. */
function paramRefCell(obj: KubeObject): string {
  const ref = spec(obj).paramRef;
  if (!ref) return '<unset>';
  if (ref.name) return `${ref.namespace || '*'}/${ref.name}`;
  return ref.selector ? formatLabelSelector(ref.selector) : '<unset>';
}

export const validatingAdmissionPolicyBindingStrategy = defineStrategy(
  {
    group: ADMISSION_GROUP,
    version: 'v1',
    resource: 'validatingadmissionpolicybindings',
    kind: 'ValidatingAdmissionPolicyBinding',
    namespaced: false,
    categories: ['api-extensions'],
    tracksGeneration: true,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('PolicyName', 'string', 'PolicyName indicates the name of the policy this binding references', (obj) => spec(obj).policyName ?? ''),
      column('ParamRef', 'string', 'ParamRef indicates the param resource this binding references', paramRefCell),
      ageColumn,
    ],
    defaults: (obj) => defaultMatchResources(specOf<BindingSpec>(obj).matchResources),
    validate,
  },
);
