// Kubernetes' protobuf wire format, for request bodies and for answers. Typed clients (kubectl's
// generators, kube's components) send and accept built-in kinds as `application/vnd.kubernetes.protobuf`:
// the magic prefix `k8s\0`, then a runtime.Unknown envelope whose `raw` field holds the object. Each
// kind describes its message with a schema (field number → JSON name and type); this file turns the
// bytes into the JSON object, and the JSON object back into the bytes, with the same schema.
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { badRequest, isStatusError } from './errors.js';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export type ScalarType = 'string' | 'bytes' | 'int64' | 'int32' | 'bool' | 'double';

export interface MessageSchema {
  fields: Record<number, FieldSchema>;
  /** Turns the decoded message into its JSON form when that is not a plain object (e.g. Time). */
  toJson?: (message: Record<string, unknown>) => unknown;
  /** toJson's inverse: the message's members from its JSON form (undefined: nothing to write). */
  fromJson?: (json: unknown) => Record<string, unknown> | undefined;
}

export type FieldType = ScalarType | { message: () => MessageSchema } | { map: [ScalarType, ScalarType | { message: () => MessageSchema }] };

export interface FieldSchema {
  name: string;
  type: FieldType;
  repeated?: boolean;
  /** A pointer field, whose zero value is sent on purpose and means something (e.g. replicas: 0). */
  keepZero?: boolean;
  /** A member whose fields JSON writes into its parent's object (`json:",inline"`, e.g. Volume's VolumeSource). */
  inline?: boolean;
  /** Go's `omitzero`: a zero value JSON leaves out even where it is a struct (a zero Time, null in JSON). */
  omitZero?: boolean;
}

function readScalar(reader: BinaryReader, type: ScalarType): unknown {
  switch (type) {
    case 'string':
      return reader.string();
    case 'bytes':
      return Buffer.from(reader.bytes()).toString('base64');
    case 'int64':
      return Number(reader.int64());
    case 'int32':
      return reader.int32();
    case 'bool':
      return reader.bool();
    case 'double':
      return reader.double();
  }
}

function readValue(reader: BinaryReader, type: FieldType, depth: number): unknown {
  if (typeof type === 'string') return readScalar(reader, type);
  if ('message' in type) return decodeMessage(reader.bytes(), type.message(), depth + 1);
  const entry = new BinaryReader(reader.bytes());
  let key: unknown = type.map[0] === 'string' ? '' : undefined;
  let value: unknown = type.map[1] === 'string' ? '' : undefined;
  while (entry.pos < entry.len) {
    const [no, wire] = entry.tag();
    if (no === 1) key = readScalar(entry, type.map[0]);
    else if (no === 2) value = readValue(entry, type.map[1], depth);
    else entry.skip(wire);
  }
  return [key, value];
}

export function decodeMessage(bytes: Uint8Array, schema: MessageSchema, depth = 0): unknown {
  if (depth > 64) throw badRequest('the protobuf message is nested too deeply');
  const reader = new BinaryReader(bytes);
  const out: Record<string, unknown> = {};
  while (reader.pos < reader.len) {
    const [no, wire] = reader.tag();
    const field = schema.fields[no];
    if (!field) {
      reader.skip(wire);
      continue;
    }
    const isMap = typeof field.type === 'object' && 'map' in field.type;
    const packed = wire === WireType.LengthDelimited && typeof field.type === 'string' && !['string', 'bytes'].includes(field.type);
    if (packed && field.repeated) {
      const inner = new BinaryReader(reader.bytes());
      const list = (out[field.name] as unknown[]) ?? [];
      while (inner.pos < inner.len) list.push(readScalar(inner, field.type as ScalarType));
      out[field.name] = list;
      continue;
    }
    const value = readValue(reader, field.type, depth);
    // Go writes every non-pointer field; JSON omits the empty ones, and so do we.
    const zero = value === '' || ((field.type === 'int64' || field.type === 'int32' || field.type === 'double') && value === 0) || (field.type === 'bool' && value === false);
    if (!field.repeated && !isMap && zero && !field.keepZero) continue;
    if (field.omitZero && (zero || value === null)) continue;
    if (field.inline) {
      if (value && typeof value === 'object') Object.assign(out, value);
    } else if (isMap) {
      const [k, v] = value as [string, unknown];
      out[field.name] = { ...(out[field.name] as object), [k]: v };
    } else if (field.repeated) {
      out[field.name] = [...((out[field.name] as unknown[]) ?? []), value];
    } else {
      out[field.name] = value;
    }
  }
  return schema.toJson ? schema.toJson(out) : out;
}

const SCALAR_WIRE: Record<ScalarType, WireType> = {
  string: WireType.LengthDelimited,
  bytes: WireType.LengthDelimited,
  int64: WireType.Varint,
  int32: WireType.Varint,
  bool: WireType.Varint,
  double: WireType.Bit64,
};

/** Bytes in JSON are base64 (a Secret's data); the hand-marshalled types hand over Buffers. */
const asBytes = (value: unknown): Uint8Array => (value instanceof Uint8Array ? value : Buffer.from(String(value), 'base64'));

function writeScalar(writer: BinaryWriter, no: number, type: ScalarType, value: unknown): void {
  writer.tag(no, SCALAR_WIRE[type]);
  switch (type) {
    case 'string':
      return void writer.string(String(value));
    case 'bytes':
      return void writer.bytes(asBytes(value));
    case 'int64':
      return void writer.int64(typeof value === 'bigint' ? value : Math.trunc(Number(value)));
    case 'int32':
      return void writer.int32(Math.trunc(Number(value)));
    case 'bool':
      return void writer.bool(Boolean(value));
    case 'double':
      return void writer.double(Number(value));
  }
}

function writeValue(writer: BinaryWriter, no: number, type: ScalarType | { message: () => MessageSchema }, value: unknown, depth: number): void {
  if (typeof type === 'string') return writeScalar(writer, no, type, value);
  writer.tag(no, WireType.LengthDelimited).fork();
  writeMembers(writer, value, type.message(), depth + 1);
  writer.join();
}

/** A schema's fields by number, in order, worked out once per schema (encoding is a hot path for protobuf watchers). */
const fieldOrder = new WeakMap<MessageSchema, Array<[number, FieldSchema]>>();
function orderedFields(schema: MessageSchema): Array<[number, FieldSchema]> {
  let fields = fieldOrder.get(schema);
  if (!fields) {
    fields = Object.entries(schema.fields).map(([no, field]): [number, FieldSchema] => [Number(no), field]);
    fieldOrder.set(schema, fields);
  }
  return fields;
}

function writeMembers(writer: BinaryWriter, json: unknown, schema: MessageSchema, depth: number): void {
  if (depth > 64) throw new Error('the object is nested too deeply for protobuf');
  const message = schema.fromJson ? schema.fromJson(json) : json;
  if (!message || typeof message !== 'object') return;
  const members = message as Record<string, unknown>;
  // Field numbers in order, as Go writes them; what JSON leaves out (or null) is not on the wire,
  // and what it has is, zeros included: a pointer's zero (replicas: 0) means something.
  for (const [no, field] of orderedFields(schema)) {
    const type = field.type;
    if (field.inline) {
      // An inlined member's fields sit in this object in JSON.
      writeValue(writer, no, type as { message: () => MessageSchema }, members, depth);
      continue;
    }
    const value = members[field.name];
    if (value === undefined || value === null) continue;
    if (typeof type === 'object' && 'map' in type) {
      // Go writes a map's entries by key, so the bytes of one object are always the same.
      for (const k of Object.keys(value as object).sort()) {
        writer.tag(no, WireType.LengthDelimited).fork();
        writeScalar(writer, 1, type.map[0], k);
        writeValue(writer, 2, type.map[1], (value as Record<string, unknown>)[k], depth);
        writer.join();
      }
    } else if (field.repeated) {
      for (const element of value as unknown[]) writeValue(writer, no, type, element, depth);
    } else {
      writeValue(writer, no, type, value, depth);
    }
  }
}

/** decodeMessage's inverse: the message of a JSON value, by the same schema. */
export function encodeMessage(json: unknown, schema: MessageSchema): Uint8Array {
  const writer = new BinaryWriter();
  writeMembers(writer, json, schema, 0);
  return writer.finish();
}

export interface ProtobufEnvelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
}

const unknownSchema: MessageSchema = {
  fields: {
    1: { name: 'typeMeta', type: { message: () => ({ fields: { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } } }) } },
    2: { name: 'raw', type: 'bytes' },
    3: { name: 'contentEncoding', type: 'string' },
    4: { name: 'contentType', type: 'string' },
  },
};

/** A reader's failure as a 400: a message cut short is gogo-protobuf's `unexpected EOF`, which kube passes on as it is. */
function undecodable(err: unknown): Error {
  if (isStatusError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return badRequest(/premature EOF|index out of range/.test(message) ? 'unexpected EOF' : `the protobuf body could not be decoded: ${message}`);
}

export function decodeEnvelope(body: Buffer): ProtobufEnvelope {
  // kube's protobuf serializer, in its words.
  if (body.length === 0) throw badRequest('empty data');
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw badRequest(`provided data does not appear to be a protobuf message, expected prefix [${[...MAGIC].join(' ')}]`);
  if (body.length === 4) throw badRequest('empty body');
  let unknown: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: string; contentEncoding?: string };
  try {
    unknown = decodeMessage(body.subarray(4), unknownSchema) as typeof unknown;
  } catch (err) {
    throw undecodable(err);
  }
  if (unknown.contentEncoding) throw badRequest(`protobuf content encoding ${unknown.contentEncoding} is not supported`);
  return {
    apiVersion: unknown.typeMeta?.apiVersion ?? '',
    kind: unknown.typeMeta?.kind ?? '',
    raw: Buffer.from(unknown.raw ?? '', 'base64'),
  };
}

/** An object in kube's envelope: the magic prefix, then runtime.Unknown with its type and its bytes. */
export function encodeEnvelope(envelope: ProtobufEnvelope): Buffer {
  // kube writes the content encoding and type, empty, as Go writes every string that is not a pointer.
  const unknown = { typeMeta: { apiVersion: envelope.apiVersion, kind: envelope.kind }, raw: envelope.raw, contentEncoding: '', contentType: '' };
  return Buffer.concat([MAGIC, encodeMessage(unknown, unknownSchema)]);
}

/** A JSON object as kube answers it in protobuf: its message, in the envelope that names its kind. */
export function encodeProtobufObject(obj: Record<string, unknown>, schema: MessageSchema): Buffer {
  return encodeEnvelope({ apiVersion: String(obj.apiVersion ?? ''), kind: String(obj.kind ?? ''), raw: encodeMessage(obj, schema) });
}

// --- the types apimachinery marshals by hand (protobuf-messages.ts gives them to the generated messages) ---

/** An RFC 3339 time as a protobuf Timestamp's seconds and nanoseconds (every fraction digit kept). */
function timestampOf(json: unknown): Record<string, unknown> | undefined {
  if (typeof json !== 'string' || !json) return undefined;
  const fraction = /\.(\d+)/.exec(json);
  const ms = Date.parse(json.replace(/\.\d+/, ''));
  if (Number.isNaN(ms)) return undefined;
  return { seconds: Math.floor(ms / 1000), nanos: fraction ? Number(fraction[1].slice(0, 9).padEnd(9, '0')) : 0 };
}

export const timeSchema: MessageSchema = {
  fields: { 1: { name: 'seconds', type: 'int64' }, 2: { name: 'nanos', type: 'int32' } },
  // Go's zero time (or none) means "not set".
  toJson: (m) => (Number(m.seconds ?? 0) <= 0 ? null : new Date(Number(m.seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')),
  fromJson: timestampOf,
};

/** MicroTime: a Time with microseconds, written in JSON with six fraction digits. */
export const microTimeSchema: MessageSchema = {
  fields: { 1: { name: 'seconds', type: 'int64' }, 2: { name: 'nanos', type: 'int32' } },
  toJson: (m) => {
    const seconds = Number(m.seconds ?? 0);
    if (seconds <= 0) return null;
    const micros = String(Math.floor(Number(m.nanos ?? 0) / 1000)).padStart(6, '0');
    return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, `.${micros}Z`);
  },
  fromJson: timestampOf,
};

/** IntOrString: a tagged union of an int32 and a string. */
export const intOrStringSchema: MessageSchema = {
  fields: { 1: { name: 'type', type: 'int64', keepZero: true }, 2: { name: 'intVal', type: 'int32' }, 3: { name: 'strVal', type: 'string' } },
  toJson: (m) => (Number(m.type ?? 0) === 1 ? String(m.strVal ?? '') : Number(m.intVal ?? 0)),
  fromJson: (json) => (typeof json === 'string' ? { type: 1, strVal: json } : { type: 0, intVal: Number(json) }),
};

/** FieldsV1: a managed-fields entry's field set, JSON in bytes. */
export const fieldsV1Schema: MessageSchema = {
  fields: { 1: { name: 'raw', type: 'bytes' } },
  toJson: (m) => {
    if (!m.raw) return {};
    try {
      return JSON.parse(Buffer.from(m.raw as string, 'base64').toString('utf8')) as unknown;
    } catch {
      throw badRequest('a managed-fields entry in the protobuf body is not JSON');
    }
  },
  fromJson: (json) => ({ raw: Buffer.from(JSON.stringify(json)) }),
};

/** Decodes a protobuf request body into the JSON object the rest of the pipeline works on. */
export function decodeProtobufObject(body: Buffer, schema: MessageSchema): Record<string, unknown> {
  const envelope = decodeEnvelope(body);
  let obj: Record<string, unknown>;
  try {
    obj = decodeMessage(envelope.raw, schema) as Record<string, unknown>;
  } catch (err) {
    throw undecodable(err);
  }
  const meta = obj.metadata as Record<string, unknown> | undefined;
  if (meta) for (const [k, v] of Object.entries(meta)) if (v === null) delete meta[k];
  return { apiVersion: envelope.apiVersion || undefined, kind: envelope.kind || undefined, ...obj };
}
