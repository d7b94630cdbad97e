// A webhook's matchConditions: CEL expressions over the request that must all be true for the
// webhook to be called (kube's matchconditions.matcher). The CEL itself is injected: kapi's CEL
// library implements MatchConditionEvaluator. Here is what kube decides from the results: a false
// condition skips the webhook whatever else happened; otherwise an error fails the request under
// `failurePolicy: Fail` (403, the errors aggregated) and skips the webhook under `Ignore`.
import type { AdmissionAttributes } from '@kapi/admission-chain';
import type { AdmissionRequest } from './admission-review.js';
import { aggregate } from './errors.js';
import type { AdmissionWebhookMetrics, MatchConditionStep } from './metrics.js';
import type { KubeObject, MatchCondition } from './types.js';

/** What match conditions see: `object`, `oldObject` and `request` as the webhook would be sent them. */
export interface MatchConditionInput {
  /** The request's object as the invocation's kind; undefined for a delete. */
  object: KubeObject | undefined;
  /** The existing object as the invocation's kind; undefined for a create. */
  oldObject: KubeObject | undefined;
  /** The AdmissionRequest without uid, object and oldObject, as kube's CEL `request` variable. */
  request: AdmissionRequest;
  /** The request's attributes, for the `authorizer` variable (who is asking). */
  attributes: AdmissionAttributes;
}

/** One condition's outcome: its boolean value, or why it could not be had, in kube's words. */
export type MatchConditionResult = { name: string; value: boolean } | { name: string; error: string };

export interface MatchConditionEvaluator {
  /**
   * Evaluates `conditions` in order, one result each. A condition that is not boolean or fails at
   * run time gives an error result (kube: `expression '<expr>' resulted in error: <why>`). Throws,
   * with kube's message, when the conditions cannot be evaluated at all (e.g. the cost budget is
   * spent). `conditions` is the same array for as long as the configuration is unchanged, so an
   * evaluator may keep compiled programs keyed by it.
   */
  evaluate(conditions: readonly MatchCondition[], input: MatchConditionInput): Promise<readonly MatchConditionResult[]>;
}

export type MatchConditionOutcome = { matches: true } | { matches: false; failedCondition?: string } | { error: string };

/** When no evaluator is configured, every condition is an error: the failure policy decides. */
const NO_EVALUATOR = 'match conditions cannot be evaluated: no CEL evaluator is configured';

export async function evaluateMatchConditions(
  evaluator: MatchConditionEvaluator | undefined,
  conditions: readonly MatchCondition[],
  input: MatchConditionInput,
  context: { webhookName: string; failurePolicy: string; step: MatchConditionStep; metrics: AdmissionWebhookMetrics; now: () => number },
): Promise<MatchConditionOutcome> {
  const { webhookName, step, metrics } = context;
  const operation = input.attributes.operation;
  const ignore = context.failurePolicy === 'Ignore';
  const started = context.now();
  const observeTime = () => metrics.observeMatchConditionSeconds(webhookName, step, operation, (context.now() - started) / 1000);
  let results: readonly MatchConditionResult[];
  try {
    if (!evaluator) throw new Error(NO_EVALUATOR);
    results = await evaluator.evaluate(conditions, input);
  } catch (err) {
    observeTime();
    return ignore ? { matches: false } : { error: err instanceof Error ? err.message : String(err) };
  }
  const errors: string[] = [];
  for (const result of results) {
    if ('error' in result) {
      errors.push(result.error);
      metrics.observeMatchConditionError(webhookName, step, operation);
    } else if (result.value === false) {
      observeTime();
      return { matches: false, failedCondition: result.name };
    }
  }
  if (errors.length) {
    observeTime();
    return ignore ? { matches: false } : { error: aggregate(errors) };
  }
  return { matches: true };
}
