// Resource lists as kube's quota code computes with them (k8s.io/apiserver/pkg/quota/v1): exact
// quantities added, subtracted, masked and compared, and printed in kube's canonical form. A sum
// takes the format of its first non-zero term, as resource.Quantity's Add and Sub do, so `512Mi`
// plus `512Mi` prints `1Gi` and a count stays a plain number.
import { compareQuantities, formatQuantity, readQuantity, type Quantity } from '@kapi/kinds';

export type ResourceList = Map<string, Quantity>;

export const ZERO: Quantity = { value: 0n, scale: 0, format: 'DecimalSI' };

/** resource.NewQuantity(n, DecimalSI). */
export const count = (n: number): Quantity => ({ value: BigInt(n), scale: 0, format: 'DecimalSI' });

/** A JSON resource list ({"cpu": "500m"}); what does not parse is left out (validation reports it). */
export function resourceList(raw: unknown): ResourceList {
  const out: ResourceList = new Map();
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return out;
  for (const [name, value] of Object.entries(raw)) {
    const q = readQuantity(value);
    if (q) out.set(name, q);
  }
  return out;
}

/** The list as JSON, each quantity in canonical form, names sorted. */
export function toJson(list: ResourceList): Record<string, string> {
  return Object.fromEntries([...list.keys()].sort().map((name) => [name, formatQuantity(list.get(name)!)]));
}

function align(a: Quantity, b: Quantity): [bigint, bigint, number] {
  const scale = Math.min(a.scale, b.scale);
  return [a.value * 10n ** BigInt(a.scale - scale), b.value * 10n ** BigInt(b.scale - scale), scale];
}

/** Quantity.Add: a zero receiver takes the other's format. */
export function addQuantity(a: Quantity, b: Quantity): Quantity {
  const [x, y, scale] = align(a, b);
  return { value: x + y, scale, format: a.value === 0n ? b.format : a.format };
}

/** Quantity.Sub: a zero receiver takes the other's format. */
export function subtractQuantity(a: Quantity, b: Quantity): Quantity {
  const [x, y, scale] = align(a, b);
  return { value: x - y, scale, format: a.value === 0n ? b.format : a.format };
}

export const isZero = (q: Quantity) => q.value === 0n;
export const sign = (q: Quantity) => (q.value > 0n ? 1 : q.value < 0n ? -1 : 0);

/** quota.Add: a + b for each named resource. */
export function add(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [name, q] of b) out.set(name, out.has(name) ? addQuantity(out.get(name)!, q) : q);
  return out;
}

/** quota.Subtract: a - b for each named resource (a name only in b is negated). */
export function subtract(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [name, q] of b) out.set(name, subtractQuantity(out.get(name) ?? ZERO, q));
  return out;
}

/** quota.SubtractWithNonNegativeResult: a - b, where what would be negative is zero. */
export function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map();
  for (const [name, q] of a) {
    const d = b.has(name) ? subtractQuantity(q, b.get(name)!) : q;
    out.set(name, sign(d) > 0 ? d : ZERO);
  }
  for (const name of b.keys()) if (!out.has(name)) out.set(name, ZERO);
  return out;
}

/** The larger of the two for each named resource (component-helpers' max). */
export function max(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [name, q] of b) if (!out.has(name) || compareQuantities(q, out.get(name)!) > 0) out.set(name, q);
  return out;
}

/** quota.Mask: only the named resources. */
export function mask(list: ResourceList, names: Iterable<string>): ResourceList {
  const keep = new Set(names);
  return new Map([...list].filter(([name]) => keep.has(name)));
}

/** quota.Equals: the same names, and equal quantities. */
export function equals(a: ResourceList, b: ResourceList): boolean {
  if (a.size !== b.size) return false;
  for (const [name, q] of a) {
    const other = b.get(name);
    if (!other || compareQuantities(q, other) !== 0) return false;
  }
  return true;
}

/** quota.LessThanOrEqual: whether a ≤ b for each name of b that a has; the names that exceed. */
export function lessThanOrEqual(a: ResourceList, b: ResourceList): [boolean, string[]] {
  const exceeded = [...b].filter(([name, limit]) => a.has(name) && compareQuantities(a.get(name)!, limit) > 0).map(([name]) => name);
  return [exceeded.length === 0, exceeded];
}

/** quota.IsNegative: the names whose quantity is below zero. */
export const negativeNames = (list: ResourceList): string[] => [...list].filter(([, q]) => sign(q) < 0).map(([name]) => name);

/** quota.RemoveZeros. */
export const removeZeros = (list: ResourceList): ResourceList => new Map([...list].filter(([, q]) => !isZero(q)));

export const resourceNames = (list: ResourceList): string[] => [...list.keys()];

/** quota.Intersection: the names of a also in b, deduplicated and sorted. */
export function intersection(a: Iterable<string>, b: Iterable<string>): string[] {
  const other = new Set(b);
  return [...new Set(a)].filter((n) => other.has(n)).sort();
}

/** quota.Difference: the names of a not in b, deduplicated and sorted. */
export function difference(a: Iterable<string>, b: Iterable<string>): string[] {
  const other = new Set(b);
  return [...new Set(a)].filter((n) => !other.has(n)).sort();
}

/** kube's prettyPrint: `name=quantity` pairs sorted by name, comma-separated. */
export const prettyPrint = (list: ResourceList): string =>
  [...list.keys()]
    .sort()
    .map((name) => `${name}=${formatQuantity(list.get(name)!)}`)
    .join(',');

/** kube's prettyPrintResourceNames: sorted, comma-separated. */
export const prettyPrintNames = (names: Iterable<string>): string => [...names].sort().join(',');
