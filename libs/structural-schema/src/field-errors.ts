// Field paths and field errors as k8s.io/apimachinery's field package builds and renders them, with
// bad values printed as Go prints them (go-format.ts). The errors are api-machinery's FieldError, so
// `invalid()` there turns a list into kube's 422 (`<Kind>.<group> "<name>" is invalid: [...]`).
import type { FieldError } from '@kapi/api-machinery';
import { goBadValue, goQuote } from './go-format.js';

/**
 * A field path as field.Path prints it: `spec.versions[0].schema.properties[spec]`. `null` is Go's nil
 * path, which kube prints as `<nil>` (a rule on the root of a custom resource reports there).
 */
export type FieldPath = string | null;

const childOf = (p: FieldPath, name: string): string => (name === '' ? `${p ?? ''}[]` : p === null ? name : `${p}.${name}`);

export const path = {
  root: null as FieldPath,
  child: (p: FieldPath, ...names: string[]): FieldPath => names.reduce<FieldPath>((acc, n) => childOf(acc, n), p),
  key: (p: FieldPath, key: string): FieldPath => `${p ?? ''}[${key}]`,
  index: (p: FieldPath, i: number): FieldPath => `${p ?? ''}[${i}]`,
  render: (p: FieldPath): string => p ?? '<nil>',
};

/** field.Error's body for a type that shows its bad value: `Invalid value: "x": detail`. */
function withValue(label: string, value: unknown, detail: string): string {
  const body = `${label}: ${goBadValue(value)}`;
  return detail ? `${body}: ${detail}` : body;
}

function withoutValue(label: string, detail: string): string {
  return detail ? `${label}: ${detail}` : label;
}

/** A bad value that field.Error omits (TooMany with an unknown count). */
export const OMIT_VALUE = Symbol('omit value');

export const fieldError = {
  invalid: (field: FieldPath, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field: path.render(field), detail: withValue('Invalid value', value, detail) }),
  typeInvalid: (field: FieldPath, value: unknown, detail: string): FieldError => ({ type: 'FieldValueTypeInvalid', field: path.render(field), detail: withValue('Invalid value', value, detail) }),
  required: (field: FieldPath, detail = ''): FieldError => ({ type: 'FieldValueRequired', field: path.render(field), detail: withoutValue('Required value', detail) }),
  forbidden: (field: FieldPath, detail: string): FieldError => ({ type: 'FieldValueForbidden', field: path.render(field), detail: withoutValue('Forbidden', detail) }),
  duplicate: (field: FieldPath, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field: path.render(field), detail: withValue('Duplicate value', value, '') }),
  notFound: (field: FieldPath, value: unknown): FieldError => ({ type: 'FieldValueNotFound', field: path.render(field), detail: withValue('Not found', value, '') }),
  /** `supported values: "a", "b"`: each value as Go's %q of its fmt.Sprint. */
  notSupported: (field: FieldPath, value: unknown, supported: readonly string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field: path.render(field),
    detail: withValue('Unsupported value', value, supported.length ? `supported values: ${supported.map(goQuote).join(', ')}` : ''),
  }),
  tooLong: (field: FieldPath, max: number): FieldError => ({
    type: 'FieldValueTooLong',
    field: path.render(field),
    detail: withoutValue('Too long', max >= 0 ? `may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}` : 'value is too long'),
  }),
  tooMany: (field: FieldPath, actual: number, max: number): FieldError => {
    const detail = max >= 0 ? `must have at most ${max} ${max === 1 ? 'item' : 'items'}` : 'has too many items';
    return { type: 'FieldValueTooMany', field: path.render(field), detail: actual >= 0 ? withValue('Too many', actual, detail) : withoutValue('Too many', detail) };
  },
  internal: (field: FieldPath, detail: string): FieldError => ({ type: 'InternalError', field: path.render(field), detail: withoutValue('Internal error', detail) }),
};

/** `spec.x: Invalid value: ...`, as field.Error's Error() prints it. */
export function renderError(e: FieldError): string {
  return `${e.field}: ${e.detail}`;
}

/** field.ErrorList.ToAggregate().Error(): distinct errors, one alone or `[a, b]`. */
export function aggregate(errors: readonly FieldError[]): string {
  const distinct = [...new Set(errors.map(renderError))];
  return distinct.length === 1 ? distinct[0] : `[${distinct.join(', ')}]`;
}
