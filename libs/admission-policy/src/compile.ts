// A policy's expressions, compiled once per policy version by @kapi/cel's PolicyCompiler (kube's
// plugin/cel compile and composition), evaluated as kube's activation evaluates them: `variables`
// lazily, once, their cost charged with the expression that first read them; each expression may
// spend PerCallLimit and all of one evaluation together the runtime budget it is given.
import { admissionActivation, CelError, CelMap, isError, PER_CALL_LIMIT, type AdmissionInputs, type CompiledExpression, type PolicyCompiler, type Value } from '@kapi/cel';

export { PolicyCompiler, type CompiledExpression, type CompileOptions } from '@kapi/cel';

/** kube's "runtime cost budget exhausted" message, which stops an evaluation. */
export const OUT_OF_BUDGET = 'validation failed due to running out of cost budget, no further validation rules will be run';

export class OutOfBudgetError extends Error {
  constructor() {
    super(OUT_OF_BUDGET);
  }
}

export interface ExpressionResult {
  value?: Value;
  /** kube's error for this expression (`expression '…' resulted in error: …`, `compilation error: …`). */
  error?: string;
  elapsedMs: number;
}

/**
 * One evaluation of a policy for one request and param: the activation, the lazily evaluated
 * variables, and the remaining budget.
 */
export class PolicyEvaluation {
  private compositionCost = 0;
  private readonly inputs: AdmissionInputs;

  constructor(
    compiler: PolicyCompiler,
    inputs: AdmissionInputs,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.inputs = { ...inputs, variables: new LazyVariables(compiler.variables, () => this.activationWith(inputs), (cost) => (this.compositionCost += cost)) };
  }

  private activationWith(inputs: AdmissionInputs) {
    return admissionActivation({ ...inputs, variables: this.inputs?.variables ?? inputs.variables });
  }

  /**
   * Evaluates the expressions in order within `budget` (condition.ForInput). Throws OutOfBudgetError
   * when the budget is spent: kube stops every further expression of the evaluation.
   */
  evaluateAll(expressions: readonly (CompiledExpression | undefined)[], budget: number): { results: (ExpressionResult | undefined)[]; remaining: number } {
    let remaining = budget;
    const activation = admissionActivation(this.inputs);
    const results = expressions.map((compiled) => {
      if (!compiled) return undefined;
      if (compiled.error !== undefined) return { error: `compilation error: ${compiled.error}`, elapsedMs: 0 };
      const started = this.now();
      const evaluation = compiled.program!.evaluate(activation, { costLimit: PER_CALL_LIMIT });
      const composition = this.compositionCost;
      this.compositionCost = 0;
      if (composition > remaining) throw new OutOfBudgetError();
      remaining -= composition;
      if (evaluation.cost > remaining) throw new OutOfBudgetError();
      remaining -= evaluation.cost;
      const elapsedMs = this.now() - started;
      const r = evaluation.result;
      if (isError(r)) return { error: `expression '${compiled.expression}' resulted in error: ${r.message}`, elapsedMs };
      return { value: r, elapsedMs };
    });
    return { results, remaining };
  }
}

/** `variables`: each evaluated when first read, its cost reported to the evaluation (kube's lazy map). */
class LazyVariables extends CelMap {
  private readonly cache = new Map<string, Value | CelError>();
  constructor(
    private readonly variables: readonly { name: string; compiled: CompiledExpression }[],
    private readonly activation: () => ReturnType<typeof admissionActivation>,
    private readonly reportCost: (cost: number) => void,
  ) {
    super();
  }

  get(key: Value): Value | undefined {
    if (typeof key !== 'string') return undefined;
    const v = this.variables.find((x) => x.name === key);
    if (!v) return undefined;
    let value = this.cache.get(key);
    if (value === undefined) {
      value = this.evaluate(v.name, v.compiled);
      this.cache.set(key, value);
    }
    // An error value is what the expression reading it gets (cel-go's lazy map returns it).
    return value as Value;
  }

  private evaluate(name: string, compiled: CompiledExpression): Value | CelError {
    if (compiled.error !== undefined) return new CelError(`composited variable "${name}" fails to compile: ${compiled.error}`);
    const evaluation = compiled.program!.evaluate(this.activation(), { costLimit: PER_CALL_LIMIT });
    this.reportCost(evaluation.cost);
    if (isError(evaluation.result)) return new CelError(`composited variable "${name}" fails to evaluate: ${evaluation.result.message}`);
    return evaluation.result;
  }

  get size(): number {
    return this.variables.length;
  }

  keys(): Value[] {
    return this.variables.map((v) => v.name);
  }
}
