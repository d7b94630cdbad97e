// /openapi/v2 as protobuf: kubectl asks for `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`
// and reads the answer as gnostic's `openapi.v2.Document` message. This encodes the JSON document
// into that message, field by field; vendor extensions (`x-kubernetes-…`) travel as YAML text, of
// which JSON is a subset.
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** The Content-Type kube-apiserver answers with (no `@`: a media type may not carry one unquoted). */
export const OPENAPI_V2_PROTOBUF_RESPONSE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

type Json = Record<string, unknown>;
type Encode = (w: BinaryWriter, value: Json) => void;

const LD = WireType.LengthDelimited;

function str(w: BinaryWriter, field: number, value: unknown): void {
  if (typeof value === 'string' && value !== '') w.tag(field, LD).string(value);
}

function strs(w: BinaryWriter, field: number, values: unknown): void {
  if (Array.isArray(values)) for (const v of values) w.tag(field, LD).string(String(v));
}

function bool(w: BinaryWriter, field: number, value: unknown): void {
  if (value === true) w.tag(field, WireType.Varint).bool(true);
}

function message(w: BinaryWriter, field: number, value: unknown, encode: Encode): void {
  if (value === undefined || value === null) return;
  w.tag(field, LD).fork();
  encode(w, value as Json);
  w.join();
}

/** `repeated Named<X>` pairs: field 1 the name, field 2 the value. */
function named(w: BinaryWriter, field: number, map: unknown, encode: Encode): void {
  for (const [name, value] of Object.entries((map as Json | undefined) ?? {})) {
    message(w, field, value, (inner, v) => {
      inner.tag(1, LD).string(name);
      message(inner, 2, v, encode);
    });
  }
}

function vendorExtensions(w: BinaryWriter, field: number, obj: Json): void {
  for (const [name, value] of Object.entries(obj)) {
    if (!name.startsWith('x-')) continue;
    // NamedAny { name = 1; Any value = 2 }, Any { string yaml = 2 }
    message(w, field, value, (inner) => {
      inner.tag(1, LD).string(name);
      inner.tag(2, LD).fork().tag(2, LD).string(JSON.stringify(value)).join();
    });
  }
}

const encodeSchema: Encode = (w, s) => {
  str(w, 1, s.$ref);
  str(w, 2, s.format);
  str(w, 4, s.description);
  strs(w, 19, s.required);
  if (s.additionalProperties !== undefined) {
    message(w, 21, s.additionalProperties, (inner, v) => {
      if (typeof v === 'boolean') inner.tag(2, WireType.Varint).bool(v);
      else message(inner, 1, v, encodeSchema);
    });
  }
  if (s.type !== undefined) message(w, 22, { value: [s.type].flat() }, (inner, v) => strs(inner, 1, v.value));
  if (s.items !== undefined) message(w, 23, s.items, (inner, v) => message(inner, 1, v, encodeSchema));
  if (Array.isArray(s.allOf)) for (const part of s.allOf) message(w, 24, part, encodeSchema);
  if (s.properties !== undefined) message(w, 25, s.properties, (inner, props) => named(inner, 1, props, encodeSchema));
  vendorExtensions(w, 31, s);
};

const encodeParameter: Encode = (w, p) => {
  // ParametersItem { Parameter parameter = 1 } ; Parameter { BodyParameter = 1 | NonBodyParameter = 2 }
  message(w, 1, p, (param, v) => {
    if (v.in === 'body') {
      message(param, 1, v, (b, body) => {
        str(b, 1, body.description);
        str(b, 2, body.name);
        str(b, 3, body.in);
        bool(b, 4, body.required);
        message(b, 5, body.schema, encodeSchema);
      });
      return;
    }
    // NonBodyParameter { query = 3 | path = 4 }; the sub-schemas share the first fields.
    message(param, 2, v, (nb, sub) => {
      const query = sub.in === 'query';
      message(nb, query ? 3 : 4, sub, (x, q) => {
        bool(x, 1, q.required);
        str(x, 2, q.in);
        str(x, 3, q.description);
        str(x, 4, q.name);
        str(x, query ? 6 : 5, q.type);
        bool(x, query ? 20 : 19, q.uniqueItems);
      });
    });
  });
};

const encodeResponse: Encode = (w, r) => {
  // ResponseValue { Response response = 1 }; Response { description = 1; SchemaItem schema = 2 }
  message(w, 1, r, (resp, v) => {
    str(resp, 1, v.description);
    message(resp, 2, v.schema, (item, schema) => message(item, 1, schema, encodeSchema));
  });
};

const encodeOperation: Encode = (w, op) => {
  strs(w, 1, op.tags);
  str(w, 3, op.description);
  str(w, 5, op.operationId);
  strs(w, 6, op.produces);
  strs(w, 7, op.consumes);
  for (const p of (op.parameters as Json[] | undefined) ?? []) message(w, 8, p, encodeParameter);
  message(w, 9, op.responses, (inner, responses) => named(inner, 1, responses, encodeResponse));
  strs(w, 10, op.schemes);
  vendorExtensions(w, 13, op);
};

const PATH_ITEM_FIELDS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

const encodePathItem: Encode = (w, item) => {
  for (const [method, field] of Object.entries(PATH_ITEM_FIELDS)) message(w, field, item[method], encodeOperation);
  for (const p of (item.parameters as Json[] | undefined) ?? []) message(w, 9, p, encodeParameter);
};

/** The gnostic `openapi.v2.Document` encoding of a Swagger 2.0 JSON document. */
export function encodeOpenApiV2(doc: Json): Uint8Array {
  const w = new BinaryWriter();
  str(w, 1, doc.swagger);
  message(w, 2, doc.info, (inner, info) => {
    str(inner, 1, info.title);
    str(inner, 2, info.version);
    str(inner, 3, info.description);
  });
  strs(w, 6, doc.consumes);
  strs(w, 7, doc.produces);
  message(w, 8, doc.paths, (inner, paths) => named(inner, 2, paths, encodePathItem));
  message(w, 9, doc.definitions, (inner, defs) => named(inner, 1, defs, encodeSchema));
  vendorExtensions(w, 16, doc);
  return w.finish();
}
