// A custom resource as CEL sees it in x-kubernetes-validations (kube's UnstructuredToVal): every
// value read through its schema, when it is read. Objects with properties answer to their escaped
// property names and treat a null field as absent; maps from additionalProperties answer to their
// keys; integers are ints and numbers doubles; strings with format byte, duration, date or date-time
// are bytes, durations and timestamps; lists of `x-kubernetes-list-type` set and map compare (and
// concatenate) as sets and keyed maps. A value that does not fit its schema is an error value.
import { CelBytes, CelDuration, CelError, CelMap, CelTimestamp, equals, withListSemantics, type ListSemantics, type Value } from '@kapi/cel';
import { parseDate, parseDateTime, parseDuration } from '../formats.js';
import { isPlainObject } from '../json-schema-props.js';
import { mapListKey } from '../list-map-keys.js';
import { withTypeAndObjectMeta, type Structural } from '../structural.js';
import { escapeName, unescapeName } from './escaping.js';

const goTypeOf = (v: unknown) => (typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? (Number.isInteger(v) ? 'int64' : 'float64') : Array.isArray(v) ? '[]interface {}' : 'map[string]interface {}');

/** An object or map of a custom resource, its values converted through their schemas when read. */
class SchemaMap extends CelMap {
  private readonly cache = new Map<string, Value>();

  constructor(
    readonly json: Record<string, unknown>,
    private readonly schema: Structural,
    /** The schema of a field, or undefined when the field has none (it is then invisible to CEL). */
    private readonly fieldSchema: (key: string) => Structural | undefined,
    /** Objects with properties: keys are escaped names, and null fields are absent. */
    private readonly isObject: boolean,
  ) {
    super();
  }

  get(key: Value): Value | undefined {
    if (typeof key !== 'string') return undefined;
    const k = this.isObject ? unescapeName(key) : key;
    if (k === undefined || !Object.hasOwn(this.json, k)) return undefined;
    const raw = this.json[k];
    if (raw === undefined || (this.isObject && raw === null)) return undefined;
    const s = this.fieldSchema(k);
    if (!s) return undefined;
    let v = this.cache.get(k);
    if (v === undefined) {
      // A value that does not fit its schema reads as an error value, which the interpreter propagates.
      v = toCelValue(raw, s) as Value;
      this.cache.set(k, v);
    }
    return v;
  }

  get size(): number {
    return Object.keys(this.json).length;
  }

  keys(): Value[] {
    const out: Value[] = [];
    for (const k of Object.keys(this.json)) {
      if (!this.fieldSchema(k) || (this.isObject && this.json[k] === null)) continue;
      out.push(this.isObject ? (escapeName(k) ?? k) : k);
    }
    return out;
  }

  /** The schema this map was read with (for equality of preserved values). */
  get structural(): Structural {
    return this.schema;
  }
}

/** The CEL value of a JSON value of a schema; an error value when the JSON does not fit the schema. */
export function toCelValue(x: unknown, schema: Structural): Value | CelError {
  if (x === null || x === undefined) return schema.nullable ? null : new CelError('invalid data, got null for schema with nullable=false');
  if (schema.xIntOrString) {
    if (typeof x === 'string') return x;
    if (typeof x === 'number' && Number.isInteger(x)) return BigInt(x);
    return new CelError('invalid data, expected XIntOrString value to be either a string or integer');
  }
  switch (schema.type) {
    case 'object': {
      if (!isPlainObject(x)) return new CelError('invalid data, expected a map for the provided schema with type=object');
      if (schema.xEmbeddedResource || schema.properties) {
        const s = schema.xEmbeddedResource ? withTypeAndObjectMeta(schema) : schema;
        return new SchemaMap(x, s, (k) => s.properties?.[k], true);
      }
      const additional = schema.additionalProperties?.structural;
      if (additional) return new SchemaMap(x, schema, () => additional, false);
      return new SchemaMap(x, schema, () => undefined, false);
    }
    case 'array': {
      if (!Array.isArray(x)) return new CelError('invalid data, expected an array for the provided schema with type=array');
      const items = schema.items;
      if (!items) return new CelError('invalid array type, expected Items with a non-empty Schema');
      const values = x.map((item) => toCelValue(item, items)) as Value[];
      switch (schema.xListType) {
        case 'map':
          return withListSemantics(values, mapListSemantics(schema.xListMapKeys ?? []));
        case 'set':
          return withListSemantics(values, SET_SEMANTICS);
        case undefined:
        case 'atomic':
          return values;
        default:
          return new CelError(`invalid x-kubernetes-list-type, expected 'map', 'set' or 'atomic' but got ${schema.xListType}`);
      }
    }
    case 'string': {
      if (typeof x !== 'string') return new CelError(`invalid data, expected string, got ${goTypeOf(x)}`);
      switch (schema.valueValidation?.format) {
        case 'duration': {
          const d = parseDuration(x);
          return d === undefined ? new CelError(`Invalid duration ${x}: unable to parse ${x} as duration`) : new CelDuration(d);
        }
        case 'date': {
          const t = parseDate(x);
          return t === undefined ? new CelError(`Invalid date formatted string ${x}: parsing time ${JSON.stringify(x)} as "2006-01-02": cannot parse ${JSON.stringify(x)} as "2006"`) : new CelTimestamp(t);
        }
        case 'date-time': {
          const t = parseDateTime(x);
          return t === undefined ? new CelError(`Invalid date-time formatted string ${x}: parsing time ${JSON.stringify(x)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(x)} as "2006"`) : new CelTimestamp(t);
        }
        case 'byte': {
          // strfmt.Base64 decodes with the URL alphabet.
          if (!/^[A-Za-z0-9_-]*={0,2}$/.test(x) || x.replace(/=+$/, '').length % 4 === 1) return new CelError(`Invalid byte formatted string ${x}: illegal base64 data at input byte 0`);
          return new CelBytes(Uint8Array.from(Buffer.from(x, 'base64url')));
        }
      }
      return x;
    }
    case 'number':
      return typeof x === 'number' ? x : new CelError(`invalid data, expected float, got ${goTypeOf(x)}`);
    case 'integer':
      return typeof x === 'number' && Number.isInteger(x) ? BigInt(x) : new CelError(`invalid data, expected int, got ${goTypeOf(x)}`);
    case 'boolean':
      return typeof x === 'boolean' ? x : new CelError(`invalid data, expected bool, got ${goTypeOf(x)}`);
  }
  if (schema.xPreserveUnknownFields) return preserved(x);
  return new CelError(`invalid type, expected object, array, number, integer, boolean or string, or no type with x-kubernetes-int-or-string or x-kubernetes-preserve-unknown-fields is true, got ${schema.type}`);
}

/** Data kept under x-kubernetes-preserve-unknown-fields without a type: comparable, nothing else. */
function preserved(x: unknown): Value {
  if (Array.isArray(x)) return x.map(preserved);
  if (isPlainObject(x)) return new SchemaMap(x, UNTYPED, () => UNTYPED, false);
  if (typeof x === 'number') return Number.isInteger(x) ? BigInt(x) : x;
  return x as Value;
}

const UNTYPED: Structural = { type: '', nullable: true, xPreserveUnknownFields: true, xEmbeddedResource: false, xIntOrString: false, xValidations: [] };

/** A set list: equal to a list with the same elements in any order; concatenation adds only new elements. */
const SET_SEMANTICS: ListSemantics = {
  equals: (self, other) => self.length === other.length && other.every((v) => self.some((x) => equals(x, v))),
  concat: (self, other) => {
    const out = [...self];
    for (const v of other) if (!out.some((x) => equals(x, v))) out.push(v);
    return withListSemantics(out, SET_SEMANTICS);
  },
};

/** A map list: items match by their list-map keys; concatenation replaces an item with the same keys, in place. */
function mapListSemantics(keys: readonly string[]): ListSemantics {
  const keyOf = (v: Value) => (v instanceof SchemaMap ? mapListKey(v.json, keys) : undefined);
  const semantics: ListSemantics = {
    equals: (self, other) => {
      if (self.length !== other.length) return false;
      const byKey = new Map<string, Value>();
      for (const x of self) {
        const k = keyOf(x);
        if (k !== undefined) byKey.set(k, x);
      }
      return other.every((v) => {
        const k = keyOf(v);
        const match = k === undefined ? undefined : byKey.get(k);
        return match !== undefined && equals(match, v);
      });
    },
    concat: (self, other) => {
      const out = [...self];
      const position = new Map<string, number>();
      self.forEach((x, i) => {
        const k = keyOf(x);
        if (k !== undefined) position.set(k, i);
      });
      for (const v of other) {
        const k = keyOf(v);
        const at = k === undefined ? undefined : position.get(k);
        if (at !== undefined) out[at] = v;
        else out.push(v);
      }
      return withListSemantics(out, semantics);
    },
  };
  return semantics;
}
