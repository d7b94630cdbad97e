// admissionregistration.k8s.io/v1beta1 MutatingAdmissionPolicyBinding: binds a mutating policy to
// the objects it applies to, with its parameters. Served with MutatingAdmissionPolicy (KAPI_RUNTIME_CONFIG);
// validated as kube-apiserver validates it (ValidateMutatingAdmissionPolicyBinding).
import { isDns1123Subdomain, type FieldError, type KubeObject } from '@kapi/api-machinery';
import {
  bindingTableColumns,
  defaultMatchResources,
  validateMatchResources,
  validateMutatingOperations,
  validateParamRef,
  validatePolicyName,
  type MatchResources,
  type ParamRef,
} from '../admissionregistration/policies.js';
import { ADMISSION_GROUP } from '../admissionregistration/webhooks.js';
import { defineStrategy } from '../strategy.js';
import { specOf } from '../table-columns.js';

interface BindingSpec {
  policyName?: string;
  paramRef?: ParamRef;
  matchResources?: MatchResources;
}

const spec = (obj: KubeObject) => (obj.spec ?? {}) as BindingSpec;

function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs = validatePolicyName(s.policyName, 'spec.policyName');
  errs.push(...validateParamRef(s.paramRef, 'spec.paramRef'));
  if (s.matchResources && typeof s.matchResources === 'object') {
    errs.push(...validateMatchResources(s.matchResources, 'spec.matchResources'));
    errs.push(...validateMutatingOperations(s.matchResources, 'spec.matchResources'));
  }
  return errs;
}

export const mutatingAdmissionPolicyBindingStrategy = defineStrategy(
  {
    group: ADMISSION_GROUP,
    version: 'v1beta1',
    resource: 'mutatingadmissionpolicybindings',
    kind: 'MutatingAdmissionPolicyBinding',
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
