// The protobuf messages of the built-in kinds, generated from k8s.io/api and its siblings
// (scripts/protobuf-messages writes generated/k8s-protobuf-messages.ts), turned into the schemas
// protobuf.ts decodes and encodes with. What the generator cannot know — how the hand-marshalled types of
// apimachinery (Time, Quantity, IntOrString, …) and apiextensions' JSON-schema unions look in JSON —
// is written here, once.
import { parseDuration } from './duration.js';
import { badRequest } from './errors.js';
import { KIND_MESSAGES, MESSAGES } from './generated/k8s-protobuf-messages.js';
import { encodeMessage, encodeProtobufObject, fieldsV1Schema, intOrStringSchema, microTimeSchema, timeSchema, type FieldSchema, type FieldType, type MessageSchema, type ScalarType } from './protobuf.js';

/** A message as the generator writes it: [number, JSON name, type, flags (r, m, z, o, i)]. */
export interface GeneratedMessage {
  /** How the message's JSON form is made from its members, when it is not a plain object. */
  union?: string;
  fields: ReadonlyArray<readonly [number, string, string, string?]>;
}

const SCALARS: ReadonlySet<string> = new Set<ScalarType>(['string', 'bytes', 'int64', 'int32', 'bool', 'double']);

/** Go's time.Duration.String(): 1h2m3.5s, 150ms, 0s. */
export function formatGoDuration(nanos: number): string {
  if (nanos === 0) return '0s';
  const sign = nanos < 0 ? '-' : '';
  const abs = Math.abs(nanos);
  if (abs < 1e3) return `${sign}${abs}ns`;
  if (abs < 1e6) return `${sign}${trimFraction(abs / 1e3)}µs`;
  if (abs < 1e9) return `${sign}${trimFraction(abs / 1e6)}ms`;
  const hours = Math.floor(abs / 3.6e12);
  const minutes = Math.floor((abs % 3.6e12) / 6e10);
  const seconds = trimFraction((abs % 6e10) / 1e9);
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

const trimFraction = (n: number) => String(Number(n.toFixed(9)));

/** Raw bytes that hold JSON (RawExtension, apiextensions' JSON): the value they hold. */
function embeddedJson(m: Record<string, unknown>): unknown {
  if (!m.raw) return null;
  const text = Buffer.from(m.raw as string, 'base64').toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('an embedded object in the protobuf body is not JSON');
  }
}

/** A value held as JSON in raw bytes (RawExtension, apiextensions' JSON). */
const embeddedJsonSchema: MessageSchema = {
  fields: { 1: { name: 'raw', type: 'bytes' } },
  toJson: embeddedJson,
  fromJson: (json) => ({ raw: Buffer.from(JSON.stringify(json)) }),
};

/** The types apimachinery marshals by hand, by the name the generator gives them. */
const SPECIALS: Readonly<Record<string, MessageSchema>> = {
  Time: timeSchema,
  MicroTime: microTimeSchema,
  IntOrString: intOrStringSchema,
  FieldsV1: fieldsV1Schema,
  // metav1.Duration: nanoseconds on the wire, Go's duration string in JSON.
  Duration: {
    fields: { 1: { name: 'duration', type: 'int64', keepZero: true } },
    toJson: (m) => formatGoDuration(Number(m.duration ?? 0)),
    fromJson: (json) => ({ duration: Math.round(parseDuration(String(json)) * 1e6) }),
  },
  // resource.Quantity: its string form on the wire too.
  Quantity: { fields: { 1: { name: 'string', type: 'string' } }, toJson: (m) => (m.string as string | undefined) ?? '0', fromJson: (json) => ({ string: String(json) }) },
  RawExtension: embeddedJsonSchema,
  JSON: embeddedJsonSchema,
};

const hasItems = (v: unknown) => Array.isArray(v) && v.length > 0;

/** The JSON form of the messages that are one of their members in JSON (their MarshalJSON and UnmarshalJSON). */
const UNIONS: Readonly<Record<string, Pick<MessageSchema, 'toJson' | 'fromJson'>>> = {
  JSONSchemaPropsOrArray: {
    toJson: (m) => (hasItems(m.jSONSchemas) ? m.jSONSchemas : (m.schema ?? null)),
    fromJson: (json) => (Array.isArray(json) ? { jSONSchemas: json } : { schema: json }),
  },
  JSONSchemaPropsOrBool: {
    toJson: (m) => m.schema ?? m.allows ?? false,
    // A schema allows, as Go's UnmarshalJSON has it.
    fromJson: (json) => (typeof json === 'boolean' ? { allows: json } : { allows: true, schema: json }),
  },
  JSONSchemaPropsOrStringArray: {
    toJson: (m) => (hasItems(m.property) ? m.property : (m.schema ?? null)),
    fromJson: (json) => (Array.isArray(json) ? { property: json } : { schema: json }),
  },
  // A named list as a map value (authentication's ExtraValue).
  items: { toJson: (m) => m.items ?? [], fromJson: (json) => ({ items: json }) },
};

const schemas = new Map<string, MessageSchema>();

/** The schema of a generated message (or a hand-marshalled type) by its generated.proto name. */
export function generatedMessage(name: string): MessageSchema {
  const special = SPECIALS[name];
  if (special) return special;
  const known = schemas.get(name);
  if (known) return known;
  const message = MESSAGES[name];
  if (!message) throw new Error(`no generated protobuf message ${name}`);
  const fields: Record<number, FieldSchema> = {};
  const schema: MessageSchema = { fields, ...(message.union ? UNIONS[message.union] : {}) };
  schemas.set(name, schema);
  for (const [no, jsonName, type, flags = ''] of message.fields) {
    const element: ScalarType | { message: () => MessageSchema } = SCALARS.has(type) ? (type as ScalarType) : { message: () => generatedMessage(type) };
    const fieldType: FieldType = flags.includes('m') ? { map: ['string', element] } : element;
    fields[no] = { name: jsonName, type: fieldType };
    if (flags.includes('r')) fields[no].repeated = true;
    if (flags.includes('z')) fields[no].keepZero = true;
    if (flags.includes('i')) fields[no].inline = true;
    if (flags.includes('o')) fields[no].omitZero = true;
  }
  return schema;
}

/** The protobuf message of a built-in kind (group '' is the core group), if k8s.io/api has one. */
export function protobufMessageForKind(group: string, version: string, kind: string): MessageSchema | undefined {
  const name = KIND_MESSAGES[`${group ? `${group}/` : ''}${version}/${kind}`];
  return name ? generatedMessage(name) : undefined;
}

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/** metav1.ObjectMeta, every object's field 1. */
export const objectMetaSchema = generatedMessage(`${META}.ObjectMeta`);

/** metav1.DeleteOptions, which typed clients send as protobuf with a DELETE. */
export const deleteOptionsSchema = generatedMessage(`${META}.DeleteOptions`);

const listMetaSchema = generatedMessage(`${META}.ListMeta`);
const listSchemas = new WeakMap<MessageSchema, MessageSchema>();

/** A kind's List message: every List of k8s.io/api is its ListMeta (1) and its items (2). */
export function listMessage(item: MessageSchema): MessageSchema {
  let list = listSchemas.get(item);
  if (!list) {
    list = { fields: { 1: { name: 'metadata', type: { message: () => listMetaSchema } }, 2: { name: 'items', type: { message: () => item }, repeated: true } } };
    listSchemas.set(item, list);
  }
  return list;
}

/** metav1.PartialObjectMetadata: an object's metadata alone. */
const partialObjectMetadataSchema: MessageSchema = { fields: { 1: { name: 'metadata', type: { message: () => objectMetaSchema } } } };
const statusSchema = generatedMessage(`${META}.Status`);

/**
 * The message a document is answered with in protobuf, by its apiVersion and kind: a built-in
 * kind's, its List's, a Status, PartialObjectMetadata(List). Undefined for what has none (custom
 * resources, Tables), which kube answers only in JSON or YAML.
 */
export function protobufMessageForDocument(apiVersion: string, kind: string): MessageSchema | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  if (kind === 'Status') return statusSchema;
  if (group === 'meta.k8s.io' && (version === 'v1' || version === 'v1beta1')) {
    if (kind === 'PartialObjectMetadata') return partialObjectMetadataSchema;
    if (kind === 'PartialObjectMetadataList') return listMessage(partialObjectMetadataSchema);
    return undefined;
  }
  const message = protobufMessageForKind(group, version, kind);
  if (message || !kind.endsWith('List')) return message;
  const item = protobufMessageForKind(group, version, kind.slice(0, -'List'.length));
  return item && listMessage(item);
}

/** A document in kube's protobuf envelope, or undefined when its kind has no message. */
export function encodeProtobufDocument(doc: Record<string, unknown>): Buffer | undefined {
  const message = protobufMessageForDocument(String(doc.apiVersion ?? ''), String(doc.kind ?? ''));
  return message && encodeProtobufObject(doc, message);
}

/** metav1.WatchEvent: its type, and the object as a RawExtension holding the enveloped object. */
const watchEventSchema: MessageSchema = {
  fields: { 1: { name: 'type', type: 'string' }, 2: { name: 'object', type: { message: () => ({ fields: { 1: { name: 'raw', type: 'bytes' } } }) } } },
};

/**
 * One event of a protobuf watch (`application/vnd.kubernetes.protobuf;stream=watch`) as kube frames
 * it: the WatchEvent message's length in four big-endian bytes, then the message, which has no prefix
 * or envelope of its own (kube's raw serializer); the object inside is enveloped as any answer is.
 * Undefined when the object's kind has no message.
 */
export function encodeProtobufWatchEvent(type: string, object: Record<string, unknown>): Buffer | undefined {
  const enveloped = encodeProtobufDocument(object);
  if (!enveloped) return undefined;
  const event = encodeMessage({ type, object: { raw: enveloped } }, watchEventSchema);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(event.length);
  return Buffer.concat([length, event]);
}
