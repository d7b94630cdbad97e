// A policy's expressions compiled as kube's admission CEL compiler does (k8s.io/apiserver's
// plugin/cel CompileCELExpression and its CompositedCompiler): variables in order, each seeing the
// ones before it (a variable that does not compile is dyn to those after it); every other
// expression then sees them all, and must have exactly one of its return types. Failures carry
// kube's detail strings and error types, which the policy kinds' validation turns into field
// errors at create and the policy plugins into evaluation errors.
import { admissionEnvironment } from './admission.js';
import type { Program } from './env.js';
import { formatType, T, type Type } from './types.js';

/** kube's cel.ErrorType: Invalid for what the author wrote, Internal for what failed beyond it. */
export type CompileErrorType = 'Invalid' | 'Internal';

export interface CompiledExpression {
  expression: string;
  program?: Program;
  /** Why it does not compile, in kube's words (`compilation failed: ERROR: <input>:…`). */
  error?: string;
  errorType?: CompileErrorType;
}

export interface CompileOptions {
  hasParams: boolean;
  /** Whether `authorizer` is declared (every policy expression but messageExpression). */
  hasAuthorizer?: boolean;
  /** MutatingAdmissionPolicy's environment: `Object{…}`, `JSONPatch{…}`, jsonpatch.escapeKey. */
  mutation?: boolean;
}

/** The expressions of one policy version, compiled against its variables. */
export class PolicyCompiler {
  readonly variables: { name: string; compiled: CompiledExpression }[] = [];
  private readonly variableTypes: Record<string, Type> = {};
  /** Whether `variables` is declared: for a policy that has some (kube's CompositedCompiler). */
  private readonly composited: boolean;

  constructor(
    private readonly options: CompileOptions,
    variables: readonly { name: string; expression: string }[] = [],
  ) {
    this.composited = variables.length > 0;
    for (const v of variables) {
      const compiled = this.compile(v.expression);
      this.variables.push({ name: v.name, compiled });
      this.variableTypes[v.name] = compiled.program?.type ?? T.dyn;
    }
  }

  /**
   * Compiles an expression; with return types, its type must be exactly one of them. `options`
   * overrides the policy's for this expression (a messageExpression has no `authorizer`).
   */
  compile(expression: string, returnTypes?: Type[], options: Partial<CompileOptions> = {}): CompiledExpression {
    const { hasParams, hasAuthorizer = true, mutation } = { ...this.options, ...options };
    const env = admissionEnvironment({ hasParams, hasAuthorizer, mutation, variables: this.composited ? this.variableTypes : undefined });
    const result = env.compile(expression);
    if (result.issues) {
      const issues = result.issues;
      if (issues.instantiation) return { expression, error: issues.instantiation, errorType: 'Internal' };
      return { expression, error: `compilation failed: ${issues}`, errorType: 'Invalid' };
    }
    const type = result.program.type;
    if (returnTypes && !returnTypes.some((t) => formatType(t) === formatType(type))) {
      const names = returnTypes.map(formatType);
      const reason = names.length === 1 ? `must evaluate to ${names[0]} but got ${formatType(type)}` : `must evaluate to one of [${names.join(' ')}] but got ${formatType(type)}`;
      return { expression, error: reason, errorType: 'Invalid' };
    }
    return { expression, program: result.program };
  }
}
