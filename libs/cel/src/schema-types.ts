// The CEL type of an OpenAPI schema, as Kubernetes' SchemaDeclType derives it: objects with
// properties become object types with those fields, additionalProperties a map, arrays lists,
// int-or-string and preserve-unknown-fields dyn, and string formats bytes, durations and
// timestamps. Sizes (maxLength, maxItems, maxProperties) are carried for cost estimates; where a
// schema gives none, the largest a request could hold is assumed, as Kubernetes does.
import { MAX_REQUEST_SIZE_BYTES } from './cost-model.js';
import { T, type Type } from './types.js';

/** The parts of an OpenAPI v3 schema this reads. */
export interface OpenAPISchema {
  type?: string;
  format?: string;
  properties?: Record<string, OpenAPISchema>;
  additionalProperties?: OpenAPISchema | boolean;
  items?: OpenAPISchema;
  required?: string[];
  maxLength?: number;
  maxItems?: number;
  maxProperties?: number;
  $ref?: string;
  allOf?: OpenAPISchema[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [key: string]: unknown;
}

export interface SchemaTypeOptions {
  /** Follows a `$ref` to the schema it names. */
  resolve?: (ref: string) => OpenAPISchema | undefined;
  /** The root is a resource: apiVersion, kind and metadata.name/generateName are always there. */
  resourceRoot?: boolean;
}

const MAX_DEPTH = 32;
/** The serialized size of the smallest value of a type, for estimating how many fit in a request. */
function minSerializedSize(t: Type): number {
  switch (t.kind) {
    case 'string':
    case 'bytes':
      return 2;
    case 'bool':
      return 4;
    case 'list':
    case 'map':
    case 'object':
      return 2;
    case 'timestamp':
      return 22;
    case 'duration':
      return 4;
    default:
      return 1;
  }
}

const unboundedString = MAX_REQUEST_SIZE_BYTES - 2;
const unboundedItems = (elem: Type) => Math.floor((MAX_REQUEST_SIZE_BYTES - 2) / (minSerializedSize(elem) + 1));
const unboundedProperties = (value: Type) => Math.floor((MAX_REQUEST_SIZE_BYTES - 2) / (minSerializedSize(value) + 4));

export function schemaType(schema: OpenAPISchema, name: string, options: SchemaTypeOptions = {}): Type {
  const resolve = (s: OpenAPISchema | undefined): OpenAPISchema | undefined => {
    let current = s;
    for (let i = 0; i < 10 && current; i++) {
      if (current.$ref) current = { ...options.resolve?.(current.$ref), ...withoutRef(current) };
      else if (current.allOf?.length === 1 && !current.type) current = { ...resolve(current.allOf[0]), ...withoutAllOf(current) };
      else break;
    }
    return current;
  };

  const build = (raw: OpenAPISchema | undefined, typeName: string, depth: number, root: boolean): Type => {
    const s = resolve(raw);
    if (!s || depth > MAX_DEPTH) return T.dyn;
    if (s['x-kubernetes-int-or-string']) return T.dyn;
    const embedded = root || s['x-kubernetes-embedded-resource'] === true;
    switch (s.type) {
      case 'array': {
        const elem = build(s.items, `${typeName}.@idx`, depth + 1, false);
        return T.list(elem, { maxSize: s.maxItems ?? unboundedItems(elem) });
      }
      case 'object': {
        if (s.properties || embedded) {
          const fields = new Map<string, Type>();
          for (const [k, v] of Object.entries(s.properties ?? {})) fields.set(k, build(v, `${typeName}.${k}`, depth + 1, false));
          if (embedded) {
            if (!fields.has('apiVersion')) fields.set('apiVersion', T.string);
            if (!fields.has('kind')) fields.set('kind', T.string);
            const meta = fields.get('metadata');
            if (!meta || meta.kind !== 'object' || !meta.fields) fields.set('metadata', T.object(`${typeName}.metadata`, new Map([['name', T.string], ['generateName', T.string]])));
          }
          return { ...T.object(typeName, fields), maxSize: s.maxProperties };
        }
        if (s.additionalProperties && typeof s.additionalProperties === 'object') {
          const value = build(s.additionalProperties, `${typeName}.@elem`, depth + 1, false);
          return T.map(T.string, value, { maxSize: s.maxProperties ?? unboundedProperties(value) });
        }
        return T.dyn;
      }
      case 'string':
        switch (s.format) {
          case 'byte':
            return { ...T.bytes, maxSize: s.maxLength ?? unboundedString };
          case 'duration':
            return T.duration;
          case 'date':
          case 'date-time':
            return T.timestamp;
          default:
            return { ...T.string, maxSize: s.maxLength ?? unboundedString };
        }
      case 'integer':
        return T.int;
      case 'number':
        return T.double;
      case 'boolean':
        return T.bool;
      default:
        return T.dyn;
    }
  };
  return build(schema, name, 0, options.resourceRoot ?? false);
}

function withoutRef(s: OpenAPISchema): OpenAPISchema {
  const { $ref: _ref, ...rest } = s;
  return rest;
}

function withoutAllOf(s: OpenAPISchema): OpenAPISchema {
  const { allOf: _allOf, ...rest } = s;
  return rest;
}
