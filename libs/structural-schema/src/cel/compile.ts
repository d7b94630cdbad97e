// Compiling a schema node's x-kubernetes-validations (kube's cel.Compile): each rule against `self`
// (the node's CEL type) and `oldSelf` (the same type, or an optional of it for `optionalOldSelf`
// rules), in Kubernetes' CEL environment; a rule must be a bool, a messageExpression a string. Each
// gets its estimated cost and the cardinality kube multiplies it by when the CRD is written.
import { kubernetesEnvironment, parse, T, walk, type Environment, type Program } from '@kapi/cel';
import type { ValidationRule } from '../json-schema-props.js';
import type { Structural } from '../structural.js';
import { maxCardinality, type DeclType } from './decl-type.js';
import { validFieldPath } from './field-path.js';

export const SCOPED_VAR_NAME = 'self';
export const OLD_SCOPED_VAR_NAME = 'oldSelf';

/** kube's apiservercel.Error: invalid (the rule's fault), internal, or required. */
export interface RuleError {
  type: 'invalid' | 'internal' | 'required';
  detail: string;
}

export interface CompiledRule {
  rule: ValidationRule;
  /** Absent for an empty rule, which kube skips (the CRD's validation reports it). */
  program?: Program;
  error?: RuleError;
  usesOldSelf: boolean;
  /** The rule's estimated cost (its maximum). */
  maxCost: number;
  /** How many values of this node a request could hold. */
  maxCardinality: number;
  messageExpression?: Program;
  messageExpressionError?: RuleError;
  messageExpressionMaxCost: number;
  /** The rule's fieldPath as a field path (`spec.foo[bar]`), when it names a field. */
  normalizedRuleFieldPath?: string;
}

function environments(declType: DeclType): { plain: Environment; optionalOldSelf: Environment } {
  return {
    plain: kubernetesEnvironment({ variables: { [SCOPED_VAR_NAME]: declType.type, [OLD_SCOPED_VAR_NAME]: declType.type } }),
    optionalOldSelf: kubernetesEnvironment({ variables: { [SCOPED_VAR_NAME]: declType.type, [OLD_SCOPED_VAR_NAME]: T.optional(declType.type) } }),
  };
}

/** Whether an expression refers to oldSelf. */
function usesOldSelf(source: string): boolean {
  const parsed = parse(source);
  if (!parsed.expr) return false;
  for (const e of walk(parsed.expr)) if (e.kind === 'ident' && e.name === OLD_SCOPED_VAR_NAME) return true;
  return false;
}

const stripInstantiation = (message: string) => message.replace(/^program instantiation failed: /, '');

function compileRule(schema: Structural, rule: ValidationRule, env: Environment, cardinality: number): CompiledRule {
  const result: CompiledRule = { rule, usesOldSelf: false, maxCost: 0, maxCardinality: cardinality, messageExpressionMaxCost: 0 };
  if (!rule.rule?.trim()) return result;
  const compiled = env.compile(rule.rule);
  if (compiled.issues) {
    result.error = compiled.issues.instantiation
      ? { type: 'invalid', detail: `program instantiation failed: ${stripInstantiation(compiled.issues.instantiation)}` }
      : { type: 'invalid', detail: `compilation failed: ${compiled.issues}` };
    return result;
  }
  if (compiled.program.type.kind !== 'bool') {
    result.error = { type: 'invalid', detail: 'cel expression must evaluate to a bool' };
    return result;
  }
  result.usesOldSelf = usesOldSelf(rule.rule);
  result.program = compiled.program;
  result.maxCost = compiled.program.estimateCost().max;
  if (rule.messageExpression) {
    const message = env.compile(rule.messageExpression);
    if (message.issues) {
      result.messageExpressionError = message.issues.instantiation
        ? { type: 'invalid', detail: `messageExpression instantiation failed: ${stripInstantiation(message.issues.instantiation)}` }
        : { type: 'invalid', detail: `messageExpression compilation failed: ${message.issues}` };
      return result;
    }
    if (message.program.type.kind !== 'string') {
      result.messageExpressionError = { type: 'invalid', detail: 'messageExpression must evaluate to a string' };
      return result;
    }
    result.messageExpression = message.program;
    result.messageExpressionMaxCost = message.program.estimateCost().max;
  }
  if (rule.fieldPath) {
    const valid = validFieldPath(rule.fieldPath, schema);
    if ('path' in valid && valid.path !== null) result.normalizedRuleFieldPath = valid.path;
  }
  return result;
}

/** kube's cel.Compile for one schema node; an Error when the node has no CEL type. */
export function compileRules(schema: Structural, rules: readonly ValidationRule[], declType: DeclType | undefined): CompiledRule[] | Error {
  if (!rules.length) return [];
  if (!declType) return new Error('failed to convert to declType for CEL validation rules');
  const envs = environments(declType);
  const cardinality = maxCardinality(declType.minSerializedSize);
  return rules.map((rule) => compileRule(schema, rule, rule.optionalOldSelf ? envs.optionalOldSelf : envs.plain, cardinality));
}
