// What a CustomResourceDefinition's schemas may contain (apiextensions' ValidateCustomResourceDefinition,
// for the schema of each version): a structural schema, defaults that validate and survive pruning,
// only the OpenAPI features kube supports, well-formed list and map types, and x-kubernetes-validations
// rules that compile and whose estimated cost stays within kube's limits (10,000,000 per expression,
// 100,000,000 for all rules of a schema, each multiplied by how many values of its node a request could
// hold). Errors are kube's, at kube's paths: `spec.validation.openAPIV3Schema` when every version has
// the same schema (kube keeps one copy then), else `spec.versions[i].schema.openAPIV3Schema`.
import type { FieldError } from '@kapi/api-machinery';
import { estimatedCostError, UNBOUNDED } from '@kapi/cel';
import { compileRules, type CompiledRule } from './cel/compile.js';
import { schemaDeclType, type DeclType } from './cel/decl-type.js';
import { escapeName } from './cel/escaping.js';
import { validFieldPath } from './cel/field-path.js';
import { validateDefaults } from './default-validation.js';
import { fieldError, path, type FieldPath } from './field-errors.js';
import { isSupportedFormat } from './formats.js';
import { goJSON } from './go-format.js';
import { deepEqualJSON } from './json-equality.js';
import { isPlainObject, sortedEntries, type JSONSchemaProps, type ValidationRule } from './json-schema-props.js';
import { newStructural, StructuralSchemaError, type Structural } from './structural.js';
import { validateStructural } from './structural-validation.js';

/** The largest estimated cost of one expression (StaticEstimatedCostLimit). */
export const STATIC_ESTIMATED_COST_LIMIT = 10_000_000;
/** The largest estimated cost of all rules of a schema (StaticEstimatedCRDCostLimit). */
export const STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000;

const OPENAPI_V3_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const VALIDATION_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];
const META_FIELDS = new Set(['metadata', 'kind', 'apiVersion']);
const ALLOWED_AT_ROOT_WITH_STATUS = [
  'Description', 'Type', 'Format', 'Title', 'Maximum', 'ExclusiveMaximum', 'Minimum', 'ExclusiveMinimum', 'MaxLength', 'MinLength', 'Pattern', 'MaxItems',
  'MinItems', 'UniqueItems', 'MultipleOf', 'Required', 'Items', 'Properties', 'ExternalDocs', 'Example', 'XPreserveUnknownFields', 'XValidations',
];
/** The Go fields of JSONSchemaProps in declaration order, with their JSON names. */
const GO_FIELDS: [string, keyof JSONSchemaProps][] = [
  ['ID', 'id'], ['Schema', '$schema'], ['Ref', '$ref'], ['Description', 'description'], ['Type', 'type'], ['Nullable', 'nullable'], ['Format', 'format'],
  ['Title', 'title'], ['Default', 'default'], ['Maximum', 'maximum'], ['ExclusiveMaximum', 'exclusiveMaximum'], ['Minimum', 'minimum'],
  ['ExclusiveMinimum', 'exclusiveMinimum'], ['MaxLength', 'maxLength'], ['MinLength', 'minLength'], ['Pattern', 'pattern'], ['MaxItems', 'maxItems'],
  ['MinItems', 'minItems'], ['UniqueItems', 'uniqueItems'], ['MultipleOf', 'multipleOf'], ['Enum', 'enum'], ['MaxProperties', 'maxProperties'],
  ['MinProperties', 'minProperties'], ['Required', 'required'], ['Items', 'items'], ['AllOf', 'allOf'], ['OneOf', 'oneOf'], ['AnyOf', 'anyOf'], ['Not', 'not'],
  ['Properties', 'properties'], ['AdditionalProperties', 'additionalProperties'], ['PatternProperties', 'patternProperties'], ['Dependencies', 'dependencies'],
  ['AdditionalItems', 'additionalItems'], ['Definitions', 'definitions'], ['ExternalDocs', 'externalDocs'], ['Example', 'example'],
  ['XPreserveUnknownFields', 'x-kubernetes-preserve-unknown-fields'], ['XEmbeddedResource', 'x-kubernetes-embedded-resource'],
  ['XIntOrString', 'x-kubernetes-int-or-string'], ['XListMapKeys', 'x-kubernetes-list-map-keys'], ['XListType', 'x-kubernetes-list-type'],
  ['XMapType', 'x-kubernetes-map-type'], ['XValidations', 'x-kubernetes-validations'],
];

/** A rule as kube prints it in a message: its internal Go struct, encoded without JSON names. */
function ruleValue(rule: ValidationRule): string {
  return `{"Rule":${goJSON(rule.rule ?? '')},"Message":${goJSON(rule.message ?? '')},"MessageExpression":${goJSON(rule.messageExpression ?? '')},"Reason":${goJSON(rule.reason ?? null)},"FieldPath":${goJSON(rule.fieldPath ?? '')},"OptionalOldSelf":${goJSON(rule.optionalOldSelf ?? null)}}`;
}

/** A field error whose bad value is already rendered (Go structs kube prints as JSON). */
const invalidRendered = (at: FieldPath, rendered: string, detail: string): FieldError => {
  const e = fieldError.invalid(at, '', detail);
  return { ...e, detail: e.detail.replace(/^Invalid value: ""/, `Invalid value: ${rendered}`) };
};

const isZero = (v: unknown) => v === undefined || v === null || v === false || v === '' || v === 0 || (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0);

export interface SchemaValidationOptions {
  /** The version's status subresource is enabled (only some fields are allowed at the root then). */
  statusEnabled: boolean;
  /** Defaults must survive pruning (kube: unless the old CRD already had unpruned ones). */
  requirePrunedDefaults?: boolean;
  /** A CRD update that leaves this schema unchanged: the per-expression cost limit is not applied. */
  suppressPerExpressionCost?: boolean;
}

/** Why oldSelf may not be used below a node: the path of the list or map that cannot be correlated. */
interface NodeOptions {
  allowDefaults: boolean;
  disallowDefaultsReason?: string;
  insideResourceMeta: boolean;
  uncorrelatablePath?: FieldPath;
}

/** The CEL side of the walk (kube's CELSchemaContext): the node's type, cardinality and the running total cost. */
interface CelContext {
  withinRuleScope: boolean;
  schema: JSONSchemaProps;
  isRoot: boolean;
  /** undefined: unbounded. */
  maxCardinality?: number;
  total: TotalCost;
  typeInfo?: { structural: Structural; declType: DeclType } | null;
  parent?: CelContext;
  access?: (parent: { structural: Structural; declType: DeclType }) => { structural: Structural; declType: DeclType } | undefined;
}

interface TotalCost {
  total: number;
  mostExpensive: { path: FieldPath; cost: number }[];
}

const mulSat = (a: number, b: number) => (a === 0 ? 0 : Math.min(a * b, UNBOUNDED));

function observe(total: TotalCost, at: FieldPath, cost: number): void {
  total.total = Math.min(total.total + cost, UNBOUNDED);
  if (cost < STATIC_ESTIMATED_CRD_COST_LIMIT / 100) return;
  total.mostExpensive.push({ path: at, cost });
  total.mostExpensive.sort((a, b) => b.cost - a.cost);
  total.mostExpensive.length = Math.min(total.mostExpensive.length, 4);
}

function typeInfo(c: CelContext): { structural: Structural; declType: DeclType } | undefined {
  if (!c.withinRuleScope) return undefined;
  if (c.typeInfo !== undefined) return c.typeInfo ?? undefined;
  if (c.parent && c.access) {
    const parent = typeInfo(c.parent);
    const accessed = parent ? c.access(parent) : undefined;
    if (accessed) return (c.typeInfo = accessed);
  }
  try {
    const structural = newStructural(c.schema);
    const declType = schemaDeclType(structural, c.isRoot || c.schema['x-kubernetes-embedded-resource'] === true);
    c.typeInfo = declType ? { structural, declType } : null;
  } catch {
    c.typeInfo = null;
  }
  return c.typeInfo ?? undefined;
}

function maxElements(s: JSONSchemaProps): number | undefined {
  if (s.type === 'object') return s.additionalProperties !== undefined ? (s.maxProperties !== undefined ? Math.max(0, s.maxProperties) : undefined) : 1;
  if (s.type === 'array') return s.maxItems !== undefined ? Math.max(0, s.maxItems) : undefined;
  return 1;
}

function childContext(c: CelContext | undefined, child: JSONSchemaProps | undefined, access: CelContext['access']): CelContext | undefined {
  if (!c || !child) return undefined;
  const parentMax = c.maxCardinality === undefined ? undefined : maxElements(c.schema);
  return {
    withinRuleScope: c.withinRuleScope || Boolean(child['x-kubernetes-validations']?.length),
    schema: child,
    isRoot: false,
    maxCardinality: c.maxCardinality === undefined || parentMax === undefined ? undefined : mulSat(c.maxCardinality, parentMax),
    total: c.total,
    parent: c,
    access,
  };
}

const propertyAccess =
  (name: string): CelContext['access'] =>
  (p) => {
    const structural = p.structural.properties?.[name];
    const escaped = escapeName(name);
    const field = escaped === undefined ? undefined : p.declType.fields?.get(escaped);
    return structural && field ? { structural, declType: field.type } : undefined;
  };
const itemsAccess: CelContext['access'] = (p) => (p.structural.items && p.declType.elem ? { structural: p.structural.items, declType: p.declType.elem } : undefined);
const additionalAccess: CelContext['access'] = (p) =>
  p.structural.additionalProperties?.structural && p.declType.elem ? { structural: p.structural.additionalProperties.structural, declType: p.declType.elem } : undefined;

/** kube's getExpressionCost: the rule's cost times how often it may run. */
const expressionCost = (cr: CompiledRule, c: CelContext) => mulSat(cr.maxCost, c.maxCardinality ?? cr.maxCardinality);

/** kube's specStandardValidatorV3: the OpenAPI features a CRD's schema may not use. */
function standardErrors(s: JSONSchemaProps, at: FieldPath, o: NodeOptions): FieldError[] {
  const errs: FieldError[] = [];
  if (s.type && !OPENAPI_V3_TYPES.includes(s.type)) errs.push(fieldError.notSupported(path.child(at, 'type'), s.type, OPENAPI_V3_TYPES));
  if (s.default !== undefined && s.default !== null && !o.allowDefaults) errs.push(fieldError.forbidden(path.child(at, 'default'), `must not be set${o.disallowDefaultsReason ? ` ${o.disallowDefaultsReason}` : ''}`));
  if (s.id) errs.push(fieldError.forbidden(path.child(at, 'id'), 'id is not supported'));
  if (s.additionalItems !== undefined && s.additionalItems !== null) errs.push(fieldError.forbidden(path.child(at, 'additionalItems'), 'additionalItems is not supported'));
  if (s.patternProperties && Object.keys(s.patternProperties).length) errs.push(fieldError.forbidden(path.child(at, 'patternProperties'), 'patternProperties is not supported'));
  if (s.definitions && Object.keys(s.definitions).length) errs.push(fieldError.forbidden(path.child(at, 'definitions'), 'definitions is not supported'));
  if (s.dependencies) errs.push(fieldError.forbidden(path.child(at, 'dependencies'), 'dependencies is not supported'));
  if (s.$ref !== undefined) errs.push(fieldError.forbidden(path.child(at, '$ref'), '$ref is not supported'));
  if (s.type === 'null') errs.push(fieldError.forbidden(path.child(at, 'type'), 'type cannot be set to null, use nullable as an alternative'));
  if (Array.isArray(s.items) && s.items.length) errs.push(fieldError.forbidden(path.child(at, 'items'), 'items must be a schema object and not an array'));
  if (o.insideResourceMeta && s['x-kubernetes-embedded-resource']) errs.push(fieldError.forbidden(path.child(at, 'x-kubernetes-embedded-resource'), 'must not be used inside of resource meta'));
  return errs;
}

const hasNewlines = (s: string) => /[\n\r]/.test(s);

/** The item schema of `items` when it is a schema. */
const itemSchema = (s: JSONSchemaProps) => (s.items && !Array.isArray(s.items) ? s.items : undefined);

function mapListKeysMapSet(s: JSONSchemaProps, at: FieldPath): FieldError[] {
  const items = itemSchema(s);
  const listType = s['x-kubernetes-list-type'];
  if (!items || (listType !== 'set' && listType !== 'map')) return [];
  const errs: FieldError[] = [];
  if (items.nullable) errs.push(fieldError.forbidden(path.child(at, 'items', 'nullable'), `cannot be nullable when x-kubernetes-list-type is ${listType}`));
  if (listType === 'map') {
    const required = new Set(items.required ?? []);
    for (const k of s['x-kubernetes-list-map-keys'] ?? []) {
      const property = items.properties?.[k];
      if (!property) continue;
      const keyPath = path.key(path.child(at, 'items', 'properties'), k);
      if (!required.has(k) && (property.default === undefined || property.default === null)) {
        errs.push(fieldError.required(path.child(keyPath, 'default'), 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
      }
      if (property.nullable) errs.push(fieldError.forbidden(path.child(keyPath, 'nullable'), 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable'));
    }
  }
  return errs;
}

interface SchemaErrors {
  schema: FieldError[];
  cel: FieldError[];
}

/** kube's ValidateCustomResourceDefinitionOpenAPISchema. */
function validateOpenAPISchema(s: JSONSchemaProps | undefined, at: FieldPath, o: NodeOptions, isRoot: boolean, opts: SchemaValidationOptions, cel: CelContext | undefined): SchemaErrors {
  const out: SchemaErrors = { schema: [], cel: [] };
  if (!s) return out;
  const append = (x: SchemaErrors) => {
    out.schema.push(...x.schema);
    out.cel.push(...x.cel);
  };
  out.schema.push(...standardErrors(s, at, o));
  if (s.uniqueItems) out.schema.push(fieldError.forbidden(path.child(at, 'uniqueItems'), 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (s.additionalProperties !== undefined && s.additionalProperties !== null) {
    const additional = isPlainObject(s.additionalProperties) ? (s.additionalProperties as JSONSchemaProps) : undefined;
    if (s.properties && Object.keys(s.properties).length && (s.additionalProperties === false || additional)) {
      out.schema.push(fieldError.forbidden(path.child(at, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'));
    }
    const sub = o.insideResourceMeta ? { ...o, allowDefaults: false, disallowDefaultsReason: 'inside additionalProperties applying to object metadata' } : o;
    append(validateOpenAPISchema(additional, path.child(at, 'additionalProperties'), sub, false, opts, childContext(cel, additional, additionalAccess)));
  }
  const mapType = s['x-kubernetes-map-type'];
  for (const [property, p] of sortedEntries(s.properties)) {
    let sub = o;
    if (!(mapType === undefined || mapType === 'granular' || mapType === 'atomic') && sub.uncorrelatablePath === undefined) sub = { ...sub, uncorrelatablePath: at };
    if ((isRoot || s['x-kubernetes-embedded-resource']) && META_FIELDS.has(property)) {
      sub = { ...sub, insideResourceMeta: true };
      if (isRoot) sub = { ...sub, allowDefaults: false, disallowDefaultsReason: `in top-level ${property}` };
    }
    append(validateOpenAPISchema(p, path.key(path.child(at, 'properties'), property), sub, false, opts, childContext(cel, p, propertyAccess(property))));
  }
  append(validateOpenAPISchema(s.not, path.child(at, 'not'), o, false, opts, undefined));
  s.allOf?.forEach((x, i) => append(validateOpenAPISchema(x, path.index(path.child(at, 'allOf'), i), o, false, opts, undefined)));
  s.oneOf?.forEach((x, i) => append(validateOpenAPISchema(x, path.index(path.child(at, 'oneOf'), i), o, false, opts, undefined)));
  s.anyOf?.forEach((x, i) => append(validateOpenAPISchema(x, path.index(path.child(at, 'anyOf'), i), o, false, opts, undefined)));
  for (const [name, d] of sortedEntries(s.definitions)) append(validateOpenAPISchema(d, path.key(path.child(at, 'definitions'), name), o, false, opts, undefined));
  if (s.items !== undefined && s.items !== null) {
    const listType = s['x-kubernetes-list-type'];
    const sub = listType !== 'map' && o.uncorrelatablePath === undefined ? { ...o, uncorrelatablePath: at } : o;
    if (Array.isArray(s.items)) s.items.forEach((x, i) => append(validateOpenAPISchema(x, path.index(path.child(at, 'items'), i), sub, false, opts, childContext(cel, x, itemsAccess))));
    else append(validateOpenAPISchema(s.items, path.child(at, 'items'), sub, false, opts, childContext(cel, s.items, itemsAccess)));
  }
  for (const [name, d] of sortedEntries(s.dependencies)) if (!Array.isArray(d)) append(validateOpenAPISchema(d, path.key(path.child(at, 'dependencies'), name), o, false, opts, undefined));

  const errs = out.schema;
  if (s['x-kubernetes-preserve-unknown-fields'] === false) errs.push(fieldError.invalid(path.child(at, 'x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'));
  if (mapType !== undefined && s.type !== 'object') {
    if (!s.type) errs.push(fieldError.required(path.child(at, 'type'), 'must be object if x-kubernetes-map-type is specified'));
    else errs.push(fieldError.invalid(path.child(at, 'type'), s.type, 'must be object if x-kubernetes-map-type is specified'));
  }
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular') errs.push(fieldError.notSupported(path.child(at, 'x-kubernetes-map-type'), mapType, ['atomic', 'granular']));
  const listType = s['x-kubernetes-list-type'];
  const items = itemSchema(s);
  if (listType !== undefined && s.type !== 'array') {
    if (!s.type) errs.push(fieldError.required(path.child(at, 'type'), 'must be array if x-kubernetes-list-type is specified'));
    else errs.push(fieldError.invalid(path.child(at, 'type'), s.type, 'must be array if x-kubernetes-list-type is specified'));
  } else if (listType === 'set' && items) {
    if (items.type === 'array' && items['x-kubernetes-list-type'] !== undefined && items['x-kubernetes-list-type'] !== 'atomic') {
      errs.push(fieldError.invalid(path.child(at, 'items', 'x-kubernetes-list-type'), items['x-kubernetes-list-type'], 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    } else if (items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
      errs.push(fieldError.invalid(path.child(at, 'items', 'x-kubernetes-map-type'), items['x-kubernetes-list-type'] ?? null, 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    }
  }
  if (listType !== undefined && !['atomic', 'set', 'map'].includes(listType)) errs.push(fieldError.notSupported(path.child(at, 'x-kubernetes-list-type'), listType, ['atomic', 'set', 'map']));
  const mapKeys = s['x-kubernetes-list-map-keys'] ?? [];
  if (mapKeys.length) {
    if (listType === undefined) errs.push(fieldError.required(path.child(at, 'x-kubernetes-list-type'), 'must be map if x-kubernetes-list-map-keys is non-empty'));
    else if (listType !== 'map') errs.push(fieldError.invalid(path.child(at, 'x-kubernetes-list-type'), listType, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  if (listType === 'map') {
    if (!mapKeys.length) errs.push(fieldError.required(path.child(at, 'x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'));
    if (s.items === undefined || s.items === null) errs.push(fieldError.required(path.child(at, 'items'), 'must have a schema if x-kubernetes-list-type is map'));
    if (Array.isArray(s.items)) errs.push(fieldError.invalid(path.child(at, 'items'), { Schema: null, JSONSchemas: s.items }, 'must only have a single schema if x-kubernetes-list-type is map'));
    if (items && items.type !== 'object') errs.push(fieldError.invalid(path.child(at, 'items', 'type'), items.type ?? '', "must be object if parent array's x-kubernetes-list-type is map"));
    if (items && items.type === 'object') {
      const seen = new Set<string>();
      for (const k of mapKeys) {
        const property = items.properties?.[k];
        if (property) {
          if (property.type === 'array' || property.type === 'object') {
            errs.push(fieldError.invalid(path.child(path.key(path.child(at, 'items', 'properties'), k), 'type'), items.type, "must be a scalar type if parent array's x-kubernetes-list-type is map"));
          }
        } else errs.push(fieldError.invalid(path.child(at, 'x-kubernetes-list-map-keys'), mapKeys, 'entries must all be names of item properties'));
        if (seen.has(k)) errs.push(fieldError.invalid(path.child(at, 'x-kubernetes-list-map-keys'), mapKeys, 'must not contain duplicate entries'));
        seen.add(k);
      }
    }
  }
  errs.push(...mapListKeysMapSet(s, at));

  const rules = s['x-kubernetes-validations'] ?? [];
  if (rules.length) {
    rules.forEach((rule, i) => {
      const rulePath = path.index(path.child(at, 'x-kubernetes-validations'), i);
      const trimmedRule = (rule.rule ?? '').trim();
      const trimmedMessage = (rule.message ?? '').trim();
      if (!trimmedRule) errs.push(fieldError.required(path.child(rulePath, 'rule'), 'rule is not specified'));
      else if (rule.message && !trimmedMessage) errs.push(fieldError.invalid(path.child(rulePath, 'message'), rule.message, 'must be non-empty if specified'));
      else if (hasNewlines(trimmedMessage)) errs.push(fieldError.invalid(path.child(rulePath, 'message'), rule.message, 'must not contain line breaks'));
      else if (hasNewlines(trimmedRule) && !trimmedMessage) errs.push(fieldError.required(path.child(rulePath, 'message'), 'message must be specified if rule contains line breaks'));
      if (rule.messageExpression && !rule.messageExpression.trim()) errs.push(fieldError.required(path.child(rulePath, 'messageExpression'), 'messageExpression must be non-empty if specified'));
      if (rule.reason !== undefined && rule.reason !== null && !VALIDATION_REASONS.includes(rule.reason)) errs.push(fieldError.notSupported(path.child(rulePath, 'reason'), rule.reason, VALIDATION_REASONS));
      const fp = rule.fieldPath ?? '';
      if (fp && !fp.trim()) errs.push(fieldError.invalid(path.child(rulePath, 'fieldPath'), fp, 'must be non-empty if specified'));
      if (hasNewlines(fp)) errs.push(fieldError.invalid(path.child(rulePath, 'fieldPath'), fp, 'must not contain line breaks'));
      if (fp && !pathValid(s, fp)) errs.push(fieldError.invalid(path.child(rulePath, 'fieldPath'), fp, 'must be a valid path'));
    });
    if (!out.schema.length && cel) out.cel.push(...celErrors(s, rules, at, o, opts, cel));
  }
  return out;
}

function pathValid(s: JSONSchemaProps, fp: string): boolean {
  try {
    return !('error' in validFieldPath(fp, newStructural(s)));
  } catch {
    return true;
  }
}

function celErrors(s: JSONSchemaProps, rules: ValidationRule[], at: FieldPath, o: NodeOptions, opts: SchemaValidationOptions, cel: CelContext): FieldError[] {
  const errs: FieldError[] = [];
  const info = typeInfo(cel);
  if (!info) {
    errs.push(fieldError.internal(path.child(at, 'x-kubernetes-validations'), 'internal error: failed to retrieve type information for x-kubernetes-validations'));
    return errs;
  }
  const compiled = compileRules(info.structural, rules, info.declType);
  if (compiled instanceof Error) return [fieldError.internal(path.child(at, 'x-kubernetes-validations'), compiled.message)];
  compiled.forEach((cr, i) => {
    const rulePath = path.index(path.child(at, 'x-kubernetes-validations'), i);
    const cost = expressionCost(cr, cel);
    if (!opts.suppressPerExpressionCost && cost > STATIC_ESTIMATED_COST_LIMIT) {
      errs.push(fieldError.forbidden(path.child(rulePath, 'rule'), estimatedCostError('estimated rule cost', { min: 0, max: cost }, STATIC_ESTIMATED_COST_LIMIT)!));
    }
    observe(cel.total, path.child(rulePath, 'rule'), cost);
    if (cr.error) {
      if (cr.error.type === 'required') errs.push(fieldError.required(path.child(rulePath, 'rule'), cr.error.detail));
      else errs.push(invalidRendered(path.child(rulePath, 'rule'), ruleValue(rules[i]), cr.error.detail));
    }
    if (cr.messageExpressionError) errs.push(invalidRendered(path.child(rulePath, 'messageExpression'), ruleValue(rules[i]), cr.messageExpressionError.detail));
    else if (cr.messageExpression) {
      if (!opts.suppressPerExpressionCost && cr.messageExpressionMaxCost > STATIC_ESTIMATED_COST_LIMIT) {
        errs.push(fieldError.forbidden(path.child(rulePath, 'messageExpression'), estimatedCostError('estimated messageExpression cost', { min: 0, max: cr.messageExpressionMaxCost }, STATIC_ESTIMATED_COST_LIMIT)!));
      }
      observe(cel.total, path.child(rulePath, 'messageExpression'), cr.messageExpressionMaxCost);
    }
    if (cr.usesOldSelf) {
      if (o.uncorrelatablePath !== undefined) {
        errs.push(fieldError.invalid(path.child(rulePath, 'rule'), rules[i].rule, `oldSelf cannot be used on the uncorrelatable portion of the schema within ${path.render(o.uncorrelatablePath)}`));
      }
    } else if (rules[i].optionalOldSelf !== undefined && rules[i].optionalOldSelf !== null) {
      errs.push(fieldError.invalid(path.child(rulePath, 'optionalOldSelf'), rules[i].optionalOldSelf, 'may not be set if oldSelf is not used in rule'));
    }
  });
  return errs;
}

/** The kinds of JSONSchemaProps' Go fields, for encoding the struct as Go does without JSON names. */
type GoFieldKind = 'string' | 'bool' | 'pointer' | 'slice' | 'schemas' | 'schema' | 'schemaMap' | 'items' | 'schemaOrBool' | 'dependencies' | 'docs' | 'rules';
const GO_FIELD_KINDS: Record<string, GoFieldKind> = {
  ID: 'string', Schema: 'string', Ref: 'pointer', Description: 'string', Type: 'string', Nullable: 'bool', Format: 'string', Title: 'string',
  Default: 'pointer', Maximum: 'pointer', ExclusiveMaximum: 'bool', Minimum: 'pointer', ExclusiveMinimum: 'bool', MaxLength: 'pointer',
  MinLength: 'pointer', Pattern: 'string', MaxItems: 'pointer', MinItems: 'pointer', UniqueItems: 'bool', MultipleOf: 'pointer', Enum: 'slice',
  MaxProperties: 'pointer', MinProperties: 'pointer', Required: 'slice', Items: 'items', AllOf: 'schemas', OneOf: 'schemas', AnyOf: 'schemas',
  Not: 'schema', Properties: 'schemaMap', AdditionalProperties: 'schemaOrBool', PatternProperties: 'schemaMap', Dependencies: 'dependencies',
  AdditionalItems: 'schemaOrBool', Definitions: 'schemaMap', ExternalDocs: 'docs', Example: 'pointer', XPreserveUnknownFields: 'pointer',
  XEmbeddedResource: 'bool', XIntOrString: 'bool', XListMapKeys: 'slice', XListType: 'pointer', XMapType: 'pointer', XValidations: 'rules',
};

/** A schema as kube prints it in a message: the internal Go struct, every field by its Go name, encoded by encoding/json. */
function schemaValue(s: JSONSchemaProps): string {
  const value = (kind: GoFieldKind, v: unknown): string => {
    const absent = v === undefined || v === null;
    switch (kind) {
      case 'string':
        return goJSON(absent ? '' : v);
      case 'bool':
        return absent ? 'false' : goJSON(v);
      case 'pointer':
      case 'slice':
        return absent ? 'null' : goJSON(v);
      case 'schema':
        return absent ? 'null' : schemaValue(v as JSONSchemaProps);
      case 'schemas':
        return absent ? 'null' : `[${(v as JSONSchemaProps[]).map(schemaValue).join(',')}]`;
      case 'schemaMap':
        return absent ? 'null' : `{${sortedEntries(v as Record<string, JSONSchemaProps>).map(([k, x]) => `${goJSON(k)}:${schemaValue(x)}`).join(',')}}`;
      case 'items':
        if (absent) return 'null';
        return Array.isArray(v) ? `{"Schema":null,"JSONSchemas":[${v.map(schemaValue).join(',')}]}` : `{"Schema":${schemaValue(v as JSONSchemaProps)},"JSONSchemas":null}`;
      case 'schemaOrBool':
        if (absent) return 'null';
        return typeof v === 'boolean' ? `{"Allows":${v},"Schema":null}` : `{"Allows":true,"Schema":${schemaValue(v as JSONSchemaProps)}}`;
      case 'dependencies':
        return absent
          ? 'null'
          : `{${sortedEntries(v as Record<string, JSONSchemaProps | string[]>)
              .map(([k, d]) => `${goJSON(k)}:${Array.isArray(d) ? `{"Schema":null,"Property":${goJSON(d)}}` : `{"Schema":${schemaValue(d)},"Property":null}`}`)
              .join(',')}}`;
      case 'docs': {
        const docs = v as JSONSchemaProps['externalDocs'];
        return absent ? 'null' : `{"Description":${goJSON(docs?.description ?? '')},"URL":${goJSON(docs?.url ?? '')}}`;
      }
      case 'rules':
        return absent ? 'null' : `[${(v as ValidationRule[]).map(ruleValue).join(',')}]`;
    }
  };
  return `{${GO_FIELDS.map(([goName, json]) => `${goJSON(goName)}:${value(GO_FIELD_KINDS[goName], s[json])}`).join(',')}}`;
}

/** kube's validateCustomResourceDefinitionValidation for one schema (`<fldPath>.openAPIV3Schema`). */
export function validateCustomResourceValidation(schema: JSONSchemaProps | undefined, fldPath: FieldPath, opts: SchemaValidationOptions): FieldError[] {
  if (!schema) return [];
  const at = path.child(fldPath, 'openAPIV3Schema');
  const errs: FieldError[] = [];
  if (opts.statusEnabled) {
    for (const [goName, json] of GO_FIELDS) {
      const v = schema[json];
      if (isZero(v)) continue;
      if (goName === 'Type') {
        if (schema.type !== 'object') {
          errs.push(fieldError.invalid(path.child(fldPath, 'openAPIV3Schema.type'), schema.type, 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled'));
          break;
        }
        continue;
      }
      if (!ALLOWED_AT_ROOT_WITH_STATUS.includes(goName)) {
        errs.push(invalidRendered(at, schemaValue(schema), `only [${ALLOWED_AT_ROOT_WITH_STATUS.join(' ')}] fields are allowed at the root of the schema if the status subresource is enabled`));
        break;
      }
    }
  }
  if (schema.nullable) errs.push(fieldError.forbidden(path.child(fldPath, 'openAPIV3Schema.nullable'), 'nullable cannot be true at the root'));

  let cel: CelContext | undefined;
  const initErrors: FieldError[] = [];
  let structural: Structural | undefined;
  try {
    structural = newStructural(schema);
  } catch (e) {
    if (!(e instanceof StructuralSchemaError)) throw e;
    initErrors.push(fieldError.invalid(at, '', e.message));
  }
  if (structural) {
    const notStructural = validateStructural(at, structural);
    if (notStructural.length) errs.push(...notStructural);
    else {
      const defaults = validateDefaults(at, structural, true, opts.requirePrunedDefaults ?? true);
      if (defaults.length) errs.push(...defaults);
      else cel = { withinRuleScope: Boolean(schema['x-kubernetes-validations']?.length), schema, isRoot: true, maxCardinality: 1, total: { total: 0, mostExpensive: [] } };
    }
  }
  const schemaErrors = validateOpenAPISchema(schema, at, { allowDefaults: true, insideResourceMeta: false }, true, opts, cel);
  errs.push(...schemaErrors.schema, ...schemaErrors.cel);
  if (!errs.length) errs.push(...initErrors);
  if (cel && cel.total.total > STATIC_ESTIMATED_CRD_COST_LIMIT) {
    for (const expensive of cel.total.mostExpensive) errs.push(fieldError.forbidden(expensive.path, 'contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema'));
    errs.push(fieldError.forbidden(at, estimatedCostError('x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema', { min: 0, max: cel.total.total }, STATIC_ESTIMATED_CRD_COST_LIMIT)!));
  }
  return errs;
}

/** The parts of a CRD's spec its schemas' checks read. */
export interface CustomResourceDefinitionSpecSchemas {
  versions?: {
    name?: string;
    schema?: { openAPIV3Schema?: JSONSchemaProps };
    subresources?: { status?: unknown; scale?: unknown };
  }[];
}

/** Whether all versions share one schema, which kube then keeps (and reports) once, at spec.validation. */
function identicalSchemas(versions: NonNullable<CustomResourceDefinitionSpecSchemas['versions']>): boolean {
  return versions.length > 0 && versions.every((v) => deepEqualJSON(v.schema ?? null, versions[0].schema ?? null));
}

/**
 * The errors of a CRD's schemas, as kube's CRD validation reports them (create, or an update with
 * `old`: a version whose schema is unchanged is not held to the per-expression cost limit, and its
 * unpruned defaults, if the old CRD had any, stay allowed).
 */
export function validateCustomResourceDefinitionSchemas(spec: CustomResourceDefinitionSpecSchemas, old?: CustomResourceDefinitionSpecSchemas): FieldError[] {
  const versions = spec.versions ?? [];
  const oldVersions = old?.versions ?? [];
  const requirePrunedDefaults = !old || !oldVersions.some((v) => v.schema?.openAPIV3Schema && hasUnprunedDefaults(v.schema.openAPIV3Schema));
  const unchanged = (v: (typeof versions)[number]) => oldVersions.some((o) => o.name === v.name && deepEqualJSON(o.schema ?? null, v.schema ?? null));
  if (identicalSchemas(versions)) {
    const statusEnabled = versions.some((v) => v.subresources?.status !== undefined && v.subresources?.status !== null);
    return validateCustomResourceValidation(versions[0].schema?.openAPIV3Schema, 'spec.validation', { statusEnabled, requirePrunedDefaults, suppressPerExpressionCost: old !== undefined && versions.every(unchanged) });
  }
  const errs: FieldError[] = [];
  versions.forEach((v, i) => {
    const statusEnabled = v.subresources?.status !== undefined && v.subresources?.status !== null;
    errs.push(...validateCustomResourceValidation(v.schema?.openAPIV3Schema, path.child(path.index('spec.versions', i), 'schema'), { statusEnabled, requirePrunedDefaults, suppressPerExpressionCost: old !== undefined && unchanged(v) }));
  });
  return errs;
}

function hasUnprunedDefaults(schema: JSONSchemaProps): boolean {
  try {
    const s = newStructural(schema);
    return validateDefaults(null, s, true, true).some((e) => e.detail.endsWith('must not have unknown fields'));
  } catch {
    return false;
  }
}

/** `unrecognized format "x"` for each string format kube does not validate (the CRD strategy's warnings). */
export function unrecognizedFormatWarnings(spec: CustomResourceDefinitionSpecSchemas, old?: CustomResourceDefinitionSpecSchemas): string[] {
  const formats = (sp: CustomResourceDefinitionSpecSchemas | undefined): string[] => {
    const versions = sp?.versions ?? [];
    const schemas = identicalSchemas(versions) ? [versions[0]?.schema?.openAPIV3Schema] : versions.map((v) => v.schema?.openAPIV3Schema);
    const out: string[] = [];
    for (const s of schemas) if (s) collectUnrecognizedFormats(s, out);
    return out;
  };
  const before = new Set(old ? formats(old) : []);
  return formats(spec)
    .filter((f) => !before.has(f))
    .map((f) => `unrecognized format ${JSON.stringify(f)}`);
}

function collectUnrecognizedFormats(s: JSONSchemaProps | undefined, out: string[]): void {
  if (!s || typeof s !== 'object') return;
  if (s.format && s.type === 'string' && !isSupportedFormat(s.format)) out.push(s.format);
  const items = s.items;
  if (Array.isArray(items)) items.forEach((x) => collectUnrecognizedFormats(x, out));
  else collectUnrecognizedFormats(items, out);
  for (const x of [...(s.allOf ?? []), ...(s.anyOf ?? []), ...(s.oneOf ?? [])]) collectUnrecognizedFormats(x, out);
  collectUnrecognizedFormats(s.not, out);
  for (const [, p] of sortedEntries(s.properties)) collectUnrecognizedFormats(p, out);
  if (isPlainObject(s.additionalProperties)) collectUnrecognizedFormats(s.additionalProperties as JSONSchemaProps, out);
  for (const [, p] of sortedEntries(s.patternProperties)) collectUnrecognizedFormats(p, out);
  if (isPlainObject(s.additionalItems)) collectUnrecognizedFormats(s.additionalItems as JSONSchemaProps, out);
  for (const [, p] of sortedEntries(s.definitions)) collectUnrecognizedFormats(p, out);
  for (const [, d] of sortedEntries(s.dependencies)) if (!Array.isArray(d)) collectUnrecognizedFormats(d, out);
}
