// Pruning of unknown fields (kube's pruning.PruneWithOptions): what the structural schema does not
// declare is removed, except under `x-kubernetes-preserve-unknown-fields` and the apiVersion, kind
// and metadata of the root and of embedded resources (metadata is pruned to ObjectMeta's fields by
// the coercion instead). The removed fields come back by path, sorted, for fieldValidation: kube
// warns `unknown field "spec.foo"` for each under Warn and refuses the request under Strict.
import { isPlainObject } from './json-schema-props.js';
import { asResourceRoot, type Structural } from './structural.js';

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/** Removes unknown fields from `obj` in place and returns their paths (`spec.foo`, `spec.items[0].bar`), sorted. */
export function prune(obj: unknown, schema: Structural | undefined, isResourceRoot: boolean): string[] {
  const found: string[] = [];
  walk(obj, isResourceRoot ? asResourceRoot(schema) : schema, '', found);
  return found.sort();
}

const join = (parent: string, key: string) => (parent ? `${parent}.${key}` : key);

function walk(x: unknown, s: Structural | undefined, at: string, found: string[]): void {
  if (s?.xPreserveUnknownFields) {
    keep(x, s, at, found);
    return;
  }
  if (Array.isArray(x)) {
    x.forEach((v, i) => walk(v, s?.items, `${at}[${i}]`, found));
    return;
  }
  if (!isPlainObject(x)) return;
  for (const k of Object.keys(x)) {
    if (!s) {
      found.push(join(at, k));
      delete x[k];
      continue;
    }
    if (s.xEmbeddedResource && META_FIELDS.has(k)) continue;
    const property = s.properties?.[k];
    if (property) walk(x[k], property, join(at, k), found);
    else if (s.additionalProperties) walk(x[k], s.additionalProperties.structural, join(at, k), found);
    else {
      // kube does not report a meta field at the root (it is not pruned there anyway).
      if (!META_FIELDS.has(k) || at !== '') found.push(join(at, k));
      delete x[k];
    }
  }
}

/** Under preserve-unknown-fields: declared fields are still pruned below, undeclared ones are kept whole. */
function keep(x: unknown, s: Structural, at: string, found: string[]): void {
  if (Array.isArray(x)) {
    x.forEach((v, i) => (s.items ? keep(v, s.items, `${at}[${i}]`, found) : undefined));
    return;
  }
  if (!isPlainObject(x)) return;
  for (const k of Object.keys(x)) {
    if (s.xEmbeddedResource && META_FIELDS.has(k)) continue;
    const property = s.properties?.[k];
    if (property) walk(x[k], property, join(at, k), found);
    else if (s.additionalProperties) walk(x[k], s.additionalProperties.structural, join(at, k), found);
  }
}
