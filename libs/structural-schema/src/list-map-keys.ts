// The identity of an item of an `x-kubernetes-list-type: map` list: the values of its
// x-kubernetes-list-map-keys, which must all be present and scalar (kube's MapList key strategies).

const isScalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** The item's key, or undefined when a key field is missing or not a scalar. */
export function mapListKey(item: Record<string, unknown>, keys: readonly string[]): string | undefined {
  const parts: unknown[] = [];
  for (const k of keys) {
    if (!Object.hasOwn(item, k) || !isScalar(item[k])) return undefined;
    parts.push(item[k]);
  }
  return JSON.stringify(parts);
}
