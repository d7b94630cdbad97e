// What server-side apply (and MutatingAdmissionPolicy's apply configurations) need from a custom
// resource's schema: how each list merges (`x-kubernetes-list-type`: atomic by default, set, or map
// keyed by `x-kubernetes-list-map-keys`) and each map (`x-kubernetes-map-type`: granular by default,
// or atomic; an object with properties is a struct), and which fields an object may have. The
// metadata of the resource and of embedded resources is ObjectMeta, whose lists and maps are kube's
// own. A path names fields only, from the object's root; list items are not counted
// (`spec.template.ports`). These answer the shapes generic-registry's StructureLookup and
// admission-policy's listFactsAt ask for. Strategic merge patch does not apply: kube answers 415 for it
// on custom resources, so there is no PatchMeta.
import type { Structural } from './structural.js';

export type ListType = { type: 'map'; keys: string[] } | { type: 'set' } | { type: 'atomic' };
export type MapType = 'struct' | 'granular' | 'atomic';

/** The lists and maps of ObjectMeta, as kube's schema of it declares them. */
const OBJECT_META_LISTS: Record<string, ListType> = {
  finalizers: { type: 'set' },
  ownerReferences: { type: 'map', keys: ['uid'] },
  managedFields: { type: 'atomic' },
};
const OBJECT_META_MAPS: Record<string, MapType> = { labels: 'granular', annotations: 'granular' };

/** The schema at a path of field names, and whether the path went into an embedded resource's metadata. */
function resolve(root: Structural | undefined, fieldPath: readonly string[]): { schema?: Structural; metadataRest?: string[] } {
  let s = root;
  let embedded = true;
  for (let i = 0; i < fieldPath.length; i++) {
    const name = fieldPath[i];
    while (s?.type === 'array' && s.items) s = s.items;
    if (!s) return {};
    if (embedded && name === 'metadata' && !s.properties?.metadata?.properties) return { metadataRest: fieldPath.slice(i + 1) as string[] };
    s = s.properties?.[name] ?? s.additionalProperties?.structural;
    embedded = s?.xEmbeddedResource === true;
  }
  return { schema: s };
}

/** Server-side apply's view of a custom resource's schema. */
export class CustomResourceStructure {
  constructor(private readonly schema: Structural | undefined) {}

  listTypeAt(fieldPath: readonly string[]): ListType {
    const { schema, metadataRest } = resolve(this.schema, fieldPath);
    if (metadataRest) return (metadataRest.length === 1 && OBJECT_META_LISTS[metadataRest[0]]) || { type: 'atomic' };
    if (schema?.xListType === 'map' && schema.xListMapKeys?.length) return { type: 'map', keys: schema.xListMapKeys };
    if (schema?.xListType === 'set') return { type: 'set' };
    return { type: 'atomic' };
  }

  mapTypeAt(fieldPath: readonly string[]): MapType {
    const { schema, metadataRest } = resolve(this.schema, fieldPath);
    if (metadataRest) return metadataRest.length === 0 ? 'struct' : (OBJECT_META_MAPS[metadataRest[0]] ?? 'struct');
    if (!schema) return 'granular';
    let s: Structural | undefined = schema;
    while (s?.type === 'array' && s.items) s = s.items;
    if (s?.xMapType === 'atomic') return 'atomic';
    return s?.properties ? 'struct' : 'granular';
  }

  /** The only fields an object at the path may have (its items', for a list); undefined where any field goes. */
  fieldsAt(fieldPath: readonly string[]): readonly string[] | undefined {
    const { schema } = resolve(this.schema, fieldPath);
    let s = schema;
    while (s?.type === 'array' && s.items) s = s.items;
    if (!s || s.xPreserveUnknownFields || !s.properties) return undefined;
    // The resource itself, and an embedded one, have type and object meta whether the schema lists them or not.
    const typed = fieldPath.length === 0 || s.xEmbeddedResource === true;
    return typed ? [...new Set(['apiVersion', 'kind', 'metadata', ...Object.keys(s.properties)])] : Object.keys(s.properties);
  }

  /** admission-policy's listFactsAt: a dotted path (`spec.ports`, indices allowed) to its list type and map keys. */
  listFactsAt(dottedPath: string): { listType?: 'atomic' | 'set' | 'map'; mapKeys?: string[] } {
    const names = dottedPath.split(/\.|\[[^\]]*\]/).filter(Boolean);
    const lt = this.listTypeAt(names);
    return lt.type === 'map' ? { listType: 'map', mapKeys: lt.keys } : { listType: lt.type };
  }
}
