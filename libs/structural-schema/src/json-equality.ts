// Deep equality of JSON values, as reflect.DeepEqual compares kube's unstructured objects.
import { isPlainObject } from './json-schema-props.js';

export function deepEqualJSON(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqualJSON(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqualJSON(a[k], b[k]));
  }
  return false;
}

/** A deep copy of a JSON value (runtime.DeepCopyJSONValue). */
export function deepCopyJSON<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}
