// Unknown fields: what a built-in kind's schema does not declare. kube-apiserver decodes a request
// into its Go types, which drops such fields; with fieldValidation it reports them first, by their
// path in the object (`spec.containers[0].foo`). These functions find them and, when asked, prune
// them, in document order.
import { isOpen, type GroupVersionKind, type Schema, type SchemaCatalogue } from './catalogue.js';
import { Entries, parseJsonEntries } from './json-entries.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Entries);

const join = (path: string, field: string) => (path ? `${path}.${field}` : field);

interface Walk {
  catalogue: SchemaCatalogue;
  prune: boolean;
  skipDirectives: boolean;
  /** Unknown fields by path. */
  found: string[];
  /** kube's messages for unknown and duplicate fields, in document order. */
  problems: string[];
}

function walk(w: Walk, schema: Schema | undefined, value: unknown, path: string): void {
  const s = w.catalogue.resolve(schema);
  if (!s || value === null || value === undefined) return;
  if (Array.isArray(value)) {
    if (s.type === 'array' && s.items) value.forEach((item, i) => walk(w, s.items, item, `${path}[${i}]`));
    return;
  }
  const pairs = value instanceof Entries ? value.pairs : isObject(value) ? Object.entries(value) : undefined;
  if (!pairs || s.type !== 'object' || isOpen(s)) return;
  const seen = new Set<string>();
  for (const [key, v] of pairs) {
    if (w.skipDirectives && key.startsWith('$')) continue;
    const property = s.properties ? s.properties[key] : s.additionalProperties;
    const again = seen.has(key);
    seen.add(key);
    if (property) {
      if (again) w.problems.push(`duplicate field "${join(path, key)}"`);
      walk(w, property, v, join(path, key));
      continue;
    }
    if (again) continue;
    w.found.push(join(path, key));
    w.problems.push(`unknown field "${join(path, key)}"`);
    if (w.prune && isObject(value)) delete value[key];
  }
}

function run(catalogue: SchemaCatalogue, schema: Schema | undefined, value: unknown, options: { prune?: boolean; skipDirectives?: boolean; path?: string } = {}): Walk {
  const w: Walk = { catalogue, prune: options.prune ?? false, skipDirectives: options.skipDirectives ?? false, found: [], problems: [] };
  walk(w, schema, value, options.path ?? '');
  return w;
}

/** The unknown fields of an object of the schema, by path; with `prune` they are removed in place. */
export function unknownFields(catalogue: SchemaCatalogue, schema: Schema, obj: unknown, prune = false): string[] {
  return run(catalogue, schema, obj, { prune }).found;
}

/**
 * kube's fieldValidation messages for a JSON body, in document order: `unknown field "spec.foo"`
 * for each field the schema does not declare, `duplicate field "spec.foo"` for a declared one
 * repeated, both by path as kube's JSON decoder reports them.
 */
export function fieldProblems(catalogue: SchemaCatalogue, schema: Schema, json: string): string[] {
  return run(catalogue, schema, parseJsonEntries(json)).problems;
}

/**
 * The unknown fields a patch would bring into an object of the schema. A JSON merge patch or a
 * strategic merge patch has the object's shape (strategic-merge directives, `$…` keys, are not
 * fields); a JSON patch adds values at paths.
 */
export function unknownPatchFields(catalogue: SchemaCatalogue, schema: Schema, patchType: string, patch: unknown): string[] {
  const found: string[] = [];
  if (patchType !== 'application/json-patch+json') {
    return run(catalogue, schema, patch, { skipDirectives: true }).found;
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
    if (current) found.push(...run(catalogue, current, op.value, { path }).found);
  }
  return found;
}

/** Removes from an object of a kind what its schema does not declare (nothing for a kind without one). */
export function pruneUnknownFields(catalogue: SchemaCatalogue, gvk: GroupVersionKind, obj: unknown): string[] {
  const schema = catalogue.schemaOf(gvk);
  return schema ? unknownFields(catalogue, schema, obj, true) : [];
}
