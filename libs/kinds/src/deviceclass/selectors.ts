// DRA device selectors (a DeviceClass's, a claim request's): each a CEL expression over `device`,
// compiled as kube compiles it, its failure reported at the expression.
import { deviceSelectorError } from '@kapi/cel';
import { field, type FieldError } from '@kapi/api-machinery';

export type DeviceSelector = { cel?: { expression?: string } | null } | null;

const MAX_SELECTORS = 32;

export function validateDeviceSelectors(selectors: DeviceSelector[] | null | undefined, path: string): FieldError[] {
  const list = Array.isArray(selectors) ? selectors : [];
  const errs: FieldError[] = [];
  if (list.length > MAX_SELECTORS) errs.push(field.tooMany(path, list.length, MAX_SELECTORS));
  list.forEach((selector, i) => {
    const at = `${path}[${i}].cel`;
    if (!selector?.cel) return void errs.push(field.required(at));
    const expression = selector.cel.expression ?? '';
    const error = deviceSelectorError(expression);
    if (error) errs.push(field.invalid(`${at}.expression`, expression, error));
  });
  return errs;
}
