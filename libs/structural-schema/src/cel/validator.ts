// The runtime of x-kubernetes-validations (kube's cel.Validator): a tree of compiled rules shaped
// like the schema, walked along the object (and the old object, matched by field, map key and
// map-list key for transition rules). Each rule is evaluated within the per-call limit (1,000,000)
// and the budget of the whole validation (10,000,000); past the budget no further rule runs. A
// failing rule reports its message (or messageExpression, or `failed rule: <rule>`) at its node —
// or its fieldPath — as `Invalid value: "<schema type>": <message>`, or as the reason it names. On an
// update, a failing rule that is not a transition rule is only a warning when its value (or the
// nearest one that can be matched) is unchanged: kube's ratcheting.
import type { FieldError } from '@kapi/api-machinery';
import { CelOptional, isError, PER_CALL_LIMIT, RUNTIME_CEL_COST_BUDGET, type Program, type Value } from '@kapi/cel';
import type { CorrelatedObject } from '../correlation.js';
import { fieldError, path, renderError, type FieldPath } from '../field-errors.js';
import { isPlainObject, sortedEntries, type ValidationRule } from '../json-schema-props.js';
import { mapListKey } from '../list-map-keys.js';
import { withTypeAndObjectMeta, type NestedValueValidation, type Structural } from '../structural.js';
import { compileRules, OLD_SCOPED_VAR_NAME, SCOPED_VAR_NAME, type CompiledRule } from './compile.js';
import { schemaDeclType, type DeclType } from './decl-type.js';
import { escapeName } from './escaping.js';
import { toCelValue } from './values.js';

/** The longest message a messageExpression may produce (MaxEvaluatedMessageExpressionSizeBytes). */
const MAX_MESSAGE_BYTES = 5 * 1024;
const OUT_OF_BUDGET = 'validation failed due to running out of cost budget, no further validation rules will be run';

/** What a validation found: errors, warnings (ratcheted rules), and the budget left (negative: exhausted). */
export interface CelValidationResult {
  errors: FieldError[];
  warnings: string[];
  remainingBudget: number;
}

/** Ratcheting's position: the correlation of this value, or of the nearest ancestor that has one. */
interface Ratcheting {
  current?: CorrelatedObject;
  nearestParent?: CorrelatedObject;
}

const shouldRatchet = (r: Ratcheting) => (r.current ? r.current.unchanged() : (r.nearestParent?.unchanged() ?? false));
const ratchetKey = (r: Ratcheting, field: string): Ratcheting =>
  !r.current ? r : !r.nearestParent && (field === 'apiVersion' || field === 'kind') ? {} : { current: r.current.key(field), nearestParent: r.current };
const ratchetIndex = (r: Ratcheting, i: number): Ratcheting => (!r.current ? r : { current: r.current.index(i), nearestParent: r.current });

function hasXValidations(s: Structural | undefined): boolean {
  if (!s) return false;
  if (s.xValidations.length) return true;
  if (hasXValidations(s.items) || hasXValidations(s.additionalProperties?.structural)) return true;
  return Object.values(s.properties ?? {}).some(hasXValidations);
}

/** A nested value validation (allOf) as a structural schema, as kube's nestedToStructural makes it. */
function nestedToStructural(n: NestedValueValidation): Structural {
  const out: Structural = { ...n.forbiddenGenerics, ...n.forbiddenExtensions, xValidations: n.xValidations, valueValidation: n.valueValidation };
  if (n.items) out.items = nestedToStructural(n.items);
  if (n.properties) out.properties = Object.fromEntries(Object.entries(n.properties).map(([k, v]) => [k, nestedToStructural(v)]));
  if (n.additionalProperties) out.additionalProperties = { structural: nestedToStructural(n.additionalProperties), bool: false };
  return out;
}

export class CelValidator {
  private constructor(
    readonly schema: Structural,
    private readonly compiled: CompiledRule[],
    private readonly compilationError: Error | undefined,
    private readonly isResourceRoot: boolean,
    private readonly items?: CelValidator,
    private readonly properties?: Map<string, CelValidator>,
    private readonly additionalProperties?: CelValidator,
    private readonly allOf: CelValidator[] = [],
  ) {}

  /** kube's NewValidator: undefined when the schema has no rules anywhere. */
  static create(s: Structural, isResourceRoot: boolean): CelValidator | undefined {
    if (!hasXValidations(s)) return undefined;
    return CelValidator.build(s, s, isResourceRoot, schemaDeclType(s, isResourceRoot));
  }

  private static build(validation: Structural, node: Structural, isResourceRoot: boolean, declType: DeclType | undefined): CelValidator | undefined {
    const compiled = compileRules({ ...node, xValidations: validation.xValidations }, validation.xValidations, declType);
    const items = validation.items && node.items ? CelValidator.build(validation.items, node.items, node.items.xEmbeddedResource, declType?.elem) : undefined;
    const properties = new Map<string, CelValidator>();
    for (const [k, validationProperty] of sortedEntries(validation.properties)) {
      const nodeProperty = node.properties?.[k];
      if (!nodeProperty) continue;
      let fieldType: DeclType | undefined;
      const escaped = escapeName(k);
      if (escaped !== undefined) {
        fieldType = declType?.fields?.get(escaped)?.type;
        if (!fieldType) continue;
      } else {
        fieldType = schemaDeclType(nodeProperty, nodeProperty.xEmbeddedResource);
        if (!fieldType) continue;
      }
      const p = CelValidator.build(validationProperty, nodeProperty, nodeProperty.xEmbeddedResource, fieldType);
      if (p) properties.set(k, p);
    }
    const validationAdditional = validation.additionalProperties?.structural;
    const nodeAdditional = node.additionalProperties?.structural;
    const additional = validationAdditional && nodeAdditional ? CelValidator.build(validationAdditional, nodeAdditional, nodeAdditional.xEmbeddedResource, declType?.elem) : undefined;
    const allOf = (validation.valueValidation?.allOf ?? []).map((a) => CelValidator.build(nestedToStructural(a), node, isResourceRoot, declType)).filter((v): v is CelValidator => v !== undefined);
    const rules = compiled instanceof Error ? [] : compiled;
    if (!rules.length && !(compiled instanceof Error) && !items && !additional && !properties.size && !allOf.length) return undefined;
    return new CelValidator(node, rules, compiled instanceof Error ? compiled : undefined, isResourceRoot, items, properties.size ? properties : undefined, additional, allOf);
  }

  /** The compiled rules of this node (for a CRD's checks). */
  get compiledRules(): readonly CompiledRule[] {
    return this.compiled;
  }

  /**
   * Validates a value (and, on an update, the value it replaces) under a path; `correlation` turns on
   * ratcheting. `budget` is what is left of the validation's runtime budget.
   */
  validate(fldPath: FieldPath, obj: unknown, oldObj: unknown, options: { correlation?: CorrelatedObject; budget?: number } = {}): CelValidationResult {
    const out: CelValidationResult = { errors: [], warnings: [], remainingBudget: options.budget ?? RUNTIME_CEL_COST_BUDGET };
    this.run(fldPath, obj, oldObj, { current: options.correlation }, out);
    return out;
  }

  private run(fldPath: FieldPath, obj: unknown, oldObj: unknown, ratcheting: Ratcheting, out: CelValidationResult): void {
    if (obj === null || obj === undefined) return;
    this.validateExpressions(fldPath, obj, oldObj, ratcheting, out);
    if (out.remainingBudget < 0) return;
    for (const a of this.allOf) {
      a.run(fldPath, obj, oldObj, { nearestParent: ratcheting.nearestParent }, out);
      if (out.remainingBudget < 0) return;
    }
    if (Array.isArray(obj)) this.validateArray(fldPath, obj, Array.isArray(oldObj) ? oldObj : undefined, ratcheting, out);
    else if (isPlainObject(obj)) this.validateMap(fldPath, obj, isPlainObject(oldObj) ? oldObj : undefined, ratcheting, out);
  }

  private validateExpressions(fldPath: FieldPath, obj: unknown, oldObjIn: unknown, ratcheting: Ratcheting, out: CelValidationResult): void {
    const type = this.schema.type;
    const oldObj = oldObjIn === undefined ? null : oldObjIn;
    if (this.compilationError) {
      out.errors.push(fieldError.invalid(fldPath, type, `rule compiler initialization error: ${this.compilationError.message}`));
      return;
    }
    if (!this.compiled.length) return;
    if (out.remainingBudget <= 0) {
      out.errors.push(fieldError.invalid(fldPath, type, OUT_OF_BUDGET));
      out.remainingBudget = -1;
      return;
    }
    const sts = this.isResourceRoot ? withTypeAndObjectMeta(this.schema) : this.schema;
    const self = toCelValue(obj, sts) as Value;
    const hasOld = oldObj !== null;
    const oldSelf = hasOld ? (toCelValue(oldObj, sts) as Value) : undefined;
    const activation = { resolve: (name: string) => (name === SCOPED_VAR_NAME ? self : name === OLD_SCOPED_VAR_NAME ? oldSelf : undefined) };
    const optionalActivation = { resolve: (name: string) => (name === SCOPED_VAR_NAME ? self : name === OLD_SCOPED_VAR_NAME ? (hasOld ? CelOptional.of(oldSelf!) : CelOptional.none) : undefined) };

    for (const compiled of this.compiled) {
      const rule = compiled.rule;
      if (compiled.error) {
        out.errors.push(fieldError.invalid(fldPath, type, `rule compile error: ${compiled.error.detail}`));
        continue;
      }
      if (!compiled.program) continue;
      const optionalOldSelf = rule.optionalOldSelf === true;
      if (compiled.usesOldSelf && !hasOld && !optionalOldSelf) continue;
      const evaluation = compiled.program.evaluate(optionalOldSelf ? optionalActivation : activation, { costLimit: PER_CALL_LIMIT });
      if (evaluation.cost > out.remainingBudget) {
        out.errors.push(fieldError.invalid(fldPath, type, OUT_OF_BUDGET));
        out.remainingBudget = -1;
        return;
      }
      out.remainingBudget -= evaluation.cost;
      const result = evaluation.result;
      if (isError(result)) {
        const message = result.message;
        if (message.startsWith('no such overload')) {
          out.errors.push(fieldError.invalid(fldPath, type, `'${message}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(rule)}`));
        } else if (evaluation.exceeded || message.startsWith('operation cancelled: actual cost limit exceeded')) {
          out.errors.push(fieldError.invalid(fldPath, type, `'${message}': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleErrorString(rule)}`));
          out.remainingBudget = -1;
          return;
        } else {
          out.errors.push(fieldError.invalid(fldPath, type, `${message} evaluating rule: ${ruleErrorString(rule)}`));
        }
        continue;
      }
      if (result === true) continue;
      const at = compiled.normalizedRuleFieldPath ? path.child(fldPath, compiled.normalizedRuleFieldPath) : fldPath;
      const add = (e: FieldError) => {
        if (!compiled.usesOldSelf && shouldRatchet(ratcheting)) out.warnings.push(renderError(e));
        else out.errors.push(e);
      };
      if (!compiled.messageExpression) {
        add(fieldErrorForReason(at, type, ruleMessageOrDefault(rule), rule.reason));
        continue;
      }
      const message = evaluateMessageExpression(compiled.messageExpression, rule.messageExpression ?? '', activation, out.remainingBudget);
      if (message.fatal) {
        add(fieldError.invalid(at, type, message.fatal));
        out.remainingBudget = -1;
        return;
      }
      out.remainingBudget = message.remainingBudget;
      add(fieldErrorForReason(at, type, message.text ?? ruleMessageOrDefault(rule), rule.reason));
    }
  }

  private validateMap(fldPath: FieldPath, obj: Record<string, unknown>, oldObj: Record<string, unknown> | undefined, ratcheting: Ratcheting, out: CelValidationResult): void {
    if (out.remainingBudget < 0) return;
    const mapType = this.schema.xMapType;
    const correlatable = mapType === undefined || mapType === 'granular' || mapType === 'atomic';
    const keys = Object.keys(obj).sort();
    if (this.additionalProperties) {
      for (const k of keys) {
        this.additionalProperties.run(path.key(fldPath, k), obj[k], correlatable ? oldObj?.[k] : undefined, ratchetKey(ratcheting, k), out);
        if (out.remainingBudget < 0) return;
      }
    }
    if (this.properties) {
      for (const k of keys) {
        const sub = this.properties.get(k);
        if (!sub) continue;
        sub.run(path.child(fldPath, k), obj[k], correlatable ? oldObj?.[k] : undefined, ratchetKey(ratcheting, k), out);
        if (out.remainingBudget < 0) return;
      }
    }
  }

  private validateArray(fldPath: FieldPath, obj: unknown[], oldObj: unknown[] | undefined, ratcheting: Ratcheting, out: CelValidationResult): void {
    if (out.remainingBudget < 0 || !this.items) return;
    const oldItem = mapListLookup(this.schema, oldObj);
    for (let i = 0; i < obj.length; i++) {
      this.items.run(path.index(fldPath, i), obj[i], oldItem(obj[i]), ratchetIndex(ratcheting, i), out);
      if (out.remainingBudget < 0) return;
    }
  }
}

/** The old item with the same list-map keys, for the items of a map list; nothing for other lists. */
function mapListLookup(schema: Structural, oldItems: unknown[] | undefined): (item: unknown) => unknown {
  const keys = schema.xListMapKeys ?? [];
  if (schema.type !== 'array' || schema.xListType !== 'map' || !keys.length || !oldItems?.length) return () => undefined;
  const byKey = new Map<string, unknown>();
  for (const old of oldItems) {
    const k = isPlainObject(old) ? mapListKey(old, keys) : undefined;
    if (k !== undefined && !byKey.has(k)) byKey.set(k, old);
  }
  return (item) => {
    const k = isPlainObject(item) ? mapListKey(item, keys) : undefined;
    return k === undefined ? undefined : byKey.get(k);
  };
}

function ruleErrorString(rule: ValidationRule): string {
  return rule.message ? rule.message.trim() : rule.rule.trim();
}

function ruleMessageOrDefault(rule: ValidationRule): string {
  return rule.message ? rule.message.trim() : `failed rule: ${ruleErrorString(rule)}`;
}

function fieldErrorForReason(at: FieldPath, type: string, detail: string, reason: string | undefined): FieldError {
  switch (reason) {
    case 'FieldValueForbidden':
      return fieldError.forbidden(at, detail);
    case 'FieldValueRequired':
      return fieldError.required(at, detail);
    case 'FieldValueDuplicate':
      return fieldError.duplicate(at, type);
    default:
      return fieldError.invalid(at, type, detail);
  }
}

interface MessageResult {
  /** The message, when the expression produced a usable one. */
  text?: string;
  /** An error that stops validation (out of budget, past the per-call limit). */
  fatal?: string;
  remainingBudget: number;
}

/** kube's evalMessageExpression. */
function evaluateMessageExpression(program: Program, source: string, activation: { resolve(name: string): Value | undefined }, remainingBudget: number): MessageResult {
  const evaluation = program.evaluate(activation, { costLimit: PER_CALL_LIMIT });
  if (evaluation.cost > remainingBudget) return { fatal: 'messageExpression evaluation failed due to running out of cost budget, no further validation rules will be run', remainingBudget: -1 };
  const left = remainingBudget - evaluation.cost;
  const result = evaluation.result;
  if (isError(result)) {
    if (evaluation.exceeded) return { fatal: `no further validation rules will be run due to call cost exceeds limit for messageExpression: ${JSON.stringify(source)}`, remainingBudget: -1 };
    return { remainingBudget: left };
  }
  if (typeof result !== 'string') return { remainingBudget: left };
  const trimmed = result.trim();
  if (Buffer.byteLength(trimmed) > MAX_MESSAGE_BYTES || /\n/.test(trimmed) || !trimmed) return { remainingBudget: left };
  return { text: trimmed, remainingBudget: left };
}
