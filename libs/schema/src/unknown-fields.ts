// Unknown fields: what a built-in kind's schema does not declare. kube-apiserver decodes a request
// into its Go types, which drops such fields; with fieldValidation it reports them first, by their
// path in the object (`spec.containers[0].foo`). These functions find them and, when asked, prune
// them, in document order.
import type { GroupVersionKind, Schema, SchemaCatalogue } from './catalogue.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a schema leaves its content open: no declared properties, or preserve-unknown-fields. */
function isOpen(schema: Schema): boolean {
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return true;
  return schema.type !== 'array' && !schema.properties && !schema.additionalProperties;
}

const join = (path: string, field: string) => (path ? `${path}.${field}` : field);

function walk(catalogue: SchemaCatalogue, schema: Schema | undefined, value: unknown, path: string, prune: boolean, found: string[], skipDirectives: boolean): void {
  const s = catalogue.resolve(schema);
  if (!s || value === null || value === undefined) return;
  if (Array.isArray(value)) {
    if (s.type === 'array' && s.items) value.forEach((item, i) => walk(catalogue, s.items, item, `${path}[${i}]`, prune, found, skipDirectives));
    return;
  }
  if (!isObject(value) || s.type !== 'object' || isOpen(s)) return;
  if (s.additionalProperties && !s.properties) {
    for (const [key, v] of Object.entries(value)) walk(catalogue, s.additionalProperties, v, join(path, key), prune, found, skipDirectives);
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    if (skipDirectives && key.startsWith('$')) continue;
    const property = s.properties?.[key];
    if (property) {
      walk(catalogue, property, v, join(path, key), prune, found, skipDirectives);
      continue;
    }
    found.push(join(path, key));
    if (prune) delete value[key];
  }
}

/** The unknown fields of an object of the schema, by path; with `prune` they are removed in place. */
export function unknownFields(catalogue: SchemaCatalogue, schema: Schema, obj: unknown, prune = false): string[] {
  const found: string[] = [];
  walk(catalogue, schema, obj, '', prune, found, false);
  return found;
}

/**
 * The unknown fields a patch would bring into an object of the schema. A JSON merge patch or a
 * strategic merge patch has the object's shape (strategic-merge directives, `$…` keys, are not
 * fields); a JSON patch adds values at paths.
 */
export function unknownPatchFields(catalogue: SchemaCatalogue, schema: Schema, patchType: string, patch: unknown): string[] {
  const found: string[] = [];
  if (patchType !== 'application/json-patch+json') {
    walk(catalogue, schema, patch, '', false, found, true);
    return found;
  }
  if (!Array.isArray(patch)) return found;
  for (const op of patch as Json[]) {
    if (!isObject(op) || typeof op.path !== 'string' || !['add', 'replace', 'test'].includes(String(op.op))) continue;
    const tokens = op.path.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    let current: Schema | undefined = schema;
    let path = '';
    for (const token of tokens) {
      const s = catalogue.resolve(current);
      if (!s || isOpen(s)) {
        current = undefined;
        break;
      }
      if (s.type === 'array') {
        current = s.items;
        path = `${path}[${token}]`;
      } else if (s.properties) {
        current = s.properties[token];
        path = join(path, token);
        if (!current) {
          found.push(path);
          break;
        }
      } else {
        current = s.additionalProperties;
        path = join(path, token);
      }
    }
    if (current) walk(catalogue, current, op.value, path, false, found, false);
  }
  return found;
}

/** Removes from an object of a kind what its schema does not declare (nothing for a kind without one). */
export function pruneUnknownFields(catalogue: SchemaCatalogue, gvk: GroupVersionKind, obj: unknown): string[] {
  const schema = catalogue.schemaOf(gvk);
  return schema ? unknownFields(catalogue, schema, obj, true) : [];
}
