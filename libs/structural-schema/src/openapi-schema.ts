// The OpenAPI schema a custom resource is validated against, in the shape kube-openapi's validator
// reads (spec.Schema): a type list, the value validations, and properties, items,
// additionalProperties, allOf/anyOf/oneOf/not as schemas. kube builds it from the CRD's
// JSONSchemaProps (int-or-string becomes `type: [integer, string]`, unsupported formats are
// dropped); for checking a default it builds it from the structural schema as it is. Both come from
// the structural form here, which holds everything a structural schema may say.
import { isSupportedFormat } from './formats.js';
import { sortedEntries, type ValidationRule } from './json-schema-props.js';
import type { NestedValueValidation, Structural, ValueValidation } from './structural.js';

export interface OpenAPISchema extends Omit<ValueValidation, 'format' | 'allOf' | 'anyOf' | 'oneOf' | 'not'> {
  type: string[];
  nullable: boolean;
  format: string;
  /** In name order: kube walks a Go map of them, whose order is random; by name is one of its orders. */
  properties?: [string, OpenAPISchema][];
  propertyNames?: Set<string>;
  additionalProperties?: { allows: boolean; schema?: OpenAPISchema };
  items?: OpenAPISchema;
  allOf?: OpenAPISchema[];
  anyOf?: OpenAPISchema[];
  oneOf?: OpenAPISchema[];
  not?: OpenAPISchema;
  xValidations?: ValidationRule[];
}

export interface OpenAPISchemaOptions {
  /** Custom resources: int-or-string is `type: [integer, string]` and formats kube does not support are dropped. */
  forCustomResources: boolean;
}

function applyValueValidation(out: OpenAPISchema, v: ValueValidation | undefined, opts: OpenAPISchemaOptions): void {
  if (!v) return;
  out.format = v.format ?? '';
  if (opts.forCustomResources && out.format && !isSupportedFormat(out.format)) out.format = '';
  if (v.enum) out.enum = v.enum;
  out.maximum = v.maximum;
  out.exclusiveMaximum = v.exclusiveMaximum;
  out.minimum = v.minimum;
  out.exclusiveMinimum = v.exclusiveMinimum;
  out.multipleOf = v.multipleOf;
  out.maxLength = v.maxLength;
  out.minLength = v.minLength;
  out.pattern = v.pattern;
  out.maxItems = v.maxItems;
  out.minItems = v.minItems;
  out.uniqueItems = v.uniqueItems;
  out.maxProperties = v.maxProperties;
  out.minProperties = v.minProperties;
  out.required = v.required;
  if (v.allOf) out.allOf = v.allOf.map((x) => fromNested(x, opts));
  if (v.anyOf) out.anyOf = v.anyOf.map((x) => fromNested(x, opts));
  if (v.oneOf) out.oneOf = v.oneOf.map((x) => fromNested(x, opts));
  if (v.not) out.not = fromNested(v.not, opts);
}

const empty = (): OpenAPISchema => ({ type: [], nullable: false, format: '', exclusiveMaximum: false, exclusiveMinimum: false, uniqueItems: false });

function withProperties<T>(out: OpenAPISchema, props: Record<string, T> | undefined, convert: (t: T) => OpenAPISchema): void {
  if (!props) return;
  out.properties = sortedEntries(props).map(([k, p]) => [k, convert(p)]);
  out.propertyNames = new Set(Object.keys(props));
}

function fromNested(v: NestedValueValidation, opts: OpenAPISchemaOptions): OpenAPISchema {
  const out = empty();
  applyValueValidation(out, v.valueValidation, opts);
  const g = v.forbiddenGenerics;
  if (g.type) out.type = [g.type];
  out.nullable = g.nullable;
  if (v.items) out.items = fromNested(v.items, opts);
  withProperties(out, v.properties, (p) => fromNested(p, opts));
  if (v.additionalProperties) out.additionalProperties = { allows: true, schema: fromNested(v.additionalProperties, opts) };
  if (v.xValidations.length) out.xValidations = v.xValidations;
  return out;
}

/** The schema kube-openapi validates against, from a structural schema. */
export function toOpenAPISchema(s: Structural, opts: OpenAPISchemaOptions): OpenAPISchema {
  const out = empty();
  applyValueValidation(out, s.valueValidation, opts);
  if (s.type) out.type = [s.type];
  if (s.xIntOrString && opts.forCustomResources) out.type = ['integer', 'string'];
  out.nullable = s.nullable;
  if (s.items) out.items = toOpenAPISchema(s.items, opts);
  withProperties(out, s.properties, (p) => toOpenAPISchema(p, opts));
  if (s.additionalProperties) {
    out.additionalProperties = { allows: s.additionalProperties.bool, ...(s.additionalProperties.structural ? { schema: toOpenAPISchema(s.additionalProperties.structural, opts) } : {}) };
  }
  if (s.xValidations.length) out.xValidations = s.xValidations;
  return out;
}
