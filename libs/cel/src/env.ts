// An environment declares variables, types and libraries; compiling an expression in it parses,
// checks and validates it into a program, which evaluates against an activation within a cost limit.
import { walk, type Expr } from './ast.js';
import { check, type CheckResult, type Declarations } from './checker.js';
import { CostLimitExceededError, Issues } from './errors.js';
import { estimateCost, type SizeEstimator } from './estimator.js';
import { mergeFunctions, type FunctionDecl, type Library } from './functions.js';
import { activation, CostTracker, evaluate, type Activation } from './interpreter.js';
import { optimize, InstantiationError } from './optimize.js';
import { parse } from './parser.js';
import { checkFormatCall } from './library/strings.js';
import { compileRegex } from './regex.js';
import { parseDuration, parseTimestamp } from './time.js';
import type { CostEstimate } from './cost-model.js';
import { T, type Type } from './types.js';
import { CelError, isError, type Result, type Value } from './values.js';

export interface EnvironmentOptions {
  libraries: Library[];
  variables?: Record<string, Type>;
  /** Object types by name, for struct creation (`JSONPatch{…}`) and as type identifiers. */
  types?: Record<string, Type>;
  /** Resolves type names the table does not hold (Kubernetes' `Object.spec…` types of a mutation). */
  typeResolver?: (name: string) => Type | undefined;
  /**
   * cel-go's OptOptimize, which Kubernetes sets (default true): constant literals and conversions
   * folded when the program is built. Kubernetes' own cost tests run without it.
   */
  optimize?: boolean;
}

export interface EvaluateOptions {
  /** The runtime cost limit of this evaluation; past it, evaluation stops with an error. */
  costLimit?: number;
}

export interface Evaluation {
  /** The value, or the error the expression evaluated to. */
  result: Result;
  /** The runtime cost, as cel-go's cost tracker counts it (up to the point it stopped). */
  cost: number;
  /** Set when the cost limit stopped evaluation. */
  exceeded?: boolean;
}

export class Program {
  constructor(
    readonly source: string,
    private readonly checked: CheckResult,
  ) {}

  /** The type the expression evaluates to. */
  get type(): Type {
    return this.checked.type;
  }

  evaluate(vars: Activation | Record<string, Value>, options: EvaluateOptions = {}): Evaluation {
    const tracker = new CostTracker(options.costLimit);
    const act = typeof (vars as Activation).resolve === 'function' ? (vars as Activation) : activation(vars as Record<string, Value>);
    try {
      return { result: evaluate(this.checked, act, tracker), cost: tracker.cost };
    } catch (e) {
      if (e instanceof CostLimitExceededError) return { result: new CelError(e.message), cost: tracker.cost, exceeded: true };
      throw e;
    }
  }

  /** The estimated cost range of the expression, as cel-go's estimator computes it. */
  estimateCost(sizes?: SizeEstimator): CostEstimate {
    return estimateCost(this.checked, sizes);
  }
}

export type CompileResult = { program: Program; issues?: undefined } | { program?: undefined; issues: Issues };

export class Environment {
  private readonly functions: Map<string, FunctionDecl>;

  constructor(private readonly options: EnvironmentOptions) {
    this.functions = mergeFunctions(options.libraries);
  }

  /** A new environment with more variables, types or libraries. */
  extend(more: Partial<EnvironmentOptions>): Environment {
    return new Environment({
      libraries: [...this.options.libraries, ...(more.libraries ?? [])],
      variables: { ...this.options.variables, ...more.variables },
      types: { ...this.options.types, ...more.types },
      typeResolver: more.typeResolver ?? this.options.typeResolver,
      optimize: more.optimize ?? this.options.optimize,
    });
  }

  private get declarations(): Declarations {
    return {
      variable: (name) => this.options.variables?.[name],
      fn: (name) => this.functions.get(name),
      type: (name) => this.options.types?.[name] ?? this.options.typeResolver?.(name),
    };
  }

  compile(source: string): CompileResult {
    const parsed = parse(source);
    if (!parsed.expr) return { issues: parsed.issues };
    const issues = new Issues(source);
    const checked = check(parsed.expr, this.declarations, issues);
    if (!issues.length) validateLiterals(checked, issues);
    if (issues.length) return { issues };
    try {
      if (this.options.optimize !== false) checked.expr = optimize(checked);
    } catch (e) {
      if (!(e instanceof InstantiationError)) throw e;
      issues.failInstantiation(e.message);
      return { issues };
    }
    return { program: new Program(source, checked) };
  }
}

/**
 * cel-go's AST validators that Kubernetes enables: constant arguments of duration(), timestamp()
 * and the regular expression functions must be valid when the expression is compiled.
 */
function validateLiterals(checked: CheckResult, issues: Issues): void {
  for (const e of walk(checked.expr)) {
    if (e.kind !== 'call') continue;
    if (e.fn === 'format' && e.target?.kind === 'const' && typeof e.target.value === 'string' && e.args[0]?.kind === 'list') {
      const problem = checkFormatCall(e.target.value, e.args[0].elements.map((x) => checked.types.get(x.id) ?? T.dyn));
      if (problem) issues.add(e.offset, problem);
      continue;
    }
    const literal = (x: Expr | undefined) => (x?.kind === 'const' && typeof x.value === 'string' ? x.value : undefined);
    let error: Result | undefined;
    let arg: Expr | undefined;
    if (e.fn === 'duration' && e.args.length === 1) error = (arg = e.args[0]) && literal(arg) !== undefined ? parseDuration(literal(arg)!) : undefined;
    else if (e.fn === 'timestamp' && e.args.length === 1) error = (arg = e.args[0]) && literal(arg) !== undefined ? parseTimestamp(literal(arg)!) : undefined;
    else if (['matches', 'find', 'findAll'].includes(e.fn)) {
      arg = e.target ? e.args[0] : e.args[1];
      const pattern = literal(arg);
      if (pattern !== undefined) error = compileRegex(pattern) as Result;
    }
    if (error !== undefined && isError(error) && arg) issues.add(arg.offset, `invalid ${e.fn} argument`);
  }
}
