// Type errors: a value of the wrong JSON type for its field. kube-apiserver decodes a built-in kind
// into its Go types, and the first mismatch, in document order, fails the request with the Go JSON
// decoder's message: `json: cannot unmarshal string into Go struct field PodSpec.spec.replicas of
// type int32` (the innermost struct, the path of JSON field names from the root without list
// indices or map keys, and the Go type). Fields whose Go types decode themselves (times,
// quantities, int-or-strings, raw extensions) are left to their own rules.
import { INT_OR_STRING, QUANTITY, type GroupVersionKind, type Schema, type SchemaCatalogue } from './catalogue.js';

const INT32 = 2 ** 31;

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** The Go type of a field as the decoder prints it: `int32`, `[]v1.Container`, `map[string]string`. */
function goType(catalogue: SchemaCatalogue, schema: Schema): string {
  if (schema.$ref) {
    if (schema.$ref === QUANTITY) return 'resource.Quantity';
    if (schema.$ref === INT_OR_STRING) return 'intstr.IntOrString';
    return schema.$ref.split('.').slice(-2).join('.');
  }
  switch (schema.type) {
    case 'array':
      return `[]${schema.items ? goType(catalogue, schema.items) : 'interface {}'}`;
    case 'object':
      return schema.additionalProperties ? `map[string]${goType(catalogue, schema.additionalProperties)}` : 'map[string]interface {}';
    case 'integer':
      return schema.format === 'int32' || schema.format === 'int64' ? schema.format : 'int';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    default:
      return schema.format === 'byte' ? '[]uint8' : 'string';
  }
}

/** Whether a field's Go type has its own JSON decoding, so that the plain type rules do not apply. */
function decodesItself(declared: Schema, resolved: Schema): boolean {
  return declared.$ref === QUANTITY || declared.$ref === INT_OR_STRING || resolved.format === 'date-time' || resolved['x-kubernetes-preserve-unknown-fields'] === true;
}

function check(catalogue: SchemaCatalogue, declared: Schema, value: unknown, struct: string, field: string): string | undefined {
  const s = catalogue.resolve(declared);
  if (value === null || value === undefined || !s || decodesItself(declared, s)) return undefined;
  const kind = jsonKind(value);
  const fail = (what = kind) => `json: cannot unmarshal ${what} into Go struct field ${struct}.${field} of type ${goType(catalogue, declared)}`;
  switch (s.type) {
    case 'object': {
      if (kind !== 'object') return fail();
      const entries = Object.entries(value as Record<string, unknown>);
      if (s.properties) {
        const name = declared.$ref ? declared.$ref.split('.').pop()! : struct;
        for (const [key, v] of entries) {
          const property = s.properties[key];
          const error = property && check(catalogue, property, v, name, field ? `${field}.${key}` : key);
          if (error) return error;
        }
      } else if (s.additionalProperties) {
        for (const [, v] of entries) {
          const error = check(catalogue, s.additionalProperties, v, struct, field);
          if (error) return error;
        }
      }
      return undefined;
    }
    case 'array': {
      if (kind !== 'array') return fail();
      for (const item of value as unknown[]) {
        const error = s.items && check(catalogue, s.items, item, struct, field);
        if (error) return error;
      }
      return undefined;
    }
    case 'integer': {
      if (kind !== 'number') return fail();
      const n = value as number;
      const outOfRange = s.format === 'int32' && (n < -INT32 || n >= INT32);
      return Number.isInteger(n) && !outOfRange ? undefined : fail(`number ${String(n)}`);
    }
    case 'number':
      return kind === 'number' ? undefined : fail();
    case 'boolean':
      return kind === 'bool' ? undefined : fail();
    case 'string':
      return kind === 'string' ? undefined : fail();
    default:
      return undefined;
  }
}

/** The first type error of an object of a kind, in kube's words, or undefined. */
export function firstTypeError(catalogue: SchemaCatalogue, gvk: GroupVersionKind, obj: unknown): string | undefined {
  const name = catalogue.definitionName(gvk);
  return name ? check(catalogue, { $ref: name }, obj, gvk.kind, '') : undefined;
}
