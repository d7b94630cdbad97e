// Kubernetes' protobuf wire format, for request bodies. Typed clients (kubectl's generators among
// them) send built-in kinds as `application/vnd.kubernetes.protobuf`: the magic prefix `k8s\0`, then
// a runtime.Unknown envelope whose `raw` field holds the object. Each kind describes its message with
// a schema (field number → JSON name and type) and this file turns the bytes into the JSON object.
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { badRequest, isStatusError } from './errors.js';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export type ScalarType = 'string' | 'bytes' | 'int64' | 'int32' | 'bool' | 'double';

export interface MessageSchema {
  fields: Record<number, FieldSchema>;
  /** Turns the decoded message into its JSON form when that is not a plain object (e.g. Time). */
  toJson?: (message: Record<string, unknown>) => unknown;
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

// --- the types apimachinery marshals by hand (protobuf-messages.ts gives them to the generated messages) ---

export const timeSchema: MessageSchema = {
  fields: { 1: { name: 'seconds', type: 'int64' }, 2: { name: 'nanos', type: 'int32' } },
  // Go's zero time (or none) means "not set".
  toJson: (m) => (Number(m.seconds ?? 0) <= 0 ? null : new Date(Number(m.seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')),
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
};

/** IntOrString: a tagged union of an int32 and a string. */
export const intOrStringSchema: MessageSchema = {
  fields: { 1: { name: 'type', type: 'int64', keepZero: true }, 2: { name: 'intVal', type: 'int32' }, 3: { name: 'strVal', type: 'string' } },
  toJson: (m) => (Number(m.type ?? 0) === 1 ? String(m.strVal ?? '') : Number(m.intVal ?? 0)),
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
