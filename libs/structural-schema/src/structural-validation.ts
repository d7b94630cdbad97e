// kube's ValidateStructural: whether a schema is structural, with its messages. Every field needs a
// type (or int-or-string / preserve-unknown-fields), arrays need items, additionalProperties is not
// for the root, the root's metadata may only restrict name and generateName, and the schemas nested
// in allOf/anyOf/oneOf/not may only validate values (`must be empty to be structural`). The errors
// come sorted by their text, as kube sorts them.
import type { FieldError } from '@kapi/api-machinery';
import { fieldError, path, renderError, type FieldPath } from './field-errors.js';
import { sortedEntries } from './json-schema-props.js';
import { compilePattern } from './patterns.js';
import type { Extensions, Generic, NestedValueValidation, Structural, ValueValidation } from './structural.js';

type Level = 'root' | 'item' | 'field';

export interface StructuralValidationOptions {
  /** AllowNestedAdditionalProperties (kube uses it for admission policies' schemas, not CRDs). */
  allowNestedAdditionalProperties?: boolean;
  allowNestedXValidations?: boolean;
  allowValidationPropertiesWithAdditionalProperties?: boolean;
}

/** The errors that make a schema not structural, sorted by their text; none for a structural one. */
export function validateStructural(fldPath: FieldPath, s: Structural, opts: StructuralValidationOptions = {}): FieldError[] {
  const errs = [...invariants(s, 'root', fldPath, opts), ...completeness(s, fldPath, opts)];
  return errs.sort((a, b) => {
    const x = renderError(a);
    const y = renderError(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

const isEmptyValueValidation = (v: ValueValidation | undefined): boolean =>
  !v ||
  (v.format === undefined &&
    v.maximum === undefined &&
    !v.exclusiveMaximum &&
    v.minimum === undefined &&
    !v.exclusiveMinimum &&
    v.maxLength === undefined &&
    v.minLength === undefined &&
    v.pattern === undefined &&
    v.maxItems === undefined &&
    v.minItems === undefined &&
    !v.uniqueItems &&
    v.multipleOf === undefined &&
    v.enum === undefined &&
    v.maxProperties === undefined &&
    v.minProperties === undefined &&
    v.required === undefined &&
    v.allOf === undefined &&
    v.oneOf === undefined &&
    v.anyOf === undefined &&
    v.not === undefined);

const isEmptyExtensions = (x: Extensions) => !x.xPreserveUnknownFields && !x.xEmbeddedResource && !x.xIntOrString && x.xListMapKeys === undefined && x.xListType === undefined && x.xMapType === undefined;

/** A nested schema that says nothing but `type: <t>`. */
function isOnlyType(v: NestedValueValidation, type: string): boolean {
  const g = v.forbiddenGenerics;
  return (
    isEmptyValueValidation(v.valueValidation) &&
    !v.xValidations.length &&
    !v.items &&
    !v.properties &&
    !v.additionalProperties &&
    g.type === type &&
    !g.description &&
    !g.title &&
    g.default === undefined &&
    !g.nullable &&
    isEmptyExtensions(v.forbiddenExtensions)
  );
}

const isIntOrStringAnyOf = (anyOf: NestedValueValidation[] | undefined) => anyOf?.length === 2 && isOnlyType(anyOf[0], 'integer') && isOnlyType(anyOf[1], 'string');

/** kube's isIntOrStringAnyOfPattern: `anyOf: [{type: integer}, {type: string}]`, which int-or-string may carry. */
export const hasIntOrStringAnyOf = (s: Structural) => isIntOrStringAnyOf(s.valueValidation?.anyOf);
/** The same pattern as the first allOf entry. */
export const hasIntOrStringAllOf = (s: Structural) => isIntOrStringAnyOf(s.valueValidation?.allOf?.[0]?.valueValidation.anyOf);

function invariants(s: Structural | undefined, lvl: Level, fldPath: FieldPath, opts: StructuralValidationOptions): FieldError[] {
  if (!s) return [];
  const errs: FieldError[] = [];
  if (s.type === 'array' && !s.items) errs.push(fieldError.required(path.child(fldPath, 'items'), 'must be specified'));
  errs.push(...invariants(s.items, 'item', path.child(fldPath, 'items'), opts));
  for (const [k, v] of sortedEntries(s.properties)) errs.push(...invariants(v, 'field', path.key(path.child(fldPath, 'properties'), k), opts));
  if (s.additionalProperties) {
    if (lvl === 'root') errs.push(fieldError.forbidden(path.child(fldPath, 'additionalProperties'), 'must not be used at the root'));
    if (s.additionalProperties.structural) errs.push(...invariants(s.additionalProperties.structural, 'field', path.child(fldPath, 'additionalProperties'), opts));
  }
  errs.push(...extensions(s, fldPath));
  errs.push(...valueValidation(s.valueValidation, hasIntOrStringAnyOf(s), hasIntOrStringAllOf(s), lvl, fldPath, opts));

  const checkMetadata = lvl === 'root' || s.xEmbeddedResource;
  if (s.xEmbeddedResource && s.type !== 'object') {
    if (!s.type) errs.push(fieldError.required(path.child(fldPath, 'type'), 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(fieldError.invalid(path.child(fldPath, 'type'), s.type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (!s.type && !s.xIntOrString && !s.xPreserveUnknownFields) {
    const detail = { root: 'must not be empty at the root', item: 'must not be empty for specified array items', field: 'must not be empty for specified object fields' }[lvl];
    errs.push(fieldError.required(path.child(fldPath, 'type'), detail));
  }
  if (s.xEmbeddedResource && s.additionalProperties) errs.push(fieldError.forbidden(path.child(fldPath, 'additionalProperties'), 'must not be used if x-kubernetes-embedded-resource is set'));
  if (lvl === 'root' && s.type && s.type !== 'object') errs.push(fieldError.invalid(path.child(fldPath, 'type'), s.type, 'must be object at the root'));

  const props = s.properties ?? {};
  if (checkMetadata && props.kind && props.kind.type !== 'string') errs.push(fieldError.invalid(path.child(path.key(path.child(fldPath, 'properties'), 'kind'), 'type'), props.kind.type, 'must be string'));
  if (checkMetadata && props.apiVersion && props.apiVersion.type !== 'string') {
    errs.push(fieldError.invalid(path.child(path.key(path.child(fldPath, 'properties'), 'apiVersion'), 'type'), props.apiVersion.type, 'must be string'));
  }
  if (props.metadata) errs.push(...metadataInvariants(props.metadata, checkMetadata, lvl, path.key(path.child(fldPath, 'properties'), 'metadata')));
  if (s.xEmbeddedResource && !s.xPreserveUnknownFields && !Object.keys(props).length) {
    errs.push(fieldError.required(path.child(fldPath, 'properties'), 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
  return errs;
}

function metadataInvariants(s: Structural, checkMetadata: boolean, lvl: Level, fldPath: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (checkMetadata && s.type !== 'object') errs.push(fieldError.invalid(path.child(fldPath, 'type'), s.type, 'must be object'));
  if (lvl === 'root') {
    // Only name and generateName may be restricted (their type and value validations aside, nothing else).
    const names = Object.keys(s.properties ?? {});
    const onlyNames = names.length > 0 && names.every((n) => n === 'name' || n === 'generateName');
    const rest: Structural = { ...s, type: '', default: undefined };
    const empty =
      (onlyNames || !s.properties) &&
      !rest.description &&
      !rest.title &&
      !rest.nullable &&
      isEmptyExtensions(rest) &&
      !rest.xValidations.length &&
      !rest.items &&
      !rest.additionalProperties &&
      isEmptyValueValidation(rest.valueValidation);
    if (!empty) errs.push(fieldError.forbidden(fldPath, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
  }
  return errs;
}

function extensions(x: Extensions, fldPath: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (x.xIntOrString && x.xPreserveUnknownFields) errs.push(fieldError.invalid(path.child(fldPath, 'x-kubernetes-preserve-unknown-fields'), x.xPreserveUnknownFields, 'must be false if x-kubernetes-int-or-string is true'));
  if (x.xIntOrString && x.xEmbeddedResource) errs.push(fieldError.invalid(path.child(fldPath, 'x-kubernetes-embedded-resource'), x.xEmbeddedResource, 'must be false if x-kubernetes-int-or-string is true'));
  return errs;
}

function valueValidation(v: ValueValidation | undefined, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, lvl: Level, fldPath: FieldPath, opts: StructuralValidationOptions): FieldError[] {
  if (!v) return [];
  const errs: FieldError[] = [];
  const withoutCEL = { ...opts, allowNestedXValidations: false };
  if (!skipAnyOf) v.anyOf?.forEach((x, i) => errs.push(...nested(x, false, lvl, path.index(path.child(fldPath, 'anyOf'), i), withoutCEL)));
  v.allOf?.forEach((x, i) => errs.push(...nested(x, skipFirstAllOfAnyOf && i === 0, lvl, path.index(path.child(fldPath, 'allOf'), i), opts)));
  v.oneOf?.forEach((x, i) => errs.push(...nested(x, false, lvl, path.index(path.child(fldPath, 'oneOf'), i), withoutCEL)));
  if (v.not) errs.push(...nested(v.not, false, lvl, path.child(fldPath, 'not'), withoutCEL));
  if (v.pattern) {
    const problem = compilePattern(v.pattern);
    if (typeof problem === 'string') errs.push(fieldError.invalid(path.child(fldPath, 'pattern'), v.pattern, `must be a valid regular expression, but isn't: ${problem}`));
  }
  return errs;
}

function nested(v: NestedValueValidation | undefined, skipAnyOf: boolean, lvl: Level, fldPath: FieldPath, opts: StructuralValidationOptions): FieldError[] {
  if (!v) return [];
  const errs: FieldError[] = [];
  errs.push(...valueValidation(v.valueValidation, skipAnyOf, false, lvl, fldPath, opts));
  errs.push(...nested(v.items, false, lvl, path.child(fldPath, 'items'), opts));
  for (const [k, p] of sortedEntries(v.properties)) errs.push(...nested(p, false, 'field', path.key(path.child(fldPath, 'properties'), k), opts));
  const g: Generic = v.forbiddenGenerics;
  const x = v.forbiddenExtensions;
  if (g.type) errs.push(fieldError.forbidden(path.child(fldPath, 'type'), 'must be empty to be structural'));
  if (v.additionalProperties && !opts.allowNestedAdditionalProperties) errs.push(fieldError.forbidden(path.child(fldPath, 'additionalProperties'), 'must be undefined to be structural'));
  else errs.push(...nested(v.additionalProperties, false, lvl, path.child(fldPath, 'additionalProperties'), opts));
  if (g.default !== undefined) errs.push(fieldError.forbidden(path.child(fldPath, 'default'), 'must be undefined to be structural'));
  if (g.title) errs.push(fieldError.forbidden(path.child(fldPath, 'title'), 'must be empty to be structural'));
  if (g.description) errs.push(fieldError.forbidden(path.child(fldPath, 'description'), 'must be empty to be structural'));
  if (g.nullable) errs.push(fieldError.forbidden(path.child(fldPath, 'nullable'), 'must be false to be structural'));
  if (x.xPreserveUnknownFields) errs.push(fieldError.forbidden(path.child(fldPath, 'x-kubernetes-preserve-unknown-fields'), 'must be false to be structural'));
  if (x.xEmbeddedResource) errs.push(fieldError.forbidden(path.child(fldPath, 'x-kubernetes-embedded-resource'), 'must be false to be structural'));
  if (x.xIntOrString) errs.push(fieldError.forbidden(path.child(fldPath, 'x-kubernetes-int-or-string'), 'must be false to be structural'));
  if (x.xListMapKeys?.length) errs.push(fieldError.forbidden(path.child(fldPath, 'x-kubernetes-list-map-keys'), 'must be empty to be structural'));
  if (x.xListType !== undefined) errs.push(fieldError.forbidden(path.child(fldPath, 'x-kubernetes-list-type'), 'must be undefined to be structural'));
  if (x.xMapType !== undefined) errs.push(fieldError.forbidden(path.child(fldPath, 'x-kubernetes-map-type'), 'must be undefined to be structural'));
  if (v.xValidations.length && !opts.allowNestedXValidations) errs.push(fieldError.forbidden(path.child(fldPath, 'x-kubernetes-validations'), 'must be empty to be structural'));
  if (v.properties?.metadata) errs.push(fieldError.forbidden(path.key(path.child(fldPath, 'properties'), 'metadata'), 'must not be specified in a nested context'));
  return errs;
}

/** Every property, item and additionalProperties a value validation names must be in the structural part. */
function completeness(s: Structural, fldPath: FieldPath, opts: StructuralValidationOptions): FieldError[] {
  return valueValidationCompleteness(s.valueValidation, s, fldPath, fldPath, opts);
}

function valueValidationCompleteness(v: ValueValidation | undefined, s: Structural | undefined, sPath: FieldPath, vPath: FieldPath, opts: StructuralValidationOptions): FieldError[] {
  if (!v) return [];
  if (!s) return [fieldError.required(sPath, `because it is defined in ${path.render(vPath)}`)];
  const errs: FieldError[] = [];
  errs.push(...nestedCompleteness(v.not, s, sPath, path.child(vPath, 'not'), opts));
  v.allOf?.forEach((x, i) => errs.push(...nestedCompleteness(x, s, sPath, path.index(path.child(vPath, 'allOf'), i), opts)));
  v.anyOf?.forEach((x, i) => errs.push(...nestedCompleteness(x, s, sPath, path.index(path.child(vPath, 'anyOf'), i), opts)));
  v.oneOf?.forEach((x, i) => errs.push(...nestedCompleteness(x, s, sPath, path.index(path.child(vPath, 'oneOf'), i), opts)));
  return errs;
}

function nestedCompleteness(v: NestedValueValidation | undefined, s: Structural | undefined, sPath: FieldPath, vPath: FieldPath, opts: StructuralValidationOptions): FieldError[] {
  if (!v) return [];
  if (!s) return [fieldError.required(sPath, `because it is defined in ${path.render(vPath)}`)];
  const errs: FieldError[] = [];
  errs.push(...valueValidationCompleteness(v.valueValidation, s, sPath, vPath, opts));
  errs.push(...nestedCompleteness(v.items, s.items, path.child(sPath, 'items'), path.child(vPath, 'items'), opts));
  const additional = s.additionalProperties?.structural;
  for (const [k, vFld] of sortedEntries(v.properties)) {
    const sFld = s.properties?.[k];
    if (!sFld) {
      if (!additional || !opts.allowValidationPropertiesWithAdditionalProperties) {
        errs.push(fieldError.required(path.key(path.child(sPath, 'properties'), k), `because it is defined in ${path.render(path.key(path.child(vPath, 'properties'), k))}`));
      } else {
        errs.push(...nestedCompleteness(vFld, additional, path.child(sPath, 'additionalProperties'), path.key(path.child(vPath, 'properties'), k), opts));
      }
    } else {
      errs.push(...nestedCompleteness(vFld, sFld, path.key(path.child(sPath, 'properties'), k), path.key(path.child(vPath, 'properties'), k), opts));
    }
  }
  if (v.additionalProperties && opts.allowNestedAdditionalProperties) {
    errs.push(...nestedCompleteness(v.additionalProperties, additional, path.child(sPath, 'additionalProperties'), path.child(vPath, 'additionalProperties'), opts));
  }
  return errs;
}
