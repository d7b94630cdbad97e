// ValidatingAdmissionPolicy and its Binding (admissionregistration.k8s.io/v1) and
// MutatingAdmissionPolicy and its Binding (admissionregistration.k8s.io/v1beta1 in kube 1.34, where
// the API is beta and off by default), as JSON: the fields admission reads.
import type { KubeObject } from '@kapi/api-machinery';
import type { LabelSelectorObject, RuleWithOperations } from '@kapi/admission-webhooks';

export type { KubeObject, LabelSelectorObject };

export type FailurePolicy = 'Fail' | 'Ignore';
export type MatchPolicy = 'Exact' | 'Equivalent';
export type ValidationAction = 'Deny' | 'Warn' | 'Audit';

export interface NamedRuleWithOperations extends RuleWithOperations {
  resourceNames?: string[];
}

export interface MatchResources {
  namespaceSelector?: LabelSelectorObject;
  objectSelector?: LabelSelectorObject;
  resourceRules?: NamedRuleWithOperations[];
  excludeResourceRules?: NamedRuleWithOperations[];
  matchPolicy?: MatchPolicy;
}

export interface ParamKind {
  apiVersion?: string;
  kind?: string;
}

export interface ParamRef {
  name?: string;
  namespace?: string;
  selector?: LabelSelectorObject;
  parameterNotFoundAction?: 'Allow' | 'Deny';
}

export interface NamedExpression {
  name: string;
  expression: string;
}

export interface Validation {
  expression: string;
  message?: string;
  reason?: string;
  messageExpression?: string;
}

export interface AuditAnnotation {
  key: string;
  valueExpression: string;
}

export interface ExpressionWarning {
  fieldRef: string;
  warning: string;
}

export interface ValidatingAdmissionPolicy extends KubeObject {
  spec?: {
    paramKind?: ParamKind;
    matchConstraints?: MatchResources;
    validations?: Validation[];
    failurePolicy?: FailurePolicy;
    auditAnnotations?: AuditAnnotation[];
    matchConditions?: NamedExpression[];
    variables?: NamedExpression[];
  };
  status?: {
    observedGeneration?: number;
    typeChecking?: { expressionWarnings?: ExpressionWarning[] };
    conditions?: unknown[];
  };
}

export interface ValidatingAdmissionPolicyBinding extends KubeObject {
  spec?: {
    policyName?: string;
    paramRef?: ParamRef;
    matchResources?: MatchResources;
    validationActions?: ValidationAction[];
  };
}

export interface Mutation {
  patchType: 'ApplyConfiguration' | 'JSONPatch';
  applyConfiguration?: { expression: string };
  jsonPatch?: { expression: string };
}

export interface MutatingAdmissionPolicy extends KubeObject {
  spec?: {
    paramKind?: ParamKind;
    matchConstraints?: MatchResources;
    variables?: NamedExpression[];
    mutations?: Mutation[];
    failurePolicy?: FailurePolicy;
    matchConditions?: NamedExpression[];
    reinvocationPolicy?: 'Never' | 'IfNeeded';
  };
}

export interface MutatingAdmissionPolicyBinding extends KubeObject {
  spec?: {
    policyName?: string;
    paramRef?: ParamRef;
    matchResources?: MatchResources;
  };
}

/** What both policy kinds share, for matching and parameters. */
export interface PolicyLike extends KubeObject {
  spec?: { paramKind?: ParamKind; matchConstraints?: MatchResources; failurePolicy?: FailurePolicy; matchConditions?: NamedExpression[]; variables?: NamedExpression[] };
}

export interface BindingLike extends KubeObject {
  spec?: { policyName?: string; paramRef?: ParamRef; matchResources?: MatchResources };
}
