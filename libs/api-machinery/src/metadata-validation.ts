// Validation of the metadata every object shares. It runs after a kind's own validation so that the
// kind's more specific message comes first, as kube-apiserver orders them.
import { field, type FieldError } from './errors.js';
import { isDns1123Subdomain, isLabelValue, isQualifiedName } from './names.js';
import type { ObjectMeta } from './object.js';

export type NameValidator = (name: string) => string[];

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(k)) errs.push(field.invalid(path, k, msg));
    if (typeof v !== 'string') errs.push(field.invalid(`${path}[${k}]`, v, 'must be a string'));
    else for (const msg of isLabelValue(v)) errs.push(field.invalid(path, v, msg));
  }
  return errs;
}

export function validateAnnotations(annotations: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(field.invalid(path, k, msg));
    total += k.length + String(v).length;
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errs.push({ type: 'FieldValueTooLong', field: path, detail: `Too long: must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes` });
  }
  return errs;
}

export function validateObjectMeta(
  meta: ObjectMeta | undefined,
  options: { namespaced: boolean; validateName: NameValidator },
): FieldError[] {
  const errs: FieldError[] = [];
  const m = meta ?? {};
  if (!m.name && !m.generateName) {
    errs.push(field.required('metadata.name', 'name or generateName is required'));
  } else if (m.name) {
    for (const msg of options.validateName(m.name)) errs.push(field.invalid('metadata.name', m.name, msg));
  }
  if (m.generateName) {
    // The prefix is checked as if a suffix were appended; a trailing '-' is the usual form.
    const probe = m.generateName.replace(/-+$/, '') || 'a';
    for (const msg of options.validateName(probe)) errs.push(field.invalid('metadata.generateName', m.generateName, msg));
  }
  if (options.namespaced) {
    if (!m.namespace) errs.push(field.required('metadata.namespace'));
  } else if (m.namespace) {
    errs.push(field.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  errs.push(...validateLabels(m.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(m.annotations, 'metadata.annotations'));
  for (const f of m.finalizers ?? []) {
    for (const msg of isQualifiedName(f)) errs.push(field.invalid('metadata.finalizers', f, msg));
  }
  return errs;
}

export function validateObjectMetaUpdate(next: ObjectMeta, old: ObjectMeta): FieldError[] {
  const errs: FieldError[] = [];
  const immutable = (path: string, a: unknown, b: unknown) => {
    if (a !== b) errs.push(field.invalid(path, a, 'field is immutable'));
  };
  immutable('metadata.name', next.name, old.name);
  immutable('metadata.namespace', next.namespace, old.namespace);
  immutable('metadata.uid', next.uid, old.uid);
  immutable('metadata.creationTimestamp', next.creationTimestamp, old.creationTimestamp);
  return errs;
}

export function validateSubdomainName(name: string): string[] {
  return isDns1123Subdomain(name);
}
