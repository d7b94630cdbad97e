// kube-aggregator's OpenAPI v2 aggregation: each aggregated server's /openapi/v2 document is merged
// into the apiserver's own, as kube-openapi's MergeSpecsIgnorePathConflict does. Only the server's
// paths under /apis/ are taken, and of those only the ones the document does not have yet (the
// first document to serve a path keeps it); the definitions they use (transitively) come along. A
// definition already present is shared when it is the same schema, and otherwise renamed
// `<name>_v2` (`_v3`, ...), every reference to it in the merged part rewritten.

type Json = Record<string, unknown>;

export interface OpenApiV2Document {
  paths?: Record<string, unknown>;
  definitions?: Record<string, unknown>;
  [key: string]: unknown;
}

const DEFINITION_PREFIX = '#/definitions/';

/** A copy of `value` with every `$ref` string passed to `visit`, replaced by what it returns (when it returns one). */
function walkRefs(value: unknown, visit: (ref: string) => string | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => walkRefs(v, visit));
  if (!value || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value as Json)) out[k] = k === '$ref' && typeof v === 'string' ? (visit(v) ?? v) : walkRefs(v, visit);
  return out;
}

const definitionOf = (ref: string) => (ref.startsWith(DEFINITION_PREFIX) ? ref.slice(DEFINITION_PREFIX.length) : undefined);

/** The same JSON, whatever the order of object keys. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return false;
  const ka = Object.keys(a as Json);
  return ka.length === Object.keys(b as Json).length && ka.every((k) => Object.hasOwn(b as Json, k) && sameJson((a as Json)[k], (b as Json)[k]));
}

/** The definitions `paths` use, and those they use in turn. */
function usedDefinitions(paths: Json, definitions: Json): Set<string> {
  const used = new Set<string>();
  const pending: unknown[] = [paths];
  while (pending.length) {
    walkRefs(pending.pop(), (ref) => {
      const name = definitionOf(ref);
      if (name !== undefined && !used.has(name) && Object.hasOwn(definitions, name)) {
        used.add(name);
        pending.push(definitions[name]);
      }
      return undefined;
    });
  }
  return used;
}

/**
 * `base` with the /apis/ paths of each of `aggregated` (in order: the most preferred first) that it
 * lacks, and their definitions. Neither input is changed.
 */
export function mergeOpenApiV2(base: OpenApiV2Document, aggregated: readonly OpenApiV2Document[]): OpenApiV2Document {
  const paths: Json = { ...(base.paths ?? {}) };
  const definitions: Json = { ...(base.definitions ?? {}) };
  for (const source of aggregated) {
    const sourceDefinitions = (source.definitions ?? {}) as Json;
    const kept: Json = {};
    for (const [path, item] of Object.entries(source.paths ?? {})) if (path.startsWith('/apis/') && !Object.hasOwn(paths, path)) kept[path] = item;
    if (!Object.keys(kept).length) continue;
    const used = usedDefinitions(kept, sourceDefinitions);
    const renames = new Map<string, string>();
    for (const name of used) {
      if (!Object.hasOwn(definitions, name)) continue;
      if (sameJson(definitions[name], sourceDefinitions[name])) continue;
      let i = 2;
      while (Object.hasOwn(definitions, `${name}_v${i}`) || Object.hasOwn(sourceDefinitions, `${name}_v${i}`) || [...renames.values()].includes(`${name}_v${i}`)) i++;
      renames.set(name, `${name}_v${i}`);
    }
    const rename = (ref: string) => {
      const name = definitionOf(ref);
      const to = name === undefined ? undefined : renames.get(name);
      return to === undefined ? undefined : `${DEFINITION_PREFIX}${to}`;
    };
    for (const [path, item] of Object.entries(kept)) paths[path] = renames.size ? walkRefs(item, rename) : item;
    for (const name of used) {
      const to = renames.get(name) ?? name;
      if (!Object.hasOwn(definitions, to)) definitions[to] = renames.size ? walkRefs(sourceDefinitions[name], rename) : sourceDefinitions[name];
    }
  }
  const sortedDefinitions = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { ...base, paths, definitions: sortedDefinitions };
}
