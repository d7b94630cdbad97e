// A served version of a custom resource, as apiextensions' handler and strategy treat its objects:
// `decode` is what kube's decoder adds to JSON (metadata decoded as ObjectMeta, unknown fields pruned
// and reported, non-nullable nulls dropped, embedded resources coerced), `applyDefaults` its defaulting
// (on a request and on every read from storage), and `validate…` its strategy's validation, in kube's
// order: type meta, metadata, the schema, scale paths, embedded resources, list types, then the
// x-kubernetes-validations rules unless an earlier error blocks them. Updates ratchet: what did not
// change is not held to rules it already broke.
import { invalid, type FieldError, type StatusError } from '@kapi/api-machinery';
import { RUNTIME_CEL_COST_BUDGET } from '@kapi/cel';
import { CelValidator } from './cel/validator.js';
import { CorrelatedObject } from './correlation.js';
import { pruneDefaults, applyDefaults, pruneNonNullableNullsWithoutDefaults } from './defaulting.js';
import { coerceEmbeddedResources, coercionMessage, validateEmbeddedResources } from './embedded-resources.js';
import { fieldError, type FieldPath } from './field-errors.js';
import { goNumber, goValue } from './go-format.js';
import { isPlainObject, type JSONSchemaProps } from './json-schema-props.js';
import { validateListSetsAndMaps } from './list-types.js';
import { decodeObjectMeta, encodeObjectMeta, groupVersionError, nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate, type ObjectMeta } from './object-meta.js';
import { prune } from './pruning.js';
import { newStructural, type Structural } from './structural.js';
import { CustomResourceValueValidator } from './value-validation.js';
import { isQualifiedName } from '@kapi/api-machinery';

/**
 * The patch types kube accepts for a custom resource: no strategic merge patch, which kube answers
 * with 415 UnsupportedMediaType and UNSUPPORTED_PATCH_MESSAGE (asked of kube-apiserver v1.34.2).
 */
export const CUSTOM_RESOURCE_PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'] as const;
export const UNSUPPORTED_PATCH_MESSAGE = `the body of the request was in an unknown format - accepted media types include: ${CUSTOM_RESOURCE_PATCH_TYPES.join(', ')}`;

export interface CustomResourceKind {
  group: string;
  version: string;
  kind: string;
  namespaced: boolean;
}

/** A version's scale subresource: where replicas and the selector are in its objects. */
export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface CustomResourceSchemaOptions {
  kind: CustomResourceKind;
  /** The version's `schema.openAPIV3Schema`. */
  schema?: JSONSchemaProps;
  /** spec.preserveUnknownFields (v1 allows only false; kept for objects of old CRDs). */
  preserveUnknownFields?: boolean;
  scale?: ScaleSubresource;
}

export interface DecodeOptions {
  /** Reading from storage: malformed metadata is dropped rather than failing, and a missing generation becomes 1. */
  fromStorage?: boolean;
}

export interface DecodeResult {
  /** Fields the schema does not know, removed, by path: kube's `unknown field "spec.foo"` (Warn) or a 400 (Strict). */
  unknownFieldPaths: string[];
  /** The decoder's error (kube answers 400: `<Kind> in version "<v>" cannot be handled as a <Kind>: <error>`). */
  error?: string;
}

export interface UpdateValidation {
  errors: FieldError[];
  /** Rules an unchanged value still breaks (ratcheting): kube sends them as warnings. */
  warnings: string[];
}

const BLOCKING: FieldError['type'][] = ['FieldValueNotSupported', 'FieldValueRequired', 'FieldValueTooLong', 'FieldValueTooMany', 'FieldValueTypeInvalid'];
const STANDARD_FINALIZERS = new Set(['orphan', 'foregroundDeletion', 'kubernetes']);
const MAX_INT32 = 2 ** 31 - 1;

/** Go's %T of a JSON value in an unstructured object. */
const goTypeName = (v: unknown) =>
  typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? (Number.isInteger(v) ? 'int64' : 'float64') : Array.isArray(v) ? '[]interface {}' : v === null ? '<nil>' : 'map[string]interface {}';

/** unstructured.NestedFieldNoCopy with kube's accessor errors. */
function nested(obj: Record<string, unknown>, fields: string[]): { value?: unknown; found: boolean; error?: string } {
  let current: unknown = obj;
  for (let i = 0; i < fields.length; i++) {
    if (!isPlainObject(current)) return { found: false, error: `.${fields.slice(0, i).join('.')} accessor error: ${goValue(current)} is of the type ${goTypeName(current)}, expected map[string]interface{}` };
    if (!Object.hasOwn(current, fields[i])) return { found: false };
    current = current[fields[i]];
  }
  return { value: current, found: true };
}

function nestedInt64(obj: Record<string, unknown>, jsonPath: string): { value: number; error?: string } {
  const fields = jsonPath.replace(/^\./, '').split('.');
  const r = nested(obj, fields);
  if (r.error) return { value: 0, error: r.error };
  if (!r.found) return { value: 0 };
  if (typeof r.value === 'number' && Number.isInteger(r.value)) return { value: r.value };
  return { value: 0, error: `.${fields.join('.')} accessor error: ${goValue(r.value)} is of the type ${goTypeName(r.value)}, expected int64` };
}

function nestedString(obj: Record<string, unknown>, jsonPath: string): { value: string; error?: string } {
  const fields = jsonPath.replace(/^\./, '').split('.');
  const r = nested(obj, fields);
  if (r.error) return { value: '', error: r.error };
  if (!r.found) return { value: '' };
  if (typeof r.value === 'string') return { value: r.value };
  return { value: '', error: `.${fields.join('.')} accessor error: ${goValue(r.value)} is of the type ${goTypeName(r.value)}, expected string` };
}

export class CustomResourceSchema {
  /** The structural schema, its defaults pruned as kube prunes them before serving. */
  readonly structural?: Structural;
  private readonly validator?: CustomResourceValueValidator;
  private readonly statusValidator?: CustomResourceValueValidator;
  private readonly cel?: CelValidator;

  constructor(private readonly options: CustomResourceSchemaOptions) {
    if (options.schema) {
      const structural = newStructural(options.schema);
      this.structural = options.preserveUnknownFields ? structural : pruneDefaults(structural);
      this.validator = new CustomResourceValueValidator(structural);
      const status = structural.properties?.status;
      if (status) this.statusValidator = new CustomResourceValueValidator(status);
      this.cel = CelValidator.create(this.structural, true);
    }
  }

  get kind(): CustomResourceKind {
    return this.options.kind;
  }

  /**
   * What kube's decoder does to a custom resource after parsing it (unstructuredSchemaCoercer), in
   * place: ObjectMeta decoding, pruning, dropping non-nullable nulls, coercing embedded resources.
   */
  decode(obj: Record<string, unknown>, options: DecodeOptions = {}): DecodeResult {
    const drop = options.fromStorage === true;
    for (const field of ['kind', 'apiVersion']) {
      if (Object.hasOwn(obj, field) && typeof obj[field] !== 'string') {
        return { unknownFieldPaths: [], error: `.${field} accessor error: ${goValue(obj[field])} is of the type ${goTypeName(obj[field])}, expected string` };
      }
    }
    const kind = obj.kind as string | undefined;
    const apiVersion = obj.apiVersion as string | undefined;
    const meta = decodeObjectMeta(obj, { dropMalformedFields: drop });
    if (meta.error) return { unknownFieldPaths: [], error: meta.error };
    const unknown = [...meta.unknownFieldPaths];
    const gvError = groupVersionError(apiVersion ?? '');
    if (gvError) return { unknownFieldPaths: [], error: gvError };
    const group = (apiVersion ?? '').includes('/') ? (apiVersion ?? '').split('/')[0] : '';
    if (group === this.options.kind.group && kind === this.options.kind.kind) {
      if (!this.options.preserveUnknownFields) {
        unknown.push(...prune(obj, this.structural, true));
        pruneNonNullableNullsWithoutDefaults(obj, this.structural);
      }
      const coerced = coerceEmbeddedResources(null, obj, this.structural, false, { dropInvalidFields: drop });
      if (coerced.error) return { unknownFieldPaths: [], error: coercionMessage(coerced.error) };
      unknown.push(...coerced.unknownFieldPaths);
      if (drop && meta.meta && !meta.meta.generation) meta.meta.generation = 1;
    }
    if (meta.found && meta.meta) obj.metadata = encodeObjectMeta(meta.meta);
    return { unknownFieldPaths: unknown };
  }

  /** Applies the schema's defaults in place (after decoding a request, and to every object read from storage). */
  applyDefaults(obj: Record<string, unknown>): void {
    applyDefaults(obj, this.structural);
  }

  private metaOf(obj: Record<string, unknown>): ObjectMeta {
    return decodeObjectMeta(obj, { dropMalformedFields: true }).meta ?? {};
  }

  private validateTypeMeta(obj: Record<string, unknown>): FieldError[] {
    const k = this.options.kind;
    const errs: FieldError[] = [];
    const kind = typeof obj.kind === 'string' ? obj.kind : '';
    const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
    if (kind !== k.kind) errs.push(fieldError.invalid('kind', kind, `must be ${k.kind}`));
    if (apiVersion !== `${k.group}/${k.version}`) errs.push(fieldError.invalid('apiVersion', apiVersion, `must be ${k.group}/${k.version}`));
    return errs;
  }

  private validateScaleSpec(obj: Record<string, unknown>): FieldError[] {
    const scale = this.options.scale;
    if (!scale) return [];
    return this.replicasErrors(obj, scale.specReplicasPath);
  }

  private validateScaleStatus(obj: Record<string, unknown>): FieldError[] {
    const scale = this.options.scale;
    if (!scale) return [];
    const errs = this.replicasErrors(obj, scale.statusReplicasPath);
    if (scale.labelSelectorPath) {
      const selector = nestedString(obj, scale.labelSelectorPath);
      if (selector.error) errs.push(fieldError.invalid(scale.labelSelectorPath, selector.value, selector.error));
    }
    return errs;
  }

  private replicasErrors(obj: Record<string, unknown>, jsonPath: string): FieldError[] {
    const replicas = nestedInt64(obj, jsonPath);
    if (replicas.error) return [fieldError.invalid(jsonPath, replicas.value, replicas.error)];
    if (replicas.value < 0) return [fieldError.invalid(jsonPath, replicas.value, 'should be a non-negative integer')];
    if (replicas.value > MAX_INT32) return [fieldError.invalid(jsonPath, replicas.value, `should be less than or equal to ${goNumber(MAX_INT32)}`)];
    return [];
  }

  private celErrors(errs: FieldError[], obj: Record<string, unknown>, old: Record<string, unknown> | undefined, correlation: CorrelatedObject | undefined, warnings: string[]): FieldError[] {
    if (!this.cel) return [];
    if (errs.some((e) => BLOCKING.includes(e.type))) {
      return [fieldError.invalid(null, null, 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation')];
    }
    const result = this.cel.validate(null, obj, old, { correlation, budget: RUNTIME_CEL_COST_BUDGET });
    warnings.push(...result.warnings);
    return result.errors;
  }

  /** The strategy's Validate: the errors of an object being created. */
  validate(obj: Record<string, unknown>): FieldError[] {
    const typeMeta = this.validateTypeMeta(obj);
    let errs: FieldError[] = typeMeta;
    if (!typeMeta.length) {
      errs = [
        ...validateObjectMeta(this.metaOf(obj), this.options.kind.namespaced, nameIsDNSSubdomain, 'metadata'),
        ...(this.validator?.validate(obj) ?? []),
        ...this.validateScaleSpec(obj),
        ...this.validateScaleStatus(obj),
      ];
    }
    errs.push(...validateEmbeddedResources(null, obj, this.structural, false));
    errs.push(...validateListSetsAndMaps(null, this.structural, obj));
    errs.push(...this.celErrors(errs, obj, undefined, undefined, []));
    return errs;
  }

  /** The strategy's ValidateUpdate, with ratcheting. */
  validateUpdate(obj: Record<string, unknown>, old: Record<string, unknown>): UpdateValidation {
    const correlation = new CorrelatedObject(obj, old, this.structural);
    const warnings: string[] = [];
    const typeMeta = this.validateTypeMeta(obj);
    let errs: FieldError[] = typeMeta;
    if (!typeMeta.length) {
      errs = [
        ...validateObjectMetaUpdate(this.metaOf(obj), this.metaOf(old), 'metadata'),
        ...(this.validator?.validateUpdate(correlation) ?? []),
        ...this.validateScaleSpec(obj),
        ...this.validateScaleStatus(obj),
      ];
    }
    errs.push(...validateEmbeddedResources(null, obj, this.structural, false));
    if (!validateListSetsAndMaps(null, this.structural, old).length) errs.push(...validateListSetsAndMaps(null, this.structural, obj));
    errs.push(...this.celErrors(errs, obj, old, correlation, warnings));
    return { errors: errs, warnings };
  }

  /** The status strategy's ValidateUpdate: the status as its schema says, with ratcheting. */
  validateStatusUpdate(obj: Record<string, unknown>, old: Record<string, unknown>): UpdateValidation {
    const correlation = new CorrelatedObject(obj, old, this.structural);
    const warnings: string[] = [];
    const typeMeta = this.validateTypeMeta(obj);
    let errs: FieldError[] = typeMeta;
    if (!typeMeta.length) {
      errs = [...validateObjectMetaUpdate(this.metaOf(obj), this.metaOf(old), 'metadata')];
      if (Object.hasOwn(obj, 'status') && this.statusValidator) {
        const statusCorrelation = correlation.key('status');
        errs.push(
          ...(statusCorrelation ? this.statusValidator.validateUpdate(statusCorrelation, 'status' as FieldPath) : this.statusValidator.validate(obj.status, 'status')),
        );
      }
      errs.push(...this.validateScaleStatus(obj));
    }
    const listErrors = validateListSetsAndMaps(null, this.structural, obj);
    if (listErrors.length && !validateListSetsAndMaps(null, this.structural, old).length) errs.push(...listErrors);
    errs.push(...this.celErrors(errs, obj, old, correlation, warnings));
    return { errors: errs, warnings };
  }

  /** The 422 kube answers with: `<Kind>.<group> "<name>" is invalid: [...]`. */
  invalid(obj: Record<string, unknown>, errors: FieldError[]): StatusError {
    const name = isPlainObject(obj.metadata) && typeof obj.metadata.name === 'string' ? obj.metadata.name : '';
    return invalid(this.options.kind.kind, this.options.kind.group, name, errors);
  }

  /** The strategy's warnings: finalizers added that are not domain-qualified. */
  warnings(obj: Record<string, unknown>, old?: Record<string, unknown>): string[] {
    const before = new Set(old ? (this.metaOf(old).finalizers ?? []) : []);
    const added = [...new Set(this.metaOf(obj).finalizers ?? [])].filter((f) => !before.has(f)).sort();
    const out: string[] = [];
    for (const f of added) {
      for (const msg of isQualifiedName(f)) out.push(`metadata.finalizers: ${JSON.stringify(f)}: ${msg}`);
      if (f.split('/').length === 1 && !STANDARD_FINALIZERS.has(f)) {
        out.push(
          f.includes('.')
            ? `metadata.finalizers: ${JSON.stringify(f)}: prefer a domain-qualified finalizer name including a path (/) to avoid accidental conflicts with other finalizer writers`
            : `metadata.finalizers: ${JSON.stringify(f)}: prefer a domain-qualified finalizer name to avoid accidental conflicts with other finalizer writers`,
        );
      }
    }
    return out;
  }
}
