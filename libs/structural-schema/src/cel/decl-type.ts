// The CEL type of a structural schema, as kube's SchemaDeclType builds it for x-kubernetes-validations:
// objects with properties are object types (their fields by escaped name; a property CEL cannot name
// is left out), additionalProperties a map with string keys, arrays lists, int-or-string dyn, and
// string formats bytes, durations and timestamps. An object without properties has no fields at all
// (`undefined field 'foo'`), a field without a type is left out. Each type carries the largest size
// the cost estimator assumes for it: the schema's maxLength (×4, in bytes), maxItems or
// maxProperties, else as many as the smallest serialized values would fit in a 3 MiB request.
import { MAX_REQUEST_SIZE_BYTES, T, type Type } from '@kapi/cel';
import { withTypeAndObjectMeta, type Structural } from '../structural.js';
import { escapeName } from './escaping.js';

/** A CEL type with what the estimator needs of it: the smallest JSON it can be written as. */
export interface DeclType {
  type: Type;
  minSerializedSize: number;
  /** The schema's fields by escaped name, for an object type. */
  fields?: Map<string, { type: DeclType; property: string }>;
  elem?: DeclType;
}

const MAX_DURATION_SIZE_JSON = 32;
const MAX_DATETIME_SIZE_JSON = 32;
const MIN_DURATION_SIZE_JSON = 3;
const JSON_DATE_SIZE = 12;
const MIN_DATETIME_SIZE_JSON = 21;
const MIN_STRING_SIZE = 2;
const MIN_BOOL_SIZE = 4;
const MIN_NUMBER_SIZE = 1;

const zeroIfNegative = (v: number) => (v < 0 ? 0 : v);
const unboundedString = MAX_REQUEST_SIZE_BYTES - 2;
const maxListItems = (minSize: number) => Math.floor((MAX_REQUEST_SIZE_BYTES - 2) / (minSize + 1));
const maxMapEntries = (minSize: number) => Math.floor((MAX_REQUEST_SIZE_BYTES - 2) / (minSize + 6));

function maxStringLength(s: Structural): number {
  if (s.xIntOrString) return unboundedString;
  switch (s.valueValidation?.format) {
    case 'duration':
      return MAX_DURATION_SIZE_JSON;
    case 'date':
      return JSON_DATE_SIZE;
    case 'date-time':
      return MAX_DATETIME_SIZE_JSON;
    default:
      return unboundedString;
  }
}

const simple = (type: Type, minSerializedSize: number): DeclType => ({ type, minSerializedSize });

/**
 * kube's SchemaDeclType; undefined for a schema CEL cannot type (an array without items, a
 * field without a type). `name` names object types (kube names them after the rule's scope).
 */
export function schemaDeclType(s: Structural | undefined, isResourceRoot: boolean, name = 'selfType'): DeclType | undefined {
  if (!s) return undefined;
  if (s.xIntOrString) {
    const maxLength = s.valueValidation?.maxLength;
    return simple({ ...T.dyn, maxSize: maxLength !== undefined ? zeroIfNegative(maxLength) * 4 : maxStringLength(s) }, 1);
  }
  const schema = isResourceRoot ? withTypeAndObjectMeta(s) : s;
  const v = schema.valueValidation;
  switch (schema.type) {
    case 'array': {
      if (!schema.items) return undefined;
      const items = schemaDeclType(schema.items, schema.items.xEmbeddedResource, `${name}.@idx`);
      if (!items) return undefined;
      const maxItems = v?.maxItems !== undefined ? zeroIfNegative(v.maxItems) : maxListItems(items.minSerializedSize);
      return { type: T.list(items.type, { maxSize: maxItems }), minSerializedSize: 2, elem: items };
    }
    case 'object': {
      const additional = schema.additionalProperties?.structural;
      if (additional) {
        const values = schemaDeclType(additional, additional.xEmbeddedResource, `${name}.@elem`);
        if (!values) return undefined;
        const maxProperties = v?.maxProperties !== undefined ? zeroIfNegative(v.maxProperties) : maxMapEntries(values.minSerializedSize);
        return { type: T.map({ ...T.string, maxSize: 0 }, values.type, { maxSize: maxProperties }), minSerializedSize: 2, elem: values };
      }
      const required = new Set(v?.required ?? []);
      const fields = new Map<string, { type: DeclType; property: string }>();
      const celFields = new Map<string, Type>();
      let minSerializedSize = 2;
      for (const [property, p] of Object.entries(schema.properties ?? {})) {
        const field = schemaDeclType(p, p.xEmbeddedResource, `${name}.${property}`);
        if (!field) continue;
        const escaped = escapeName(property);
        if (escaped !== undefined) {
          fields.set(escaped, { type: field, property });
          celFields.set(escaped, field.type);
        }
        if (required.has(property) && p.default === undefined) minSerializedSize += property.length + field.minSerializedSize + 4;
      }
      return { type: { ...T.object(name, celFields), maxSize: 0 }, minSerializedSize, fields };
    }
    case 'string':
      switch (v?.format) {
        case 'byte':
          return simple({ ...T.bytes, maxSize: v.maxLength !== undefined ? zeroIfNegative(v.maxLength) : maxStringLength(schema) }, MIN_STRING_SIZE);
        case 'duration':
          return simple({ ...T.duration, maxSize: maxStringLength(schema) }, MIN_DURATION_SIZE_JSON);
        case 'date':
          return simple({ ...T.timestamp, maxSize: maxStringLength(schema) }, JSON_DATE_SIZE);
        case 'date-time':
          return simple({ ...T.timestamp, maxSize: maxStringLength(schema) }, MIN_DATETIME_SIZE_JSON);
      }
      if (v?.maxLength !== undefined) return simple({ ...T.string, maxSize: zeroIfNegative(v.maxLength) * 4 }, MIN_STRING_SIZE);
      if (v?.enum?.length) return simple({ ...T.string, maxSize: Math.max(0, ...v.enum.map((e) => (typeof e === 'string' ? Buffer.byteLength(e) : 0))) }, MIN_STRING_SIZE);
      return simple({ ...T.string, maxSize: maxStringLength(schema) }, MIN_STRING_SIZE);
    case 'boolean':
      return simple(T.bool, MIN_BOOL_SIZE);
    case 'number':
      return simple(T.double, MIN_NUMBER_SIZE);
    case 'integer':
      return simple(T.int, MIN_NUMBER_SIZE);
    default:
      return undefined;
  }
}

/** How many values of a type a request could hold: the cardinality kube multiplies a rule's cost by when nothing bounds it. */
export function maxCardinality(minSerializedSize: number): number {
  return Math.floor(MAX_REQUEST_SIZE_BYTES / (minSerializedSize + 1));
}
