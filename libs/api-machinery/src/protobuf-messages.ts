// The protobuf messages of the built-in kinds, generated from k8s.io/api and its siblings
// (scripts/protobuf-messages writes generated/k8s-protobuf-messages.ts), turned into the schemas
// protobuf.ts decodes with. What the generator cannot know — how the hand-marshalled types of
// apimachinery (Time, Quantity, IntOrString, …) and apiextensions' JSON-schema unions look in JSON —
// is written here, once.
import { badRequest } from './errors.js';
import { KIND_MESSAGES, MESSAGES } from './generated/k8s-protobuf-messages.js';
import { fieldsV1Schema, intOrStringSchema, microTimeSchema, timeSchema, type FieldSchema, type FieldType, type MessageSchema, type ScalarType } from './protobuf.js';

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

const rawBytes = (toJson: MessageSchema['toJson']): MessageSchema => ({ fields: { 1: { name: 'raw', type: 'bytes' } }, toJson });

/** The types apimachinery marshals by hand, by the name the generator gives them. */
const SPECIALS: Readonly<Record<string, MessageSchema>> = {
  Time: timeSchema,
  MicroTime: microTimeSchema,
  IntOrString: intOrStringSchema,
  FieldsV1: fieldsV1Schema,
  // metav1.Duration: nanoseconds on the wire, Go's duration string in JSON.
  Duration: { fields: { 1: { name: 'duration', type: 'int64', keepZero: true } }, toJson: (m) => formatGoDuration(Number(m.duration ?? 0)) },
  // resource.Quantity: its string form on the wire too.
  Quantity: { fields: { 1: { name: 'string', type: 'string' } }, toJson: (m) => (m.string as string | undefined) ?? '0' },
  RawExtension: rawBytes(embeddedJson),
  JSON: rawBytes(embeddedJson),
};

const hasItems = (v: unknown) => Array.isArray(v) && v.length > 0;

/** The JSON form of the messages that are one of their members in JSON (their MarshalJSON). */
const UNIONS: Readonly<Record<string, (m: Record<string, unknown>) => unknown>> = {
  JSONSchemaPropsOrArray: (m) => (hasItems(m.jSONSchemas) ? m.jSONSchemas : (m.schema ?? null)),
  JSONSchemaPropsOrBool: (m) => m.schema ?? m.allows ?? false,
  JSONSchemaPropsOrStringArray: (m) => (hasItems(m.property) ? m.property : (m.schema ?? null)),
  // A named list as a map value (authentication's ExtraValue).
  items: (m) => m.items ?? [],
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
  const schema: MessageSchema = { fields, toJson: message.union ? UNIONS[message.union] : undefined };
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
