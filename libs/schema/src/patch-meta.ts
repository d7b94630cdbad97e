// The strategic-merge-patch meta of a kind, read from its schema: each list's patch strategy and
// merge key, at every depth.
import type { PatchMeta } from '@kapi/api-machinery';
import type { GroupVersionKind, Schema, SchemaCatalogue } from './catalogue.js';

export function patchMetaOf(catalogue: SchemaCatalogue, schema: Schema | undefined): PatchMeta | undefined {
  if (!schema) return undefined;
  const resolved = () => catalogue.resolve(schema);
  return {
    strategy: schema['x-kubernetes-patch-strategy'] as string | undefined,
    mergeKey: schema['x-kubernetes-patch-merge-key'] as string | undefined,
    field(name) {
      const s = resolved();
      return patchMetaOf(catalogue, s?.properties?.[name] ?? s?.additionalProperties);
    },
    items() {
      return patchMetaOf(catalogue, resolved()?.items);
    },
  };
}

/** The strategic-merge-patch meta of a kind, or undefined for a kind without a schema. */
export function patchMetaFor(catalogue: SchemaCatalogue, gvk: GroupVersionKind): PatchMeta | undefined {
  return patchMetaOf(catalogue, catalogue.schemaOf(gvk));
}
