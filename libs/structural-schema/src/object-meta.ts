// The metadata of a custom resource and of its embedded resources, as kube handles it: decoded into
// Go's metav1.ObjectMeta (so a value of the wrong type fails with the Go decoder's message, and a
// field ObjectMeta does not have is an unknown field), written back as ObjectMeta encodes itself
// (unknown and empty fields gone, times in UTC with whole seconds), and validated as every
// object's metadata is (apimachinery's ValidateObjectMetaAccessor).
import type { FieldError } from '@kapi/api-machinery';
import { isDns1123Label, isDns1123Subdomain, isLabelValue, isQualifiedName, isValidPathSegmentName } from '@kapi/api-machinery';
import { fieldError, path, type FieldPath } from './field-errors.js';
import { formatTime, isZeroTime, parseTime, type GoTime } from './go-time.js';
import { isPlainObject } from './json-schema-props.js';

/** A Go type of ObjectMeta's fields, as the JSON decoder sees it. */
type GoType =
  | { kind: 'string'; go: string }
  | { kind: 'int64' }
  | { kind: 'bool' }
  | { kind: 'time' }
  | { kind: 'raw' }
  | { kind: 'map'; go: string; value: GoType }
  | { kind: 'slice'; go: string; item: GoType }
  | { kind: 'struct'; name: string; go: string; fields: Record<string, Field> };

interface Field {
  type: GoType;
  /** Written even when empty (OwnerReference's identity fields, creationTimestamp). */
  always?: boolean;
  pointer?: boolean;
}

const STRING: GoType = { kind: 'string', go: 'string' };
const UID: GoType = { kind: 'string', go: 'types.UID' };
const OWNER_REFERENCE: GoType = {
  kind: 'struct',
  name: 'OwnerReference',
  go: 'v1.OwnerReference',
  fields: {
    apiVersion: { type: STRING, always: true },
    kind: { type: STRING, always: true },
    name: { type: STRING, always: true },
    uid: { type: UID, always: true },
    controller: { type: { kind: 'bool' }, pointer: true },
    blockOwnerDeletion: { type: { kind: 'bool' }, pointer: true },
  },
};
const MANAGED_FIELDS_ENTRY: GoType = {
  kind: 'struct',
  name: 'ManagedFieldsEntry',
  go: 'v1.ManagedFieldsEntry',
  fields: {
    manager: { type: STRING },
    operation: { type: { kind: 'string', go: 'v1.ManagedFieldsOperationType' } },
    apiVersion: { type: STRING },
    time: { type: { kind: 'time' }, pointer: true },
    fieldsType: { type: STRING },
    fieldsV1: { type: { kind: 'raw' }, pointer: true },
    subresource: { type: STRING },
  },
};
const OBJECT_META: GoType & { kind: 'struct' } = {
  kind: 'struct',
  name: 'ObjectMeta',
  go: 'v1.ObjectMeta',
  fields: {
    name: { type: STRING },
    generateName: { type: STRING },
    namespace: { type: STRING },
    selfLink: { type: STRING },
    uid: { type: UID },
    resourceVersion: { type: STRING },
    generation: { type: { kind: 'int64' } },
    creationTimestamp: { type: { kind: 'time' }, always: true },
    deletionTimestamp: { type: { kind: 'time' }, pointer: true },
    deletionGracePeriodSeconds: { type: { kind: 'int64' }, pointer: true },
    labels: { type: { kind: 'map', go: 'map[string]string', value: STRING } },
    annotations: { type: { kind: 'map', go: 'map[string]string', value: STRING } },
    ownerReferences: { type: { kind: 'slice', go: '[]v1.OwnerReference', item: OWNER_REFERENCE } },
    finalizers: { type: { kind: 'slice', go: '[]string', item: STRING } },
    managedFields: { type: { kind: 'slice', go: '[]v1.ManagedFieldsEntry', item: MANAGED_FIELDS_ENTRY } },
  },
};

/** ObjectMeta as decoded: only the fields that were set, times parsed. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  selfLink?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: GoTime;
  deletionTimestamp?: GoTime;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion?: string; kind?: string; name?: string; uid?: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  finalizers?: string[];
  managedFields?: { manager?: string; operation?: string; apiVersion?: string; time?: GoTime; fieldsType?: string; fieldsV1?: unknown; subresource?: string }[];
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

const goTypeName = (t: GoType): string => ('go' in t ? t.go : t.kind === 'int64' ? 'int64' : t.kind === 'bool' ? 'bool' : t.kind === 'time' ? 'v1.Time' : 'v1.FieldsV1');

/** A decoding error that stops decoding (a time's own), as opposed to a type error, which is only recorded. */
class Abort extends Error {}

class Decoder {
  /** The first type error, which Go's decoder reports once it is done. */
  typeError?: string;
  unknown: string[] = [];

  decodeStruct(t: GoType & { kind: 'struct' }, value: Record<string, unknown>, fieldPath: string, unknownPath: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    // kube re-encodes the metadata map before decoding it: its keys come in sorted order.
    for (const key of Object.keys(value).sort()) {
      const f = t.fields[key];
      if (!f) {
        this.unknown.push(unknownPath ? `${unknownPath}.${key}` : key);
        continue;
      }
      const decoded = this.decode(f.type, value[key], t.name, fieldPath ? `${fieldPath}.${key}` : key, unknownPath ? `${unknownPath}.${key}` : key);
      if (decoded !== undefined) out[key] = decoded;
    }
    return out;
  }

  private mismatch(value: unknown, struct: string, field: string, type: GoType): undefined {
    const what = typeof value === 'number' && type.kind === 'int64' ? `number ${String(value)}` : jsonKind(value);
    this.typeError ??= `json: cannot unmarshal ${what} into Go struct field ${struct}.${field} of type ${goTypeName(type)}`;
    return undefined;
  }

  decode(t: GoType, value: unknown, struct: string, field: string, unknownPath: string): unknown {
    if (value === null || value === undefined) return undefined;
    switch (t.kind) {
      case 'string':
        return typeof value === 'string' ? value : this.mismatch(value, struct, field, t);
      case 'bool':
        return typeof value === 'boolean' ? value : this.mismatch(value, struct, field, t);
      case 'int64':
        return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 2 ** 63 ? value : this.mismatch(value, struct, field, t);
      case 'raw':
        return value;
      case 'time': {
        if (typeof value !== 'string') throw new Abort(`json: cannot unmarshal ${jsonKind(value)} into Go value of type string`);
        if (value === '') return undefined;
        const parsed = parseTime(value);
        if (typeof parsed === 'string') throw new Abort(parsed);
        return parsed;
      }
      case 'map': {
        if (!isPlainObject(value)) return this.mismatch(value, struct, field, t);
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(value).sort()) {
          const v = this.decode(t.value, value[k], struct, field, `${unknownPath}[${k}]`);
          out[k] = v ?? '';
        }
        return out;
      }
      case 'slice': {
        if (!Array.isArray(value)) return this.mismatch(value, struct, field, t);
        return value.map((item, i) => this.decode(t.item, item, struct, field, `${unknownPath}[${i}]`) ?? (t.item.kind === 'struct' ? {} : ''));
      }
      case 'struct':
        if (!isPlainObject(value)) return this.mismatch(value, struct, field, t);
        return this.decodeStruct(t, value, field, unknownPath);
    }
  }
}

export interface DecodedObjectMeta {
  meta?: ObjectMeta;
  found: boolean;
  /** Fields ObjectMeta does not have, by path (`metadata.foo`, `spec.template.metadata.ownerReferences[0].foo`). */
  unknownFieldPaths: string[];
  /** The Go decoder's error; absent when decoding succeeded or malformed fields were dropped. */
  error?: string;
}

export interface ObjectMetaOptions {
  /** Drop fields that do not decode instead of failing (reading what is stored). */
  dropMalformedFields?: boolean;
  /** The path of the object whose metadata this is (for unknown fields' paths). */
  parentPath?: FieldPath;
}

function decodeOnce(metadata: unknown, unknownPrefix: string): { meta?: ObjectMeta; unknown: string[]; error?: string } {
  if (!isPlainObject(metadata)) {
    if (metadata === null) return { meta: {}, unknown: [] };
    return { unknown: [], error: `json: cannot unmarshal ${jsonKind(metadata)} into Go value of type v1.ObjectMeta` };
  }
  const d = new Decoder();
  try {
    const meta = d.decodeStruct(OBJECT_META, metadata, '', '') as ObjectMeta;
    if (d.typeError) return { unknown: [], error: d.typeError };
    return { meta, unknown: d.unknown.map((u) => `${unknownPrefix}.${u}`) };
  } catch (e) {
    if (e instanceof Abort) return { unknown: [], error: e.message };
    throw e;
  }
}

/** kube's GetObjectMetaWithOptions: the object's `metadata` decoded as metav1.ObjectMeta. */
export function decodeObjectMeta(obj: Record<string, unknown>, opts: ObjectMetaOptions = {}): DecodedObjectMeta {
  if (!Object.hasOwn(obj, 'metadata')) return { found: false, unknownFieldPaths: [] };
  const prefix = path.render(path.child(opts.parentPath ?? null, 'metadata'));
  const metadata = obj.metadata;
  const once = decodeOnce(metadata, prefix);
  if (!once.error) return { meta: once.meta, found: true, unknownFieldPaths: once.unknown };
  if (!opts.dropMalformedFields) return { found: true, unknownFieldPaths: [], error: once.error };
  if (!isPlainObject(metadata)) return { found: false, unknownFieldPaths: [], error: `invalid metadata: expected object, got ${goMapType(metadata)}` };
  // Each field on its own: what does not decode is dropped.
  const meta: ObjectMeta = {};
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(metadata)) {
    const single = decodeOnce({ [k]: v }, prefix);
    if (single.error) continue;
    Object.assign(meta, single.meta);
    unknown.push(...single.unknown);
  }
  return { meta, found: true, unknownFieldPaths: unknown };
}

const goMapType = (v: unknown) => (typeof v === 'string' ? 'string' : typeof v === 'number' ? (Number.isInteger(v) ? 'int64' : 'float64') : typeof v === 'boolean' ? 'bool' : Array.isArray(v) ? '[]interface {}' : '<nil>');

function encode(t: GoType, value: unknown): unknown {
  switch (t.kind) {
    case 'time':
      return value === undefined || isZeroTime(value as GoTime) ? null : formatTime(value as GoTime);
    case 'slice':
      return (value as unknown[]).map((x) => encode(t.item, x));
    case 'struct': {
      const out: Record<string, unknown> = {};
      const v = value as Record<string, unknown>;
      for (const [name, f] of Object.entries(t.fields)) {
        const x = v[name];
        if (f.always) out[name] = x === undefined ? (f.type.kind === 'time' ? null : '') : encode(f.type, x);
        else if (!isEmpty(f, x)) out[name] = encode(f.type, x);
      }
      return out;
    }
    default:
      return value;
  }
}

function isEmpty(f: Field, x: unknown): boolean {
  if (x === undefined) return true;
  if (f.pointer) return false;
  if (x === '' || x === 0 || x === false) return true;
  if (Array.isArray(x)) return x.length === 0;
  if (isPlainObject(x) && f.type.kind === 'map') return Object.keys(x).length === 0;
  return false;
}

/** kube's SetObjectMeta: ObjectMeta as it encodes itself (omitempty fields gone, creationTimestamp always there). */
export function encodeObjectMeta(meta: ObjectMeta): Record<string, unknown> {
  return encode(OBJECT_META, meta) as Record<string, unknown>;
}

// Validation of ObjectMeta (k8s.io/apimachinery/pkg/api/validation).

/** A name rule: the problems of a name, or of a generateName prefix when `prefix`. */
export type NameValidator = (name: string, prefix: boolean) => string[];

/** maskTrailingDash, as kube writes it: a trailing dash is masked, and the character before it dropped. */
const maskTrailingDash = (name: string) => (name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name);

export const nameIsDNSSubdomain: NameValidator = (name, prefix) => isDns1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: NameValidator = (name, prefix) => isDns1123Label(prefix ? maskTrailingDash(name) : name);
/** path.ValidatePathSegmentName: the rule the generic store applies to every name. */
export const nameIsPathSegment: NameValidator = (name, prefix) => (prefix ? ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`) : isValidPathSegmentName(name));

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
const FIELD_MANAGER_MAX_LENGTH = 128;
const MAX_SUBRESOURCE_NAME_LENGTH = 256;
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function validateLabels(labels: Record<string, string> | undefined, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const msg of isQualifiedName(k)) errs.push(fieldError.invalid(p, k, msg));
    for (const msg of isLabelValue(v)) errs.push(fieldError.invalid(p, v, msg));
  }
  return errs;
}

function validateAnnotations(annotations: Record<string, string> | undefined, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(fieldError.invalid(p, k, msg));
    total += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fieldError.tooLong(p, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** schema.FromAPIVersionAndKind's version: what follows the last slash, or everything. */
const versionOf = (apiVersion: string) => (apiVersion.split('/').length > 2 ? '' : (apiVersion.split('/').pop() ?? ''));

function validateOwnerReferences(refs: ObjectMeta['ownerReferences'], p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    const apiVersion = ref.apiVersion ?? '';
    const groupVersion = apiVersion.split('/');
    if (!versionOf(apiVersion)) errs.push(fieldError.invalid(path.child(p, 'apiVersion'), apiVersion, 'version must not be empty'));
    if (!ref.kind) errs.push(fieldError.invalid(path.child(p, 'kind'), ref.kind ?? '', 'must not be empty'));
    if (!ref.name) errs.push(fieldError.invalid(path.child(p, 'name'), ref.name ?? '', 'must not be empty'));
    if (!ref.uid) errs.push(fieldError.invalid(path.child(p, 'uid'), ref.uid ?? '', 'must not be empty'));
    if (groupVersion.length === 1 && groupVersion[0] === 'v1' && ref.kind === 'Event') {
      errs.push(fieldError.invalid(p, encodeOwnerReference(ref), '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller) {
      const current = `${ref.kind ?? ''}/${ref.name ?? ''}`;
      if (firstController) {
        errs.push(fieldError.invalid(p, (refs ?? []).map(encodeOwnerReference), `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`));
      } else firstController = current;
    }
  }
  return errs;
}

const encodeOwnerReference = (ref: NonNullable<ObjectMeta['ownerReferences']>[number]) => encode(OWNER_REFERENCE, ref);

function validateFinalizers(finalizers: string[] | undefined, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of finalizers ?? []) for (const msg of isQualifiedName(f)) errs.push(fieldError.invalid(p, f, msg));
  const list = finalizers ?? [];
  if (list.includes('orphan') && list.includes('foregroundDeletion')) errs.push(fieldError.invalid(p, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  return errs;
}

function validateManagedFields(entries: ObjectMeta['managedFields'], p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (entries ?? []).forEach((e, i) => {
    const at = path.index(p, i);
    if (e.operation !== 'Apply' && e.operation !== 'Update') errs.push(fieldError.invalid(path.child(at, 'operation'), e.operation ?? '', 'must be `Apply` or `Update`'));
    if (e.fieldsType && e.fieldsType !== 'FieldsV1') errs.push(fieldError.invalid(path.child(at, 'fieldsType'), e.fieldsType, 'must be `FieldsV1`'));
    const manager = e.manager ?? '';
    if (Buffer.byteLength(manager) > FIELD_MANAGER_MAX_LENGTH) errs.push(fieldError.tooLong(path.child(at, 'manager'), FIELD_MANAGER_MAX_LENGTH));
    let position = 0;
    for (const ch of manager) {
      if (!PRINTABLE.test(ch)) {
        const cp = ch.codePointAt(0)!;
        errs.push(fieldError.invalid(path.child(at, 'manager'), manager, `invalid character U+${cp.toString(16).toUpperCase().padStart(4, '0')} (at position ${position})`));
      }
      position += Buffer.byteLength(ch);
    }
    if (Buffer.byteLength(e.subresource ?? '') > MAX_SUBRESOURCE_NAME_LENGTH) errs.push(fieldError.tooLong(path.child(at, 'subresource'), MAX_SUBRESOURCE_NAME_LENGTH));
  });
  return errs;
}

/** kube's ValidateObjectMetaAccessor. */
export function validateObjectMeta(meta: ObjectMeta, requiresNamespace: boolean, nameFn: NameValidator, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (meta.generateName) for (const msg of nameFn(meta.generateName, true)) errs.push(fieldError.invalid(path.child(p, 'generateName'), meta.generateName, msg));
  if (!meta.name) errs.push(fieldError.required(path.child(p, 'name'), 'name or generateName is required'));
  else for (const msg of nameFn(meta.name, false)) errs.push(fieldError.invalid(path.child(p, 'name'), meta.name, msg));
  if (requiresNamespace) {
    if (!meta.namespace) errs.push(fieldError.required(path.child(p, 'namespace'), ''));
    else for (const msg of nameIsDNSLabel(meta.namespace, false)) errs.push(fieldError.invalid(path.child(p, 'namespace'), meta.namespace, msg));
  } else if (meta.namespace) errs.push(fieldError.forbidden(path.child(p, 'namespace'), 'not allowed on this type'));
  if ((meta.generation ?? 0) < 0) errs.push(fieldError.invalid(path.child(p, 'generation'), meta.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(meta.labels, path.child(p, 'labels')));
  errs.push(...validateAnnotations(meta.annotations, path.child(p, 'annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences, path.child(p, 'ownerReferences')));
  errs.push(...validateFinalizers(meta.finalizers, path.child(p, 'finalizers')));
  errs.push(...validateManagedFields(meta.managedFields, path.child(p, 'managedFields')));
  return errs;
}

const sameTime = (a?: GoTime, b?: GoTime) => (a === undefined || b === undefined ? a === b : a.seconds === b.seconds && a.nanos === b.nanos);
const timeValue = (t?: GoTime) => (t === undefined ? null : formatTime(t));

/** kube's ValidateObjectMetaAccessorUpdate. */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (old.deletionTimestamp) {
    const extra = [...new Set(meta.finalizers ?? [])].filter((f) => !(old.finalizers ?? []).includes(f)).sort();
    if (extra.length) errs.push(fieldError.forbidden(path.child(p, 'finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((f) => JSON.stringify(f)).join(', ')}}`));
  }
  if (!meta.resourceVersion) errs.push(fieldError.invalid(path.child(p, 'resourceVersion'), meta.resourceVersion ?? '', 'must be specified for an update'));
  if ((meta.generation ?? 0) < (old.generation ?? 0)) errs.push(fieldError.invalid(path.child(p, 'generation'), meta.generation ?? 0, 'must not be decremented'));
  const immutable = (name: string, a: unknown, b: unknown, equal = a === b) => {
    if (!equal) errs.push(fieldError.invalid(path.child(p, name), a, 'field is immutable'));
  };
  immutable('name', meta.name ?? '', old.name ?? '');
  immutable('namespace', meta.namespace ?? '', old.namespace ?? '');
  immutable('uid', meta.uid ?? '', old.uid ?? '');
  immutable('creationTimestamp', timeValue(meta.creationTimestamp), timeValue(old.creationTimestamp), sameTime(meta.creationTimestamp, old.creationTimestamp));
  immutable('deletionTimestamp', timeValue(meta.deletionTimestamp), timeValue(old.deletionTimestamp), sameTime(meta.deletionTimestamp, old.deletionTimestamp));
  immutable('deletionGracePeriodSeconds', meta.deletionGracePeriodSeconds ?? null, old.deletionGracePeriodSeconds ?? null);
  errs.push(...validateLabels(meta.labels, path.child(p, 'labels')));
  errs.push(...validateAnnotations(meta.annotations, path.child(p, 'annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences, path.child(p, 'ownerReferences')));
  errs.push(...validateManagedFields(meta.managedFields, path.child(p, 'managedFields')));
  return errs;
}

/** schema.ParseGroupVersion's error, or undefined. */
export function groupVersionError(apiVersion: string): string | undefined {
  return apiVersion.split('/').length > 2 ? `unexpected GroupVersion string: ${apiVersion}` : undefined;
}

