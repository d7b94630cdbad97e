// The invariants of `x-kubernetes-list-type` lists (kube's listtype.ValidateListSetsAndMaps): a set
// holds each value once and a map list each key once (`Duplicate value: {"name":"a"}` at the second
// occurrence); a map list's items must be objects.
import type { FieldError } from '@kapi/api-machinery';
import { fieldError, path, type FieldPath } from './field-errors.js';
import { goJSON } from './go-format.js';
import { isPlainObject } from './json-schema-props.js';
import type { Structural } from './structural.js';

export function validateListSetsAndMaps(fldPath: FieldPath, s: Structural | undefined, obj: Record<string, unknown> | undefined): FieldError[] {
  if (!s || !obj) return [];
  const errs: FieldError[] = [];
  const additional = s.additionalProperties?.structural;
  if (additional) for (const [k, v] of Object.entries(obj)) errs.push(...validateValue(path.key(fldPath, k), additional, v));
  if (s.properties) {
    for (const [k, v] of Object.entries(obj)) {
      const property = s.properties[k];
      if (property) errs.push(...validateValue(path.child(fldPath, k), property, v));
    }
  }
  return errs;
}

function validateValue(fldPath: FieldPath, s: Structural, value: unknown): FieldError[] {
  if (Array.isArray(value)) return validateArray(fldPath, s, value);
  if (isPlainObject(value)) return validateListSetsAndMaps(fldPath, s, value);
  return [];
}

function validateArray(fldPath: FieldPath, s: Structural, list: unknown[]): FieldError[] {
  const errs: FieldError[] = [];
  if (s.xListType === 'set') for (const i of nonUnique(list)) errs.push(fieldError.duplicate(path.index(fldPath, i), list[i]));
  else if (s.xListType === 'map') errs.push(...validateListMap(fldPath, s, list));
  if (s.items) list.forEach((item, i) => errs.push(...validateValue(path.index(fldPath, i), s.items!, item)));
  return errs;
}

/** The identity of a value for a set: scalars by kind and value, compound values by their JSON. */
function identity(x: unknown): string {
  if (typeof x === 'number') return `${Number.isInteger(x) ? 'i' : 'f'}${x}`;
  if (typeof x === 'object' && x !== null) return `j${goJSON(x)}`;
  return `${typeof x}${String(x)}`;
}

/** The index of each value's second occurrence (kube reports only that one). */
function nonUnique(values: unknown[]): number[] {
  const seen = new Map<string, number>();
  const out: number[] = [];
  values.forEach((x, i) => {
    const k = identity(x);
    const times = seen.get(k) ?? 0;
    seen.set(k, times + 1);
    if (times === 1) out.push(i);
  });
  return out;
}

function validateListMap(fldPath: FieldPath, s: Structural, list: unknown[]): FieldError[] {
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (x !== null && !isPlainObject(x)) return [fieldError.invalid(path.index(fldPath, i), x, 'must be an object for an array of list-type map')];
  }
  if (list.length <= 1) return [];
  const keys = s.xListMapKeys ?? [];
  if (keys.length === 1) {
    const [keyField] = keys;
    const UNSPECIFIED = Symbol('unspecified');
    const values = list.map((x) => (isPlainObject(x) && Object.hasOwn(x, keyField) ? x[keyField] : UNSPECIFIED));
    const ids = values.map((v) => (v === UNSPECIFIED ? 'unspecified' : identity(v)));
    return nonUnique(ids).map((i) => fieldError.duplicate(path.index(fldPath, i), values[i] === UNSPECIFIED ? {} : { [keyField]: values[i] }));
  }
  const composite = list.map((x) => {
    const key: Record<string, unknown> = {};
    if (isPlainObject(x)) for (const k of keys) if (Object.hasOwn(x, k)) key[k] = x[k];
    return key;
  });
  return nonUnique(composite).map((i) => fieldError.duplicate(path.index(fldPath, i), composite[i]));
}
