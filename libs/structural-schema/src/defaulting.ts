// Defaulting of custom resources (kube's structural defaulting): a property's `default` fills it
// when it is absent, or null without `nullable: true`; a map's or list's default fills its null
// entries likewise. kube applies defaults when it decodes a request and when it reads an object
// from storage, so a default added to a schema shows on old objects too. Non-nullable nulls
// without a default are dropped when decoding, before defaulting (PruneNonNullableNullsWithoutDefaults).
import { coerceEmbeddedResources } from './embedded-resources.js';
import { deepCopyJSON } from './json-equality.js';
import { isPlainObject, sortedEntries } from './json-schema-props.js';
import { prune } from './pruning.js';
import type { Structural } from './structural.js';

const isNonNullableNull = (x: unknown, s: Structural | undefined) => x === null && s !== undefined && !s.nullable;

/** Applies the schema's defaults to `x` in place. */
export function applyDefaults(x: unknown, s: Structural | undefined): void {
  if (!s) return;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      if (isNonNullableNull(x[i], s.items) && s.items?.default !== undefined) x[i] = deepCopyJSON(s.items.default);
      applyDefaults(x[i], s.items);
    }
    return;
  }
  if (!isPlainObject(x)) return;
  for (const [k, property] of sortedEntries(s.properties)) {
    if (property.default === undefined) continue;
    if (!Object.hasOwn(x, k) || isNonNullableNull(x[k], property)) x[k] = deepCopyJSON(property.default);
  }
  const additional = s.additionalProperties?.structural;
  for (const k of Object.keys(x)) {
    const property = s.properties?.[k];
    if (property) applyDefaults(x[k], property);
    else if (additional) {
      if (isNonNullableNull(x[k], additional) && additional.default !== undefined) x[k] = deepCopyJSON(additional.default);
      applyDefaults(x[k], additional);
    }
  }
}

/** Drops null fields and map entries whose schema is neither nullable nor defaulted. */
export function pruneNonNullableNullsWithoutDefaults(x: unknown, s: Structural | undefined): void {
  if (Array.isArray(x)) {
    for (const item of x) pruneNonNullableNullsWithoutDefaults(item, s?.items);
    return;
  }
  if (!isPlainObject(x)) return;
  for (const k of Object.keys(x)) {
    const schema = s?.properties?.[k] ?? s?.additionalProperties?.structural;
    if (x[k] === null && schema && !schema.nullable && schema.default === undefined) delete x[k];
    else pruneNonNullableNullsWithoutDefaults(x[k], schema);
  }
}

/** Where a default sits in an object of the root schema: wrap a value into it and get it back out. */
interface Surrounding {
  wrap(value: unknown): Record<string, unknown>;
  unwrap(obj: Record<string, unknown>): unknown;
}

const rootSurrounding: Surrounding = {
  wrap: (value) => value as Record<string, unknown>,
  unwrap: (obj) => obj,
};

function childSurrounding(parent: Surrounding, key: string): Surrounding {
  return {
    wrap: (value) => parent.wrap({ [key]: value }),
    unwrap: (obj) => {
      const x = parent.unwrap(obj);
      return isPlainObject(x) ? x[key] : undefined;
    },
  };
}

function indexSurrounding(parent: Surrounding): Surrounding {
  return {
    wrap: (value) => parent.wrap([value]),
    unwrap: (obj) => {
      const x = parent.unwrap(obj);
      return Array.isArray(x) ? x[0] : undefined;
    },
  };
}

/**
 * kube's PruneDefaults: each default as it would be once in an object, its unknown fields pruned
 * and embedded metadata coerced, so that defaulting never brings in what pruning would remove.
 * Returns a copy of the schema when a default changed.
 */
export function pruneDefaults(root: Structural): Structural {
  const visit = (s: Structural, at: Surrounding): Structural => {
    let out = s;
    if (s.default !== undefined && isPlainObject(at.wrap(deepCopyJSON(s.default)))) {
      const obj = at.wrap(deepCopyJSON(s.default));
      coerceEmbeddedResources(null, obj, root, true, { dropInvalidFields: true });
      prune(obj, root, true);
      const pruned = at.unwrap(obj);
      out = { ...out, default: pruned };
    }
    if (s.additionalProperties?.structural) {
      const next = visit(s.additionalProperties.structural, childSurrounding(at, '*'));
      if (next !== s.additionalProperties.structural) out = { ...out, additionalProperties: { ...s.additionalProperties, structural: next } };
    }
    if (s.items) {
      const next = visit(s.items, indexSurrounding(at));
      if (next !== s.items) out = { ...out, items: next };
    }
    if (s.properties) {
      let changed = false;
      const properties: Record<string, Structural> = {};
      for (const [k, p] of Object.entries(s.properties)) {
        properties[k] = visit(p, childSurrounding(at, k));
        changed ||= properties[k] !== p;
      }
      if (changed) out = { ...out, properties };
    }
    return out;
  };
  return visit(root, rootSurrounding);
}
