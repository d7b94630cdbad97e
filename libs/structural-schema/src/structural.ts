// kube's structural schema (apiextensions-apiserver pkg/apiserver/schema): the part of an OpenAPI v3
// schema that says what an object is — types, properties, items, additionalProperties and the
// x-kubernetes extensions — apart from the value validations (allOf, anyOf, oneOf, not and the
// scalar constraints), whose nested schemas may only constrain values, never declare shape.
// Pruning, defaulting, list types, CEL and server-side apply all walk this form.
import type { JSONSchemaProps, ValidationRule } from './json-schema-props.js';
import { isPlainObject } from './json-schema-props.js';

/** What kube calls Generic: the schema's type and the attributes that are not validations. */
export interface Generic {
  type: string;
  description?: string;
  title?: string;
  /** The default value; undefined when there is none (a `default: null` is none too). */
  default?: unknown;
  nullable: boolean;
}

export interface Extensions {
  xPreserveUnknownFields: boolean;
  xEmbeddedResource: boolean;
  xIntOrString: boolean;
  xListMapKeys?: string[];
  xListType?: string;
  xMapType?: string;
}

export interface ValueValidation {
  format?: string;
  maximum?: number;
  exclusiveMaximum: boolean;
  minimum?: number;
  exclusiveMinimum: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems: boolean;
  multipleOf?: number;
  enum?: unknown[];
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  allOf?: NestedValueValidation[];
  oneOf?: NestedValueValidation[];
  anyOf?: NestedValueValidation[];
  not?: NestedValueValidation;
}

/** A schema inside allOf/anyOf/oneOf/not: value validations only; what it may not say is kept to be reported. */
export interface NestedValueValidation {
  valueValidation: ValueValidation;
  xValidations: ValidationRule[];
  items?: NestedValueValidation;
  properties?: Record<string, NestedValueValidation>;
  additionalProperties?: NestedValueValidation;
  forbiddenGenerics: Generic;
  forbiddenExtensions: Extensions;
}

export interface StructuralOrBool {
  structural?: Structural;
  bool: boolean;
}

export interface Structural extends Generic, Extensions {
  items?: Structural;
  properties?: Record<string, Structural>;
  additionalProperties?: StructuralOrBool;
  xValidations: ValidationRule[];
  valueValidation?: ValueValidation;
}

/** A schema that cannot be made structural at all (kube's NewStructural error). */
export class StructuralSchemaError extends Error {}

function validateUnsupportedFields(s: JSONSchemaProps): void {
  const unsupported = (name: string) => {
    throw new StructuralSchemaError(`OpenAPIV3Schema '${name}' is not supported`);
  };
  if (s.id) unsupported('id');
  if (s.$schema) unsupported('schema');
  if (s.$ref) unsupported('$ref');
  if (s.patternProperties && Object.keys(s.patternProperties).length) unsupported('patternProperties');
  if (s.dependencies && Object.keys(s.dependencies).length) unsupported('dependencies');
  if (s.additionalItems !== undefined && s.additionalItems !== null) unsupported('additionalItems');
  if (s.definitions && Object.keys(s.definitions).length) unsupported('definitions');
}

function newGeneric(s: JSONSchemaProps): Generic {
  const g: Generic = { type: s.type ?? '', nullable: s.nullable === true };
  if (s.description) g.description = s.description;
  if (s.title) g.title = s.title;
  if (s.default !== undefined && s.default !== null) g.default = s.default;
  return g;
}

function newExtensions(s: JSONSchemaProps): Extensions {
  const preserve = s['x-kubernetes-preserve-unknown-fields'];
  if (preserve === false) throw new StructuralSchemaError("internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined");
  const x: Extensions = { xPreserveUnknownFields: preserve === true, xEmbeddedResource: s['x-kubernetes-embedded-resource'] === true, xIntOrString: s['x-kubernetes-int-or-string'] === true };
  if (s['x-kubernetes-list-map-keys']?.length) x.xListMapKeys = s['x-kubernetes-list-map-keys'];
  if (s['x-kubernetes-list-type'] !== undefined) x.xListType = s['x-kubernetes-list-type'];
  if (s['x-kubernetes-map-type'] !== undefined) x.xMapType = s['x-kubernetes-map-type'];
  return x;
}

function itemsSchema(s: JSONSchemaProps): JSONSchemaProps | undefined {
  if (s.items === undefined || s.items === null) return undefined;
  if (Array.isArray(s.items)) throw new StructuralSchemaError("OpenAPIV3Schema 'items' must be a schema, but is an array");
  return s.items;
}

function newValueValidation(s: JSONSchemaProps): ValueValidation {
  const v: ValueValidation = { exclusiveMaximum: s.exclusiveMaximum === true, exclusiveMinimum: s.exclusiveMinimum === true, uniqueItems: s.uniqueItems === true };
  if (s.format) v.format = s.format;
  if (typeof s.maximum === 'number') v.maximum = s.maximum;
  if (typeof s.minimum === 'number') v.minimum = s.minimum;
  if (typeof s.maxLength === 'number') v.maxLength = s.maxLength;
  if (typeof s.minLength === 'number') v.minLength = s.minLength;
  if (s.pattern) v.pattern = s.pattern;
  if (typeof s.maxItems === 'number') v.maxItems = s.maxItems;
  if (typeof s.minItems === 'number') v.minItems = s.minItems;
  if (typeof s.multipleOf === 'number') v.multipleOf = s.multipleOf;
  if (Array.isArray(s.enum)) v.enum = s.enum;
  if (typeof s.maxProperties === 'number') v.maxProperties = s.maxProperties;
  if (typeof s.minProperties === 'number') v.minProperties = s.minProperties;
  if (Array.isArray(s.required)) v.required = s.required;
  if (s.not) v.not = newNestedValueValidation(s.not);
  if (s.allOf?.length) v.allOf = s.allOf.map(newNestedValueValidation);
  if (s.anyOf?.length) v.anyOf = s.anyOf.map(newNestedValueValidation);
  if (s.oneOf?.length) v.oneOf = s.oneOf.map(newNestedValueValidation);
  return v;
}

function newNestedValueValidation(s: JSONSchemaProps): NestedValueValidation {
  validateUnsupportedFields(s);
  const v: NestedValueValidation = {
    valueValidation: newValueValidation(s),
    xValidations: s['x-kubernetes-validations'] ?? [],
    forbiddenGenerics: newGeneric(s),
    forbiddenExtensions: newExtensions(s),
  };
  const items = itemsSchema(s);
  if (items) v.items = newNestedValueValidation(items);
  if (s.properties) v.properties = Object.fromEntries(Object.entries(s.properties).map(([k, p]) => [k, newNestedValueValidation(p)]));
  if (isPlainObject(s.additionalProperties)) v.additionalProperties = newNestedValueValidation(s.additionalProperties as JSONSchemaProps);
  else if (s.additionalProperties === true) v.additionalProperties = emptyNestedValueValidation();
  return v;
}

const emptyNestedValueValidation = (): NestedValueValidation => ({
  valueValidation: { exclusiveMaximum: false, exclusiveMinimum: false, uniqueItems: false },
  xValidations: [],
  forbiddenGenerics: { type: '', nullable: false },
  forbiddenExtensions: { xPreserveUnknownFields: false, xEmbeddedResource: false, xIntOrString: false },
});

/** kube's NewStructural: the structural form of a schema, or a StructuralSchemaError. */
export function newStructural(s: JSONSchemaProps): Structural {
  validateUnsupportedFields(s);
  const out: Structural = { ...newGeneric(s), ...newExtensions(s), xValidations: s['x-kubernetes-validations'] ?? [], valueValidation: newValueValidation(s) };
  const items = itemsSchema(s);
  if (items) out.items = newStructural(items);
  if (s.properties && Object.keys(s.properties).length) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, p]) => [k, newStructural(p)]));
  if (isPlainObject(s.additionalProperties)) out.additionalProperties = { structural: newStructural(s.additionalProperties as JSONSchemaProps), bool: true };
  else if (typeof s.additionalProperties === 'boolean') out.additionalProperties = { bool: s.additionalProperties };
  return out;
}

/** The schema of a field of an object: its property, else additionalProperties' schema. */
export function fieldSchema(s: Structural | undefined, name: string): Structural | undefined {
  if (!s) return undefined;
  return s.properties?.[name] ?? s.additionalProperties?.structural;
}

/** A copy of a schema marked as an embedded resource, as kube treats a resource's root. */
export function asResourceRoot(s: Structural | undefined): Structural {
  const base: Structural = s ?? { type: '', nullable: false, xPreserveUnknownFields: false, xEmbeddedResource: false, xIntOrString: false, xValidations: [] };
  return base.xEmbeddedResource ? base : { ...base, xEmbeddedResource: true };
}

/** kube's WithTypeAndObjectMeta: a resource's schema with apiVersion, kind and metadata.name/generateName declared. */
export function withTypeAndObjectMeta(s: Structural): Structural {
  const p = s.properties;
  if (
    p?.kind?.type === 'string' &&
    p.apiVersion?.type === 'string' &&
    p.metadata?.type === 'object' &&
    p.metadata.properties?.name?.type === 'string' &&
    p.metadata.properties.generateName?.type === 'string'
  ) {
    return s;
  }
  const str = (): Structural => ({ type: 'string', nullable: false, xPreserveUnknownFields: false, xEmbeddedResource: false, xIntOrString: false, xValidations: [] });
  return {
    ...s,
    properties: {
      ...p,
      kind: str(),
      apiVersion: str(),
      metadata: { type: 'object', nullable: false, xPreserveUnknownFields: false, xEmbeddedResource: false, xIntOrString: false, xValidations: [], properties: { name: str(), generateName: str() } },
    },
  };
}
