// The checks of `default` values when a CRD is written (kube's defaulting.ValidateDefaults): each
// default must have no unknown fields (it would be pruned), must decode where it lands (embedded
// metadata), and must pass the schema's validation and its x-kubernetes-validations rules — once
// as an update of itself and once as a create. A default inside an embedded resource's metadata is
// checked as the metadata it becomes. Defaults under additionalProperties are not checked, as in kube.
import type { FieldError } from '@kapi/api-machinery';
import { RUNTIME_CEL_COST_BUDGET } from '@kapi/cel';
import { CelValidator } from './cel/validator.js';
import { aggregate, fieldError, path, renderError, type FieldPath } from './field-errors.js';
import { coerceEmbeddedResources, validateEmbeddedResources } from './embedded-resources.js';
import { deepCopyJSON, deepEqualJSON } from './json-equality.js';
import { isPlainObject, sortedEntries } from './json-schema-props.js';
import { toOpenAPISchema } from './openapi-schema.js';
import { prune } from './pruning.js';
import { asResourceRoot, type Structural } from './structural.js';
import { SchemaValidator, toFieldErrors } from './value-validation.js';

const META_FIELDS = new Set(['metadata', 'apiVersion', 'kind']);
const TYPE_META = { apiVersion: 'validation/v1', kind: 'Validation' };

/** Puts a default where it sits inside the nearest resource (with apiVersion and kind), or takes it out again. */
type Surrounding = (value: unknown) => Record<string, unknown>;

const rootSurrounding: Surrounding = (value) => {
  const obj = isPlainObject(value) ? value : {};
  for (const [k, v] of Object.entries(TYPE_META)) if (!Object.hasOwn(obj, k)) obj[k] = v;
  return obj;
};
const childOf = (f: Surrounding, key: string): Surrounding => (value) => f({ [key]: value });
const indexOf = (f: Surrounding): Surrounding => (value) => f([value]);

interface Walk {
  requirePrunedDefaults: boolean;
  errors: FieldError[];
  budget: number;
}

/** kube's ValidateDefaults for a CRD version's schema at `fldPath` (`spec.validation.openAPIV3Schema`). */
export function validateDefaults(fldPath: FieldPath, schema: Structural, isResourceRoot: boolean, requirePrunedDefaults: boolean): FieldError[] {
  const s = isResourceRoot ? asResourceRoot(schema) : schema;
  const w: Walk = { requirePrunedDefaults, errors: [], budget: RUNTIME_CEL_COST_BUDGET };
  visit(w, fldPath, s, s, rootSurrounding, false);
  return w.errors;
}

function celCheck(w: Walk, at: FieldPath, s: Structural, isResourceRoot: boolean, value: unknown): boolean {
  const validator = CelValidator.create(s, isResourceRoot);
  if (!validator) return true;
  const asUpdate = validator.validate(at, value, value, { budget: w.budget });
  w.errors.push(...asUpdate.errors);
  let remaining = asUpdate.remainingBudget;
  if (!asUpdate.errors.length) {
    const asCreate = validator.validate(at, value, undefined, { budget: w.budget });
    w.errors.push(...asCreate.errors);
    remaining = Math.min(remaining, asCreate.remainingBudget);
  }
  w.budget = remaining;
  return w.budget >= 0;
}

function visit(w: Walk, fldPath: FieldPath, s: Structural, rootIn: Structural, fIn: Surrounding, insideMetaIn: boolean): boolean {
  let root = rootIn;
  let f = fIn;
  let insideMeta = insideMetaIn;
  if (s.xEmbeddedResource) {
    insideMeta = false;
    f = rootSurrounding;
    root = s;
  }
  const isResourceRoot = s === root;
  if (s.default !== undefined) {
    const at = path.child(fldPath, 'default');
    const validator = new SchemaValidator(toOpenAPISchema(s, { forCustomResources: false }), '');
    if (insideMeta) {
      const obj = f(deepCopyJSON(s.default));
      const coerced = coerceEmbeddedResources(null, obj, root, true);
      const metaErrors = coerced.error ? [] : validateEmbeddedResources(null, obj, root, true);
      if (coerced.error) w.errors.push(fieldError.invalid(at, s.default, `must result in valid metadata: ${renderError(coerced.error)}`));
      else if (metaErrors.length) w.errors.push(fieldError.invalid(at, s.default, `must result in valid metadata: ${aggregate(metaErrors)}`));
      else {
        const valueErrors = toFieldErrors(at, validator.validate(s.default));
        if (valueErrors.length) w.errors.push(...valueErrors);
        else if (!celCheck(w, at, s, isResourceRoot, s.default)) return false;
      }
    } else {
      if (w.requirePrunedDefaults) {
        const pruned = deepCopyJSON(s.default);
        prune(pruned, s, s.xEmbeddedResource);
        if (!deepEqualJSON(pruned, s.default)) w.errors.push(fieldError.invalid(at, s.default, 'must not have unknown fields'));
      }
      const value = deepCopyJSON(s.default);
      const coerced = coerceEmbeddedResources(at, value, s, s.xEmbeddedResource);
      if (coerced.error) w.errors.push(coerced.error);
      else {
        // kube goes on with the default as the coercion rewrote it.
        const metaErrors = validateEmbeddedResources(at, value, s, s.xEmbeddedResource);
        if (metaErrors.length) w.errors.push(...metaErrors);
        else {
          const valueErrors = toFieldErrors(at, validator.validate(value));
          if (valueErrors.length) w.errors.push(...valueErrors);
          else if (!celCheck(w, at, s, isResourceRoot, value)) return false;
        }
      }
    }
  }
  if (s.items && !visit(w, path.child(fldPath, 'items'), s.items, root, indexOf(f), insideMeta)) return false;
  for (const [k, p] of sortedEntries(s.properties)) {
    const subInsideMeta = insideMeta || (s.xEmbeddedResource && META_FIELDS.has(k));
    if (!visit(w, path.key(path.child(fldPath, 'properties'), k), p, root, childOf(f, k), subInsideMeta)) return false;
  }
  return true;
}
