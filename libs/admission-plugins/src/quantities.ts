// Resource lists as the plugins compute with them: quantities parsed with @kapi/kinds' exact
// resource.Quantity, added (with @kapi/quota's resource.Quantity arithmetic), compared and printed
// as kube prints them.
import { compareQuantities, formatQuantity, scaledValue, type Quantity } from '@kapi/kinds';
import { addQuantity, resourceList, type ResourceList } from '@kapi/quota';

export { resourceList, type ResourceList };

/** kube's addResourceList: `into` gains every quantity of `from`. */
export function addInto(into: ResourceList, from: ResourceList): void {
  for (const [name, q] of from) into.set(name, into.has(name) ? addQuantity(into.get(name)!, q) : q);
}

/** kube's maxResourceList: `into` keeps, per resource, the larger of the two. */
export function maxInto(into: ResourceList, from: ResourceList): void {
  for (const [name, q] of from) if (!into.has(name) || compareQuantities(q, into.get(name)!) > 0) into.set(name, q);
}

export const quantityString = (q: Quantity) => formatQuantity(q);
export const value = (q: Quantity | undefined) => (q ? scaledValue(q, 0) : 0n);
export const milliValue = (q: Quantity | undefined) => (q ? scaledValue(q, -3) : 0n);
export { compareQuantities };
