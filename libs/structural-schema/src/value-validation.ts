// kube-openapi's schema validator (pkg/validation/validate), which kube runs on every custom
// resource, and apiextensions' translation of its errors into field errors. Its quirks are kube's
// behaviour and so kept: a value is checked by each validator that applies to its JSON kind (type,
// allOf/anyOf/oneOf/not, string, format, number, array, enum, object) in that order; an anyOf or
// oneOf that fails reports the alternative that matched most (its "match count"); an integer value
// is compared with a maximum or multipleOf truncated to an integer; an enum accepts a value that Go
// converts to one of its entries (1.5 for 1, 97 for "a"), and never null. Errors with the same text
// are reported once. Messages are the templates of kube-openapi's errors package.
import type { FieldError } from '@kapi/api-machinery';
import { fieldError, path, type FieldPath } from './field-errors.js';
import { checkFormat, isKnownFormat } from './formats.js';
import { goFloat, goJSON, goNumber, goQuote } from './go-format.js';
import { deepEqualJSON } from './json-equality.js';
import type { CorrelatedObject } from './correlation.js';
import { toOpenAPISchema, type OpenAPISchema } from './openapi-schema.js';
import type { Structural } from './structural.js';
import { compilePattern } from './patterns.js';

/** kube-openapi's error codes, by which apiextensions picks the field error type. */
export const enum Code {
  InvalidType = 600,
  Required,
  TooLong,
  TooShort,
  Pattern,
  Enum,
  MultipleOf,
  Max,
  Min,
  Unique,
  MaxItems,
  MinItems,
  NoAdditionalItems,
  TooFewProperties,
  TooManyProperties,
  UnallowedProperty,
  FailedAllPatternProps,
  MultipleOfMustBePositive,
  /** An error that is not a validation of one value (anyOf, oneOf, allOf, not). */
  Composite = 422,
}

/** A kube-openapi validation error: the value's path (`name`), and what failed. */
export interface OpenAPIError {
  code: Code;
  name: string;
  message: string;
  value?: unknown;
  /** The limit that was passed (maxLength, maxItems, maxProperties). */
  valid?: number;
  values?: unknown[];
}

/** A validation result: errors (each distinct text once), ratcheted errors, and how much matched. */
export class Result {
  errors: OpenAPIError[] = [];
  warnings: OpenAPIError[] = [];
  matchCount = 0;

  addErrors(...errs: (OpenAPIError | undefined)[]): void {
    for (const e of errs) if (e && !this.errors.some((x) => x.message === e.message)) this.errors.push(e);
  }
  addWarnings(...errs: OpenAPIError[]): void {
    for (const e of errs) if (!this.warnings.some((x) => x.message === e.message)) this.warnings.push(e);
  }
  merge(...others: (Result | undefined)[]): this {
    for (const o of others) {
      if (!o) continue;
      this.addErrors(...o.errors);
      this.addWarnings(...o.warnings);
      this.matchCount += o.matchCount;
    }
    return this;
  }
  /** Errors become warnings: what ratcheting does to an unchanged value's errors. */
  mergeAsWarnings(...others: Result[]): this {
    for (const o of others) {
      this.addWarnings(...o.errors, ...o.warnings);
      this.matchCount += o.matchCount;
    }
    return this;
  }
  get valid(): boolean {
    return this.errors.length === 0;
  }
  inc(): void {
    this.matchCount++;
  }
}

const single = (e: OpenAPIError): Result => {
  const r = new Result();
  r.errors.push(e);
  return r;
};

const IN = 'body';
/** `<path> in body`: kube-openapi's templates with `in`, which kube always sets (so the root reads ` in body`). */
const subject = (name: string) => `${name} in ${IN}`;

const err = {
  invalidType: (name: string, typeName: string, value: unknown): OpenAPIError => ({
    code: Code.InvalidType,
    name,
    value,
    message: typeof value === 'string' ? `${subject(name)} must be of type ${typeName}: ${goQuote(value)}` : `${subject(name)} must be of type ${typeName}`,
  }),
  required: (name: string): OpenAPIError => ({ code: Code.Required, name, message: `${subject(name)} is required` }),
  tooLong: (name: string, max: number, value: string): OpenAPIError => ({ code: Code.TooLong, name, value, valid: max, message: `${subject(name)} should be at most ${max} chars long` }),
  tooShort: (name: string, min: number, value: string): OpenAPIError => ({ code: Code.TooShort, name, value, valid: min, message: `${subject(name)} should be at least ${min} chars long` }),
  pattern: (name: string, pattern: string, value: string): OpenAPIError => ({ code: Code.Pattern, name, value, message: `${subject(name)} should match '${pattern}'` }),
  enumFail: (name: string, value: unknown, values: unknown[]): OpenAPIError => ({ code: Code.Enum, name, value, values, message: `${subject(name)} should be one of ${goValues(values)}` }),
  multipleOf: (name: string, factor: string, value: number): OpenAPIError => ({ code: Code.MultipleOf, name, value, message: `${subject(name)} should be a multiple of ${factor}` }),
  /** Its value is the factor, not the data. */
  multipleOfMustBePositive: (name: string, factor: string, value: number): OpenAPIError => ({
    code: Code.MultipleOfMustBePositive,
    name,
    value,
    message: `factor MultipleOf declared for ${name} must be positive: ${factor}`,
  }),
  maximum: (name: string, max: string, exclusive: boolean, value: number): OpenAPIError => ({
    code: Code.Max,
    name,
    value,
    message: `${subject(name)} should be less than ${exclusive ? '' : 'or equal to '}${max}`,
  }),
  minimum: (name: string, min: string, exclusive: boolean, value: number): OpenAPIError => ({
    code: Code.Min,
    name,
    value,
    message: `${subject(name)} should be greater than ${exclusive ? '' : 'or equal to '}${min}`,
  }),
  duplicateItems: (name: string): OpenAPIError => ({ code: Code.Unique, name, message: `${subject(name)} shouldn't contain duplicates` }),
  tooManyItems: (name: string, max: number, size: number): OpenAPIError => ({ code: Code.MaxItems, name, value: size, valid: max, message: `${subject(name)} should have at most ${max} items` }),
  tooFewItems: (name: string, min: number, size: number): OpenAPIError => ({ code: Code.MinItems, name, value: size, valid: min, message: `${subject(name)} should have at least ${min} items` }),
  tooFewProperties: (name: string, min: number, size: number): OpenAPIError => ({ code: Code.TooFewProperties, name, value: size, valid: min, message: `${subject(name)} should have at least ${min} properties` }),
  tooManyProperties: (name: string, max: number, size: number): OpenAPIError => ({ code: Code.TooManyProperties, name, value: size, valid: max, message: `${subject(name)} should have at most ${max} properties` }),
  propertyNotAllowed: (name: string, key: string): OpenAPIError => ({
    code: Code.UnallowedProperty,
    name,
    value: key,
    message: `${name}.${key} in ${IN} is a forbidden property`,
  }),
  composite: (message: string): OpenAPIError => ({ code: Code.Composite, name: '', message }),
};

/** Go's `%v` of a []interface{} of JSON values (the enum in a message kube never shows, kept for fidelity). */
function goValues(values: unknown[]): string {
  return `[${values.map((v) => (typeof v === 'number' ? goNumber(v) : typeof v === 'string' ? v : v === null ? '<nil>' : goJSON(v))).join(' ')}]`;
}

/** The Go kind of a JSON value in kube's unstructured objects. */
type Kind = 'string' | 'int64' | 'float64' | 'bool' | 'slice' | 'map';

function kindOf(v: unknown): Kind {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return isInt64(v) ? 'int64' : 'float64';
  if (Array.isArray(v)) return 'slice';
  return 'map';
}

const isInt64 = (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 63;

/** go-openapi swag's IsFloat64AJSONInteger (v0.23): integral, or within a relative 1e-9 above an integer. */
export function isFloat64AJSONInteger(f: number): boolean {
  if (!Number.isFinite(f) || f < -(2 ** 53 - 1) || f > 2 ** 53 - 1) return false;
  if (f === Math.trunc(f)) return true;
  // uint64(f) of a negative float is a huge number on amd64: never within the relative error.
  if (f < 0) return false;
  const g = Math.trunc(f);
  const diff = Math.abs(f - g);
  if (g === 0) return false;
  return diff / Math.min(f + g, Number.MAX_VALUE) < 1e-9;
}

/** What reflect.Value.Convert makes of a JSON value for an enum entry's Go type, or undefined if it cannot. */
function convertForEnum(data: unknown, entry: unknown): unknown {
  const d = kindOf(data);
  const e = kindOf(entry);
  if (d === e) return data;
  if ((d === 'int64' || d === 'float64') && (e === 'int64' || e === 'float64')) return e === 'int64' ? Math.trunc(data as number) : data;
  // Go converts an integer to the string of the code point it names.
  if (d === 'int64' && e === 'string') {
    const n = data as number;
    return n >= 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff) ? String.fromCodePoint(n) : '\ufffd';
  }
  return undefined;
}

/** Builds the validator of a property or an item; ratcheting replaces it to follow the old object along. */
export type SubValidatorFactory = (key: string | number, schema: OpenAPISchema, path: string) => { validate(value: unknown): Result };

export interface SchemaValidatorOptions {
  forField?: SubValidatorFactory;
  forIndex?: SubValidatorFactory;
}

const plain: SubValidatorFactory = (_key, s, p) => new SchemaValidator(s, p);

/** kube-openapi's SchemaValidator for one schema at one path. */
export class SchemaValidator {
  private readonly forField: SubValidatorFactory;
  private readonly forIndex: SubValidatorFactory;

  constructor(
    readonly schema: OpenAPISchema,
    readonly path: string,
    options: SchemaValidatorOptions = {},
  ) {
    this.forField = options.forField ?? plain;
    this.forIndex = options.forIndex ?? plain;
  }

  /** A validator for a nested schema (allOf, anyOf, …): never ratcheting, as kube passes no options on. */
  private nested(s: OpenAPISchema): SchemaValidator {
    return new SchemaValidator(s, this.path);
  }

  validate(data: unknown): Result {
    const result = new Result();
    if (data === null || data === undefined) {
      result.merge(this.typeValidator(null), this.enumValidator(null));
      return result;
    }
    const kind = kindOf(data);
    const s = this.schema;
    const steps: [boolean, () => Result | undefined][] = [
      [s.type.length > 0 || s.format !== '', () => this.typeValidator(data)],
      [true, () => this.schemaPropsValidator(data)],
      [kind === 'string', () => this.stringValidator(data as string)],
      [kind === 'string' && isKnownFormat(s.format), () => this.formatValidator(data as string)],
      [kind === 'int64' || kind === 'float64', () => this.numberValidator(data as number)],
      [kind === 'slice', () => this.sliceValidator(data as unknown[])],
      [true, () => this.enumValidator(data)],
      [kind === 'map', () => this.objectValidator(data as Record<string, unknown>)],
    ];
    for (const [applies, run] of steps) {
      if (!applies) continue;
      result.merge(run());
      result.inc();
    }
    result.inc();
    return result;
  }

  private typeValidator(data: unknown): Result {
    const s = this.schema;
    const result = new Result();
    result.inc();
    if (data === null) {
      if (s.type.length && !s.type.includes('null') && !s.nullable) return single(err.invalidType(this.path, s.type.join(','), 'null'));
      return result;
    }
    const kind = kindOf(data);
    const [schType, format] = schemaInfoForType(data);
    const isLowerInt = s.format === 'int64' && format === 'int32';
    const isLowerFloat = s.format === 'float64' && format === 'float32';
    const isFloatInt = schType === 'number' && isFloat64AJSONInteger(data as number) && s.type.includes('integer');
    const isIntFloat = schType === 'integer' && s.type.includes('number');
    if (kind !== 'string' && kind !== 'slice' && s.format !== '' && !(s.type.includes(schType) || format === s.format || isFloatInt || isIntFloat || isLowerInt || isLowerFloat)) {
      return single(err.invalidType(this.path, s.format, format));
    }
    if (!(s.type.includes('number') || s.type.includes('integer')) && s.format !== '' && (kind === 'string' || kind === 'slice')) return result;
    if (!(s.type.includes(schType) || isFloatInt || isIntFloat)) return single(err.invalidType(this.path, s.type.join(','), schType));
    return result;
  }

  private schemaPropsValidator(data: unknown): Result {
    const s = this.schema;
    const main = new Result();
    if (s.anyOf?.length) {
      let best: Result | undefined;
      let firstSuccess: Result | undefined;
      let succeeded = false;
      for (const alternative of s.anyOf) {
        const r = this.nested(alternative).validate(data);
        if (r.valid) {
          best = undefined;
          succeeded = true;
          firstSuccess ??= r;
          break;
        }
        if (!best || r.matchCount > best.matchCount) best = r;
      }
      if (!succeeded) main.addErrors(err.composite(`${goQuote(this.path)} must validate at least one schema (anyOf)`));
      if (best) main.merge(best);
      else if (firstSuccess) main.merge(firstSuccess);
    }
    if (s.oneOf?.length) {
      let best: Result | undefined;
      let firstSuccess: Result | undefined;
      let validated = 0;
      for (const alternative of s.oneOf) {
        const r = this.nested(alternative).validate(data);
        if (r.valid) {
          validated++;
          best = undefined;
          firstSuccess ??= r;
          continue;
        }
        if (validated === 0 && (!best || r.matchCount > best.matchCount)) best = r;
      }
      if (validated !== 1) {
        const more = validated === 0 ? 'Found none valid' : `Found ${validated} valid alternatives`;
        main.addErrors(err.composite(`${goQuote(this.path)} must validate one and only one schema (oneOf). ${more}`));
        if (best) main.merge(best);
      } else if (firstSuccess) main.merge(firstSuccess);
    }
    if (s.allOf?.length) {
      let validated = 0;
      for (const part of s.allOf) {
        const r = this.nested(part).validate(data);
        if (r.valid) validated++;
        main.merge(r);
      }
      if (validated !== s.allOf.length) main.addErrors(err.composite(`${goQuote(this.path)} must validate all the schemas (allOf)${validated === 0 ? '. None validated' : ''}`));
    }
    if (s.not && this.nested(s.not).validate(data).valid) main.addErrors(err.composite(`${goQuote(this.path)} must not validate the schema (not)`));
    main.inc();
    return main;
  }

  private stringValidator(data: string): Result | undefined {
    const s = this.schema;
    const length = [...data].length;
    if (s.maxLength !== undefined && length > s.maxLength) return single(err.tooLong(this.path, s.maxLength, data));
    if (s.minLength !== undefined && length < s.minLength) return single(err.tooShort(this.path, s.minLength, data));
    if (s.pattern) {
      const re = compilePattern(s.pattern);
      if (typeof re === 'string') return single(err.pattern(this.path, `${s.pattern}, but pattern is invalid: ${re}`, data));
      if (!re.matcher(data).find()) return single(err.pattern(this.path, s.pattern, data));
    }
    return undefined;
  }

  private formatValidator(data: string): Result | undefined {
    if (checkFormat(this.schema.format, data)) return undefined;
    return single(err.invalidType(this.path, this.schema.format, data));
  }

  private numberValidator(data: number): Result {
    const s = this.schema;
    const res = new Result();
    const isInt = isInt64(data);
    const multiple = new Result();
    const minimum = new Result();
    const maximum = new Result();
    if (s.multipleOf !== undefined) {
      if (isInt) {
        const factor = Math.trunc(s.multipleOf);
        if (factor <= 0) multiple.addErrors(err.multipleOfMustBePositive(this.path, goNumber(factor), factor));
        else if (data % factor !== 0) multiple.addErrors(err.multipleOf(this.path, goNumber(factor), data));
      } else {
        const factor = s.multipleOf;
        if (factor <= 0) multiple.addErrors(err.multipleOfMustBePositive(this.path, goFloat(factor), factor));
        else if (!isFloat64AJSONInteger(factor < 1 ? (1 / factor) * data : data / factor)) multiple.addErrors(err.multipleOf(this.path, goFloat(factor), data));
      }
    }
    if (s.maximum !== undefined) {
      const max = isInt ? Math.trunc(s.maximum) : s.maximum;
      if (s.exclusiveMaximum ? data >= max : data > max) maximum.addErrors(err.maximum(this.path, isInt ? goNumber(max) : goFloat(max), s.exclusiveMaximum, data));
    }
    if (s.minimum !== undefined) {
      const min = isInt ? Math.trunc(s.minimum) : s.minimum;
      if (s.exclusiveMinimum ? data <= min : data < min) minimum.addErrors(err.minimum(this.path, isInt ? goNumber(min) : goFloat(min), s.exclusiveMinimum, data));
    }
    res.merge(multiple, minimum, maximum);
    res.inc();
    return res;
  }

  private sliceValidator(data: unknown[]): Result {
    const s = this.schema;
    const result = new Result();
    if (s.items) data.forEach((item, i) => result.merge(this.forIndex(i, s.items!, `${this.path}[${i}]`).validate(item)));
    if (s.minItems !== undefined && data.length < s.minItems) result.addErrors(err.tooFewItems(this.path, s.minItems, data.length));
    if (s.maxItems !== undefined && data.length > s.maxItems) result.addErrors(err.tooManyItems(this.path, s.maxItems, data.length));
    if (s.uniqueItems && hasDuplicates(data)) result.addErrors(err.duplicateItems(this.path));
    result.inc();
    return result;
  }

  private enumValidator(data: unknown): Result | undefined {
    const values = this.schema.enum;
    if (!values?.length) return undefined;
    if (data !== null && data !== undefined) {
      for (const entry of values) {
        if (entry === null || entry === undefined) continue;
        const converted = convertForEnum(data, entry);
        if (converted !== undefined && deepEqualJSON(converted, entry)) return undefined;
      }
    }
    return single(err.enumFail(this.path, data ?? null, values));
  }

  private objectValidator(data: Record<string, unknown>): Result {
    const s = this.schema;
    const res = new Result();
    const keys = Object.keys(data).sort();
    if (s.minProperties !== undefined && keys.length < s.minProperties) res.addErrors(err.tooFewProperties(this.path, s.minProperties, keys.length));
    if (s.maxProperties !== undefined && keys.length > s.maxProperties) res.addErrors(err.tooManyProperties(this.path, s.maxProperties, keys.length));
    const declared = s.propertyNames;
    if (s.additionalProperties && !s.additionalProperties.allows) {
      for (const k of keys) if (!declared?.has(k)) res.addErrors(err.propertyNotAllowed(this.path, k));
    } else if (s.additionalProperties?.schema) {
      for (const k of keys) {
        if (declared?.has(k)) continue;
        res.merge(this.forField(k, s.additionalProperties.schema, `${this.path}.${k}`).validate(data[k]));
      }
    }
    for (const [name, property] of s.properties ?? []) {
      if (!Object.hasOwn(data, name) || data[name] === undefined) continue;
      res.merge(this.forField(name, property, this.path === '' ? name : `${this.path}.${name}`).validate(data[name]));
    }
    for (const k of s.required ?? []) if (!Object.hasOwn(data, k) || data[k] === undefined) res.addErrors(err.required(`${this.path}.${k}`));
    return res;
  }
}

/** kube-openapi's schemaInfoForType: the OpenAPI type and format of a JSON value. */
function schemaInfoForType(data: unknown): [string, string] {
  switch (kindOf(data)) {
    case 'bool':
      return ['boolean', ''];
    case 'string':
      return ['string', ''];
    case 'int64':
      return ['integer', 'int64'];
    case 'float64':
      return ['number', 'float64'];
    case 'slice':
      return ['array', ''];
    default:
      return ['object', ''];
  }
}

/** reflect.DeepEqual over the items; JSON numbers compare by value and kind, as int64 and float64 do. */
function hasDuplicates(items: unknown[]): boolean {
  const seen = new Set<string>();
  for (const item of items) {
    const key = typeof item === 'number' ? `${kindOf(item)}:${item}` : goJSON(item);
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}

/** apiextensions' kubeOpenAPIResultToFieldErrors: kube-openapi's errors as field errors under a path. */
export function toFieldErrors(fldPath: FieldPath, result: Result): FieldError[] {
  const out: FieldError[] = [];
  for (const e of result.errors) {
    if (e.code === Code.Composite) {
      out.push(fieldError.invalid(fldPath, '', e.message));
      continue;
    }
    const errPath = e.name && e.name !== '.' ? path.child(fldPath, e.name.startsWith('.') ? e.name.slice(1) : e.name) : fldPath;
    const value = e.value ?? '';
    switch (e.code) {
      case Code.Required:
        out.push(fieldError.required(errPath, ''));
        break;
      case Code.Enum:
        out.push(fieldError.notSupported(errPath, e.value ?? null, (e.values ?? []).map((v) => (typeof v === 'string' ? v : goJSON(v)))));
        break;
      case Code.TooLong:
        out.push(fieldError.tooLong(errPath, e.valid ?? -1));
        break;
      case Code.MaxItems:
      case Code.TooManyProperties:
        out.push(fieldError.tooMany(errPath, typeof e.value === 'number' ? e.value : -1, e.valid ?? -1));
        break;
      case Code.InvalidType:
        out.push(fieldError.typeInvalid(errPath, value, e.message));
        break;
      default:
        out.push(fieldError.invalid(errPath, value, e.message));
    }
  }
  return out;
}

/**
 * kube's ratcheting schema validator (CRDValidationRatcheting, on by default): validates the new
 * value, following the old one along properties, map entries and map-list items; the errors of a
 * value that is unchanged from the old object are dropped (kept as warnings of the result, which
 * kube does not report). Nested allOf/anyOf/oneOf/not schemas validate without ratcheting, as in kube.
 */
export function validateRatcheting(schema: OpenAPISchema, correlation: CorrelatedObject, at = ''): Result {
  const follow = (child: CorrelatedObject | undefined, s: OpenAPISchema, p: string) => (child ? { validate: () => validateRatcheting(s, child, p) } : new SchemaValidator(s, p));
  const validator = new SchemaValidator(schema, at, {
    forField: (key, s, p) => follow(at === '' && (key === 'kind' || key === 'apiVersion') ? undefined : correlation.key(String(key)), s, p),
    forIndex: (i, s, p) => follow(correlation.index(Number(i)), s, p),
  });
  const res = validator.validate(correlation.value);
  if (res.valid || !correlation.unchanged()) return res;
  return new Result().mergeAsWarnings(res);
}

/** A custom resource's schema validator: the CRD version's schema as kube-openapi checks it. */
export class CustomResourceValueValidator {
  readonly schema: OpenAPISchema;

  constructor(structural: Structural) {
    this.schema = toOpenAPISchema(structural, { forCustomResources: true });
  }

  /** ValidateCustomResource: the errors of a value, under a path (null for the object's root). */
  validate(value: unknown, fldPath: FieldPath = null): FieldError[] {
    return toFieldErrors(fldPath, new SchemaValidator(this.schema, '').validate(value));
  }

  /** ValidateCustomResourceUpdate with ratcheting: errors of values unchanged from the old object are not reported. */
  validateUpdate(correlation: CorrelatedObject, fldPath: FieldPath = null): FieldError[] {
    return toFieldErrors(fldPath, validateRatcheting(this.schema, correlation));
  }
}
