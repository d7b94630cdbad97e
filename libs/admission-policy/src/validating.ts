// The ValidatingAdmissionPolicy admission plugin (kube's admission/plugin/policy/validating): for
// each policy and binding that match, and each param, its matchConditions, validations (with
// message, messageExpression and reason) and auditAnnotations are evaluated within kube's budgets,
// and each failed validation is acted on as the binding's validationActions say: Deny fails the
// request (the first denial's message, `ValidatingAdmissionPolicy 'p' with binding 'b' denied
// request: …`), Warn adds a warning, Audit an audit annotation.
import type { AdmissionAttributes, AdmissionPlugin, Operation } from '@kapi/admission-chain';
import type { EquivalentResourceMapper, ObjectConverter } from '@kapi/admission-webhooks';
import { forbidden, StatusError, type ErrorCode } from '@kapi/api-machinery';
import {
  CachingAuthorizer,
  evaluateWithChecks,
  MAX_EVALUATED_MESSAGE_EXPRESSION_SIZE_BYTES,
  RUNTIME_CEL_COST_BUDGET,
  T,
  typeName,
  type AuthzDecision,
  type AuthzRequest,
} from '@kapi/cel';
import { OutOfBudgetError, PolicyCompiler, PolicyEvaluation, type CompiledExpression, type ExpressionResult } from './compile.js';
import { namespaceObject, selectInvocations, type BindingInvocation, type ConfigurationError, type PolicySource } from './invocations.js';
import type { NamespaceSource } from './matching.js';
import { evaluateMatchConditions, RUNTIME_CEL_COST_BUDGET_MATCH_CONDITIONS } from './match-conditions.js';
import { ValidatingPolicyMetrics, errorType } from './metrics.js';
import type { ParamSource } from './params.js';
import type { KubeObject, ValidatingAdmissionPolicy as Policy, ValidatingAdmissionPolicyBinding as Binding, ValidationAction } from './types.js';

export const VALIDATING_ADMISSION_POLICY = 'ValidatingAdmissionPolicy';

export interface PolicyPluginOptions<P extends KubeObject, B extends KubeObject> {
  /** The current policies and bindings (the admission service's watch of them). */
  policies: PolicySource<P & Policy, B & Binding>;
  /** Namespaces, for namespaceSelector and the `namespaceObject` variable. */
  namespaces: NamespaceSource;
  /** Param objects of any kind (custom resources included). Without it, a paramKind is unknown. */
  params?: ParamSource;
  /** Decides `authorizer` checks (a SubjectAccessReview through the authz service). */
  authorize?: (request: AuthzRequest) => Promise<AuthzDecision>;
  /** For `matchPolicy: Equivalent`. */
  equivalentResources?: EquivalentResourceMapper;
  /** Converts the object to the kind an equivalent rule matched. */
  converter?: ObjectConverter;
  metrics?: ValidatingPolicyMetrics;
  now?: () => number;
}

/** A failed validation as the audit annotation `validation.policy.admission.k8s.io/validation_failure` records it. */
interface ValidationFailure {
  message: string;
  policy: string;
  binding: string;
  expressionIndex: number;
  validationActions: ValidationAction[];
}

interface Decision {
  action: 'admit' | 'deny';
  /** Whether the decision came from an error rather than a false validation. */
  error: boolean;
  message: string;
  reason?: string;
  elapsedMs: number;
}

interface AuditAnnotationResult {
  key: string;
  action: 'publish' | 'exclude' | 'error';
  value?: string;
  error?: string;
  elapsedMs: number;
}

/** A policy version compiled: its expressions and their compile errors. */
class CompiledPolicy {
  readonly compiler: PolicyCompiler;
  readonly matchConditions: { name: string; compiled: CompiledExpression }[];
  readonly validations: CompiledExpression[];
  readonly messages: (CompiledExpression | undefined)[];
  readonly auditAnnotations: CompiledExpression[];

  constructor(readonly policy: Policy) {
    const spec = policy.spec ?? {};
    this.compiler = new PolicyCompiler({ hasParams: spec.paramKind !== undefined && spec.paramKind !== null }, spec.variables ?? []);
    this.matchConditions = (spec.matchConditions ?? []).map((m) => ({ name: m.name, compiled: this.compiler.compile(m.expression, [T.bool]) }));
    this.validations = (spec.validations ?? []).map((v) => this.compiler.compile(v.expression, [T.bool]));
    // A messageExpression has no `authorizer` (kube's MessageExpressionCondition).
    this.messages = (spec.validations ?? []).map((v) => (v.messageExpression ? this.compiler.compile(v.messageExpression, [T.string], { hasAuthorizer: false }) : undefined));
    this.auditAnnotations = (spec.auditAnnotations ?? []).map((x) => this.compiler.compile(x.valueExpression, [T.string, T.null]));
  }
}

const REASON_CODES: Record<string, ErrorCode> = {
  Invalid: 'KAPI_ERR_OBJECT_INVALID',
  Forbidden: 'KAPI_ERR_ADMISSION_DENIED',
  Unauthorized: 'KAPI_ERR_AUTHN_UNAUTHORIZED',
  RequestEntityTooLarge: 'KAPI_ERR_REQUEST_TOO_LARGE',
};

/** The name kube's admission.NewForbidden puts in its message: the request's, the object's, its generateName, or "Unknown". */
export function admissionObjectName(a: AdmissionAttributes): string {
  return a.name || a.object?.metadata?.name || a.object?.metadata?.generateName || 'Unknown';
}

/** kube's denial: Forbidden in form, with the decision's reason (Invalid by default) and its code. */
export function policyDenial(a: AdmissionAttributes, message: string, reason: string | undefined): StatusError {
  const base = forbidden({ group: a.resource.group, resource: a.resource.resource }, admissionObjectName(a), message);
  const r = reason || 'Invalid';
  const details = Object.fromEntries(Object.entries({ ...base.details, causes: [{ message }] }).filter(([, x]) => x !== undefined));
  const err = new StatusError(REASON_CODES[r] ?? 'KAPI_ERR_OBJECT_INVALID', base.message, details);
  if (!REASON_CODES[r]) Object.assign(err, { reason: r });
  return err;
}

const MAX_AUDIT_ANNOTATION_VALUE_LENGTH = 10 * 1024;
const VALIDATION_FAILURE_ANNOTATION = 'validation.policy.admission.k8s.io/validation_failure';

export class ValidatingPolicyDispatcher {
  private readonly compiled = new WeakMap<Policy, CompiledPolicy>();
  private readonly metrics: ValidatingPolicyMetrics;
  private readonly now: () => number;

  constructor(private readonly options: PolicyPluginOptions<Policy, Binding>) {
    this.metrics = options.metrics ?? new ValidatingPolicyMetrics();
    this.now = options.now ?? (() => performance.now());
  }

  private compile(policy: Policy): CompiledPolicy {
    let c = this.compiled.get(policy);
    if (!c) this.compiled.set(policy, (c = new CompiledPolicy(policy)));
    return c;
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    const { invocations, errors } = await selectInvocations(a, this.options.policies, this.options);
    const denied: { policy: Policy; binding?: Binding; message: string; reason?: string }[] = [];
    const configErrors = (e: ConfigurationError<Policy, Binding>) => {
      // The failure policy decides on configuration errors; Fail is the default.
      if ((e.policy.spec?.failurePolicy ?? 'Fail') === 'Ignore') return;
      denied.push({ policy: e.policy, ...(e.binding ? { binding: e.binding } : {}), message: e.message });
    };
    errors.forEach(configErrors);
    const authorizer = this.options.authorize ? new CachingAuthorizer(this.options.authorize) : undefined;
    const annotations = new Map<Policy, Map<string, string[]>>();
    for (const invocation of invocations) {
      const policyName = invocation.policy.metadata?.name ?? '';
      const bindingName = invocation.binding.metadata?.name ?? '';
      const collected = annotations.get(invocation.policy) ?? new Map<string, string[]>();
      annotations.set(invocation.policy, collected);
      const ns = invocation.versioned.request.namespace && a.kind.kind !== 'Namespace' ? namespaceObject(await this.options.namespaces.get(invocation.versioned.request.namespace)) : undefined;
      for (const param of invocation.params) {
        const result = await evaluateWithChecks(authorizer, () => this.evaluate(invocation, param, ns, authorizer));
        for (const [index, decision] of result.decisions.entries()) {
          if (decision.action === 'admit') {
            if (decision.error) this.metrics.observe(policyName, bindingName, 'allow', errorType(decision), decision.elapsedMs);
            continue;
          }
          for (const action of invocation.binding.spec?.validationActions ?? []) {
            switch (action) {
              case 'Deny':
                denied.push({ policy: invocation.policy, binding: invocation.binding, message: decision.message, ...(decision.reason ? { reason: decision.reason } : {}) });
                this.metrics.observe(policyName, bindingName, 'deny', errorType(decision), decision.elapsedMs);
                break;
              case 'Audit': {
                const failure: ValidationFailure = { message: decision.message, policy: invocation.binding.spec?.policyName ?? '', binding: bindingName, expressionIndex: index, validationActions: invocation.binding.spec?.validationActions ?? [] };
                a.recorder?.auditAnnotation(VALIDATION_FAILURE_ANNOTATION, JSON.stringify([failure]));
                this.metrics.observe(policyName, bindingName, 'audit', errorType(decision), decision.elapsedMs);
                break;
              }
              case 'Warn':
                a.recorder?.warning(`Validation failed for ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}': ${decision.message}`);
                this.metrics.observe(policyName, bindingName, 'warn', errorType(decision), decision.elapsedMs);
                break;
            }
          }
        }
        for (const annotation of result.auditAnnotations) {
          if (annotation.action === 'publish') {
            const values = collected.get(annotation.key) ?? [];
            const value = annotation.value!.slice(0, MAX_AUDIT_ANNOTATION_VALUE_LENGTH);
            if (!values.includes(value)) values.push(value);
            collected.set(annotation.key, values);
          } else if (annotation.action === 'error') {
            denied.push({ policy: invocation.policy, binding: invocation.binding, message: annotation.error! });
            this.metrics.observe(policyName, bindingName, 'deny', 'invalid_error', annotation.elapsedMs);
          }
        }
      }
    }
    for (const [policy, collected] of annotations) {
      for (const [key, values] of collected) a.recorder?.auditAnnotation(`${policy.metadata?.name ?? ''}/${key}`, values.join(', '));
    }
    if (!denied.length) return;
    const first = denied[0];
    const policyName = first.policy.metadata?.name ?? '';
    const message = first.binding
      ? `ValidatingAdmissionPolicy '${policyName}' with binding '${first.binding.metadata?.name ?? ''}' denied request: ${first.message}`
      : `ValidatingAdmissionPolicy '${policyName}' denied request: ${first.message}`;
    throw policyDenial(a, message, first.reason);
  }

  /** kube's validator.Validate for one param. */
  private evaluate(invocation: BindingInvocation<Policy, Binding>, param: KubeObject | null, ns: KubeObject | undefined, authorizer: CachingAuthorizer | undefined): { decisions: Decision[]; auditAnnotations: AuditAnnotationResult[] } {
    const policy = invocation.policy;
    const compiled = this.compile(policy);
    const failurePolicy = policy.spec?.failurePolicy ?? 'Fail';
    const onError = failurePolicy === 'Ignore' ? 'admit' : 'deny';
    const { versioned } = invocation;
    const inputs = { object: versioned.object, oldObject: versioned.oldObject, params: param, request: versioned.request, namespaceObject: ns, ...(authorizer ? { authorizer } : {}) };
    const errorDecision = (message: string): { decisions: Decision[]; auditAnnotations: AuditAnnotationResult[] } => ({ decisions: [{ action: onError, error: true, message, elapsedMs: 0 }], auditAnnotations: [] });

    if (compiled.matchConditions.length) {
      const outcome = evaluateMatchConditions(compiled.compiler, compiled.matchConditions, inputs, failurePolicy, RUNTIME_CEL_COST_BUDGET_MATCH_CONDITIONS);
      if ('error' in outcome) return errorDecision(outcome.error);
      if (!outcome.matches) return { decisions: [], auditAnnotations: [] };
    }

    const evaluation = new PolicyEvaluation(compiled.compiler, inputs, this.now);
    let results: (ExpressionResult | undefined)[];
    let remaining: number;
    try {
      ({ results, remaining } = evaluation.evaluateAll(compiled.validations, RUNTIME_CEL_COST_BUDGET));
    } catch (err) {
      if (err instanceof OutOfBudgetError) return errorDecision(err.message);
      throw err;
    }
    let messages: (ExpressionResult | undefined)[] = [];
    let messageFailure: string | undefined;
    try {
      // messageExpressions have what the validations left of the budget (and no authorizer).
      messages = new PolicyEvaluation(compiled.compiler, { ...inputs, authorizer: undefined }, this.now).evaluateAll(compiled.messages, remaining).results;
    } catch (err) {
      if (!(err instanceof OutOfBudgetError)) throw err;
      messageFailure = `failed messageExpression: ${err.message}`;
    }
    const spec = policy.spec ?? {};
    const decisions: Decision[] = results.map((r, i) => {
      const validation = spec.validations![i];
      if (!r) return { action: onError, error: true, message: 'Invalid type sent to validator, expected ValidationCondition', elapsedMs: 0 };
      if (r.error !== undefined) return { action: onError, error: true, message: r.error, elapsedMs: r.elapsedMs };
      if (messageFailure) return { action: onError, error: true, message: messageFailure, elapsedMs: r.elapsedMs };
      if (r.value === true) return { action: 'admit', error: false, message: '', elapsedMs: r.elapsedMs };
      let message = '';
      const m = messages[i];
      if (m && m.error === undefined && typeof m.value === 'string') {
        message = m.value.trim();
        if (Buffer.byteLength(message) > MAX_EVALUATED_MESSAGE_EXPRESSION_SIZE_BYTES || message.includes('\n')) message = '';
      }
      if (!message && validation.message) message = validation.message.trim();
      if (!message) message = `failed expression: ${validation.expression.trim()}`;
      return { action: 'deny', error: false, message, reason: validation.reason || 'Invalid', elapsedMs: r.elapsedMs };
    });

    let annotationResults: (ExpressionResult | undefined)[];
    try {
      annotationResults = new PolicyEvaluation(compiled.compiler, { ...inputs, authorizer: undefined }, this.now).evaluateAll(compiled.auditAnnotations, RUNTIME_CEL_COST_BUDGET).results;
    } catch (err) {
      if (err instanceof OutOfBudgetError) return errorDecision(err.message);
      throw err;
    }
    const auditAnnotations: AuditAnnotationResult[] = annotationResults.map((r, i) => {
      const spec0 = spec.auditAnnotations![i];
      const onAnnotationError = failurePolicy === 'Ignore' ? 'exclude' : 'error';
      if (!r || r.error !== undefined) return { key: spec0.key, action: onAnnotationError, error: r?.error ?? '', elapsedMs: r?.elapsedMs ?? 0 };
      if (r.value === null) return { key: spec0.key, action: 'exclude', elapsedMs: r.elapsedMs };
      if (typeof r.value === 'string') {
        const value = r.value.trim();
        return value ? { key: spec0.key, action: 'publish', value, elapsedMs: r.elapsedMs } : { key: spec0.key, action: 'exclude', elapsedMs: r.elapsedMs };
      }
      return {
        key: spec0.key,
        action: 'error',
        error: `valueExpression '${spec0.valueExpression}' resulted in unsupported return type: ${typeName(r.value!)}. Return type must be either string or null.`,
        elapsedMs: r.elapsedMs,
      };
    });
    return { decisions, auditAnnotations };
  }
}

const ALL: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

/** The ValidatingAdmissionPolicy plugin: joins the chain as a validating plugin. */
export function ValidatingAdmissionPolicy(options: PolicyPluginOptions<Policy, Binding>): AdmissionPlugin {
  const dispatcher = new ValidatingPolicyDispatcher(options);
  return {
    name: VALIDATING_ADMISSION_POLICY,
    handles: (operation) => ALL.includes(operation),
    validate: (attributes) => dispatcher.validate(attributes),
  };
}
