// Resources embedded in a custom resource (`x-kubernetes-embedded-resource: true`): their apiVersion
// and kind must be strings and their metadata an ObjectMeta (kube's objectmeta.Coerce, which also
// rewrites that metadata as ObjectMeta encodes itself), and they are validated as resources are
// (objectmeta.Validate): apiVersion and kind required and well-formed, metadata valid.
import type { FieldError } from '@kapi/api-machinery';
import { isDns1035Label } from '@kapi/api-machinery';
import { fieldError, path, renderError, type FieldPath } from './field-errors.js';
import { isPlainObject } from './json-schema-props.js';
import { decodeObjectMeta, encodeObjectMeta, groupVersionError, nameIsPathSegment, validateObjectMeta } from './object-meta.js';
import { asResourceRoot, type Structural } from './structural.js';

export interface CoerceOptions {
  /** Drop what does not decode instead of failing (objects read from storage). */
  dropInvalidFields?: boolean;
}

export interface CoerceResult {
  /** The first field that cannot be made what it must be; decoding fails with it. */
  error?: FieldError;
  /** Unknown fields of embedded metadata, sorted. */
  unknownFieldPaths: string[];
}

/** kube's objectmeta.CoerceWithOptions over an object (its embedded resources, and the root when `isResourceRoot`). */
export function coerceEmbeddedResources(fldPath: FieldPath, obj: unknown, schema: Structural | undefined, isResourceRoot: boolean, opts: CoerceOptions = {}): CoerceResult {
  const unknown: string[] = [];
  const error = coerce(fldPath, obj, isResourceRoot ? asResourceRoot(schema) : schema, opts, unknown);
  return { ...(error ? { error } : {}), unknownFieldPaths: unknown.sort() };
}

function coerce(fldPath: FieldPath, x: unknown, s: Structural | undefined, opts: CoerceOptions, unknown: string[]): FieldError | undefined {
  if (!s) return undefined;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const e = coerce(path.index(fldPath, i), x[i], s.items, opts, unknown);
      if (e) return e;
    }
    return undefined;
  }
  if (!isPlainObject(x)) return undefined;
  for (const [k, v] of Object.entries(x)) {
    if (s.xEmbeddedResource) {
      if (k === 'apiVersion' || k === 'kind') {
        if (typeof v !== 'string') {
          if (opts.dropInvalidFields) delete x[k];
          else return fieldError.invalid(path.child(fldPath, k), v, 'must be a string');
        }
      } else if (k === 'metadata') {
        const decoded = decodeObjectMeta(x, { dropMalformedFields: opts.dropInvalidFields, parentPath: fldPath });
        unknown.push(...decoded.unknownFieldPaths);
        if (decoded.error) {
          if (!opts.dropInvalidFields) return fieldError.invalid(path.child(fldPath, 'metadata'), v, decoded.error);
        } else if (decoded.found && decoded.meta) {
          const encoded = encodeObjectMeta(decoded.meta);
          if (encoded.creationTimestamp === null) delete encoded.creationTimestamp;
          x.metadata = encoded;
        }
      }
    }
    const property = s.properties?.[k];
    if (property) {
      const e = coerce(path.child(fldPath, k), v, property, opts, unknown);
      if (e) return e;
    } else if (s.additionalProperties) {
      const e = coerce(path.key(fldPath, k), v, s.additionalProperties.structural, opts, unknown);
      if (e) return e;
    }
  }
  return undefined;
}

/** kube's objectmeta.Validate: every embedded resource's apiVersion, kind and metadata. */
export function validateEmbeddedResources(fldPath: FieldPath, obj: unknown, schema: Structural | undefined, isResourceRoot: boolean): FieldError[] {
  return validate(fldPath, obj, isResourceRoot ? asResourceRoot(schema) : schema);
}

function validate(fldPath: FieldPath, x: unknown, s: Structural | undefined): FieldError[] {
  if (!s) return [];
  const errs: FieldError[] = [];
  if (Array.isArray(x)) {
    x.forEach((v, i) => errs.push(...validate(path.index(fldPath, i), v, s.items)));
  } else if (isPlainObject(x)) {
    if (s.xEmbeddedResource) errs.push(...validateEmbeddedResource(fldPath, x));
    for (const [k, v] of Object.entries(x)) {
      const property = s.properties?.[k];
      if (property) errs.push(...validate(path.child(fldPath, k), v, property));
      else if (s.additionalProperties) errs.push(...validate(path.key(fldPath, k), v, s.additionalProperties.structural));
    }
  }
  return errs;
}

function validateEmbeddedResource(fldPath: FieldPath, x: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  if (!Object.hasOwn(x, 'apiVersion')) errs.push(fieldError.required(path.child(fldPath, 'apiVersion'), ''));
  if (!Object.hasOwn(x, 'kind')) errs.push(fieldError.required(path.child(fldPath, 'kind'), ''));
  for (const [k, v] of Object.entries(x)) {
    if (k === 'apiVersion') {
      if (typeof v !== 'string') errs.push(fieldError.invalid(path.child(fldPath, 'apiVersion'), v, 'must be a string'));
      else if (!v) errs.push(fieldError.invalid(path.child(fldPath, 'apiVersion'), v, 'must not be empty'));
      else {
        const problem = groupVersionError(v);
        if (problem) errs.push(fieldError.invalid(path.child(fldPath, 'apiVersion'), v, problem));
      }
    } else if (k === 'kind') {
      if (typeof v !== 'string') errs.push(fieldError.invalid(path.child(fldPath, 'kind'), v, 'must be a string'));
      else if (!v) errs.push(fieldError.invalid(path.child(fldPath, 'kind'), v, 'must not be empty'));
      else {
        const problems = isDns1035Label(v.toLowerCase());
        if (problems.length) errs.push(fieldError.invalid(path.child(fldPath, 'kind'), v, `may have mixed case, but should otherwise match: ${problems.join(',')}`));
      }
    } else if (k === 'metadata') {
      const decoded = decodeObjectMeta(x);
      if (decoded.error) errs.push(fieldError.invalid(path.child(fldPath, 'metadata'), v, decoded.error));
      else {
        const meta = { ...decoded.meta };
        // A name is not required of an embedded resource: kube validates with a stand-in.
        if (!meta.name) meta.name = 'fakename';
        errs.push(...validateObjectMeta(meta, Boolean(meta.namespace), nameIsPathSegment, path.child(fldPath, 'metadata')));
      }
    }
  }
  return errs;
}

/** A coercion error as the decoder reports it (the field error's text). */
export const coercionMessage = (e: FieldError) => renderError(e);
