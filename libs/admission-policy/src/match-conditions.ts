// matchConditions, for policies and for webhooks (kube's matchconditions.matcher): every condition
// is evaluated within one budget for all of them; a false one means "does not apply" whatever
// else happened; otherwise errors fail the request under `Fail` (aggregated) and mean "does not
// apply" under `Ignore`. CelMatchConditionEvaluator is the webhooks library's MatchConditionEvaluator.
import type { MatchConditionEvaluator, MatchConditionInput, MatchConditionResult, MatchCondition } from '@kapi/admission-webhooks';
import { CachingAuthorizer, evaluateWithChecks, T, type AdmissionInputs, type AdmissionRequestJSON, type AuthzDecision, type AuthzRequest } from '@kapi/cel';
import { OutOfBudgetError, PolicyCompiler, PolicyEvaluation, type CompiledExpression } from './compile.js';

/** kube's RuntimeCELCostBudgetMatchConditions: all match conditions of one request together. */
export const RUNTIME_CEL_COST_BUDGET_MATCH_CONDITIONS = 500_000;

export type MatchConditionsOutcome = { matches: true } | { matches: false; failedCondition: string } | { error: string };

/** utilerrors.NewAggregate's message: one error as itself, several as `[a, b]`. */
export const aggregate = (errors: string[]) => (errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);

/** Evaluates compiled conditions, as kube's matcher.Match. */
export function evaluateMatchConditions(
  compiler: PolicyCompiler,
  conditions: readonly { name: string; compiled: CompiledExpression }[],
  inputs: AdmissionInputs,
  failurePolicy: string,
  budget: number,
): MatchConditionsOutcome {
  const ignore = failurePolicy === 'Ignore';
  let results;
  try {
    results = new PolicyEvaluation(compiler, inputs).evaluateAll(
      conditions.map((c) => c.compiled),
      budget,
    ).results;
  } catch (err) {
    if (!(err instanceof OutOfBudgetError)) throw err;
    return ignore ? { matches: false, failedCondition: '' } : { error: err.message };
  }
  const errors: string[] = [];
  for (const [i, r] of results.entries()) {
    if (!r) continue;
    if (r.error !== undefined) errors.push(r.error);
    else if (r.value === false) return { matches: false, failedCondition: conditions[i].name };
  }
  if (errors.length) return ignore ? { matches: false, failedCondition: '' } : { error: aggregate(errors) };
  return { matches: true };
}

/**
 * What decides CEL's `authorizer` checks for policies and match conditions: the admission service's
 * authorizer (PluginContext.authorizer, backed by the authz service) is one.
 */
export interface PolicyAuthorizer {
  decide(request: AuthzRequest): Promise<AuthzDecision>;
}

export interface CelMatchConditionEvaluatorOptions {
  /** Decides `authorizer` checks; without it, a check is an error. */
  authorize?: (request: AuthzRequest) => Promise<AuthzDecision>;
}

/**
 * The evaluator the webhook plugins are given for their matchConditions, ready-made: kapi's CEL
 * within kube's budget for all match conditions of a request, `authorizer` checks decided by
 * `authorizer` (without one, a check is an error). In the admission service:
 * `matchConditionEvaluator(context.authorizer)`.
 */
export function matchConditionEvaluator(authorizer?: PolicyAuthorizer): CelMatchConditionEvaluator {
  return new CelMatchConditionEvaluator(authorizer ? { authorize: (request) => authorizer.decide(request) } : {});
}

/**
 * Webhook matchConditions in kapi's CEL: the webhooks library asks it for one result per condition.
 * Conditions are compiled once per configuration (the same array while it is unchanged).
 */
export class CelMatchConditionEvaluator implements MatchConditionEvaluator {
  private readonly compiled = new WeakMap<readonly MatchCondition[], { compiler: PolicyCompiler; conditions: { name: string; compiled: CompiledExpression }[] }>();

  constructor(private readonly options: CelMatchConditionEvaluatorOptions = {}) {}

  private compile(conditions: readonly MatchCondition[]) {
    let c = this.compiled.get(conditions);
    if (!c) {
      const compiler = new PolicyCompiler({ hasParams: false });
      c = { compiler, conditions: conditions.map((m) => ({ name: m.name, compiled: compiler.compile(m.expression, [T.bool]) })) };
      this.compiled.set(conditions, c);
    }
    return c;
  }

  async evaluate(conditions: readonly MatchCondition[], input: MatchConditionInput): Promise<readonly MatchConditionResult[]> {
    const { compiler, conditions: compiled } = this.compile(conditions);
    const authorizer = this.options.authorize ? new CachingAuthorizer(this.options.authorize) : undefined;
    const { uid: _uid, object: _o, oldObject: _oo, ...request } = input.request;
    const inputs: AdmissionInputs = { object: input.object, oldObject: input.oldObject, request: request as AdmissionRequestJSON, ...(authorizer ? { authorizer } : {}) };
    const results = await evaluateWithChecks(authorizer, () => {
      try {
        return new PolicyEvaluation(compiler, inputs).evaluateAll(
          compiled.map((c) => c.compiled),
          RUNTIME_CEL_COST_BUDGET_MATCH_CONDITIONS,
        ).results;
      } catch (err) {
        return err as Error;
      }
    });
    if (results instanceof Error) throw results;
    return results.map((r, i): MatchConditionResult => {
      const name = compiled[i].name;
      if (!r) return { name, error: 'internal error' };
      if (r.error !== undefined) return { name, error: r.error };
      if (typeof r.value !== 'boolean') return { name, error: `expression '${compiled[i].compiled.expression}' resulted in error: no such overload` };
      return { name, value: r.value };
    });
  }
}
