// Resource lists as the plugins compute with them: quantities parsed with @kapi/kinds' exact
// resource.Quantity, added, compared and printed as kube prints them.
import { compareQuantities, formatQuantity, readQuantity, scaledValue, type Quantity } from '@kapi/kinds';

export type ResourceList = Map<string, Quantity>;

/** A JSON resource list ({cpu: "500m"}) parsed; what does not parse is left out (validation reports it). */
export function resourceList(raw: unknown): ResourceList {
  const out: ResourceList = new Map();
  if (!raw || typeof raw !== 'object') return out;
  for (const [name, value] of Object.entries(raw)) {
    const q = readQuantity(value);
    if (q) out.set(name, q);
  }
  return out;
}

export function addQuantities(a: Quantity, b: Quantity): Quantity {
  const scale = Math.min(a.scale, b.scale);
  const value = a.value * 10n ** BigInt(a.scale - scale) + b.value * 10n ** BigInt(b.scale - scale);
  return { value, scale, format: a.format };
}

/** kube's addResourceList: `into` gains every quantity of `from`. */
export function addInto(into: ResourceList, from: ResourceList): void {
  for (const [name, q] of from) into.set(name, into.has(name) ? addQuantities(into.get(name)!, q) : q);
}

/** kube's maxResourceList: `into` keeps, per resource, the larger of the two. */
export function maxInto(into: ResourceList, from: ResourceList): void {
  for (const [name, q] of from) if (!into.has(name) || compareQuantities(q, into.get(name)!) > 0) into.set(name, q);
}

export const quantityString = (q: Quantity) => formatQuantity(q);
export const value = (q: Quantity | undefined) => (q ? scaledValue(q, 0) : 0n);
export const milliValue = (q: Quantity | undefined) => (q ? scaledValue(q, -3) : 0n);
export { compareQuantities };
