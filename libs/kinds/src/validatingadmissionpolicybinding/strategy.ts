// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding: binds a policy to the objects
// it applies to, with its parameters and what a failure does (Deny, Warn, Audit); validated as
// kube-apiserver validates it (ValidateValidatingAdmissionPolicyBinding).
import { field, isDns1123Subdomain, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { bindingTableColumns, defaultMatchResources, validateMatchResources, validateParamRef, validatePolicyName, type MatchResources, type ParamRef } from '../admissionregistration/policies.js';
import { ADMISSION_GROUP } from '../admissionregistration/webhooks.js';
import { defineStrategy } from '../strategy.js';
import { specOf } from '../table-columns.js';

interface BindingSpec {
  policyName?: string;
  paramRef?: ParamRef;
  matchResources?: MatchResources;
  validationActions?: string[];
}

const ACTIONS = ['Audit', 'Deny', 'Warn'];

const spec = (obj: KubeObject) => (obj.spec ?? {}) as BindingSpec;

/** kube's validateValidationActions. */
function validateActions(actions: string[], at: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (!ACTIONS.includes(a)) errs.push(field.notSupported(`${at}[${i}]`, a, ACTIONS));
    if (seen.has(a)) errs.push(field.duplicate(`${at}[${i}]`, a));
    seen.add(a);
  });
  if (seen.has('Deny') && seen.has('Warn')) {
    errs.push(field.invalid(at, actions, 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)'));
  }
  if (!seen.size) errs.push(field.required(at, 'at least one validation action is required'));
  return errs;
}

function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs = validatePolicyName(s.policyName, 'spec.policyName');
  errs.push(...validateParamRef(s.paramRef, 'spec.paramRef'));
  if (s.matchResources) errs.push(...validateMatchResources(s.matchResources, 'spec.matchResources'));
  errs.push(...validateActions(Array.isArray(s.validationActions) ? s.validationActions : [], 'spec.validationActions'));
  return errs;
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
    tableColumns: bindingTableColumns,
    defaults: (obj) => defaultMatchResources(specOf<BindingSpec>(obj).matchResources),
    validate,
  },
);
