// What server-side apply needs to know of a kind's schema: how each list merges (atomic, a set of
// scalars, or a map keyed by some of its items' fields) and whether a map is a struct, a granular map
// (labels, data) or atomic. Lists come from the schema catalogue (`schemaStructure`); map types, which
// the catalogue's data does not carry, and kinds it does not know come from a small table of the
// structures users apply most (`fallbackStructure`).
import type { SchemaCatalogue } from '@kapi/schema';

export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

export type ListType =
  | { type: 'map'; keys: string[]; /** values a key field takes when an item omits it */ defaults?: Record<string, unknown> }
  | { type: 'set' }
  | { type: 'atomic' };

/** `struct`: named fields, each owned on its own; `granular`: a free-form map whose entries are owned on their own and which is itself owned too; `atomic`: owned whole. */
export type MapType = 'struct' | 'granular' | 'atomic';

/** A field path names fields only, from the object's root; list items are not counted (`spec.template.spec.containers.ports`). */
export interface StructureLookup {
  listTypeAt(gvk: Gvk, fieldPath: readonly string[]): ListType;
  mapTypeAt(gvk: Gvk, fieldPath: readonly string[]): MapType;
  /** The only fields an object at the path may have (of its items, for a list); undefined where any field goes or the schema is unknown. */
  fieldsAt(gvk: Gvk, fieldPath: readonly string[]): readonly string[] | undefined;
}

export interface StructureRule {
  /** Dotted field path; `*.` in front matches it at any depth. */
  at: string;
  kind?: string;
  list?: ListType;
  map?: MapType;
}

const byName: ListType = { type: 'map', keys: ['name'] };
const containerPorts: ListType = { type: 'map', keys: ['containerPort', 'protocol'], defaults: { protocol: 'TCP' } };

// The lists and maps of kube's schemas that users apply most, as their OpenAPI extensions describe
// them (x-kubernetes-list-type / list-map-keys / map-type). Replaced by the schema catalogue.
const FALLBACK: StructureRule[] = [
  { at: '*.containers', list: byName },
  { at: '*.initContainers', list: byName },
  { at: '*.ephemeralContainers', list: byName },
  { at: '*.containers.ports', list: containerPorts },
  { at: '*.initContainers.ports', list: containerPorts },
  { at: '*.containers.env', list: byName },
  { at: '*.initContainers.env', list: byName },
  { at: '*.containers.volumeMounts', list: { type: 'map', keys: ['mountPath'] } },
  { at: '*.initContainers.volumeMounts', list: { type: 'map', keys: ['mountPath'] } },
  { at: '*.spec.volumes', list: byName },
  { at: 'spec.ports', kind: 'Service', list: { type: 'map', keys: ['port', 'protocol'], defaults: { protocol: 'TCP' } } },
  { at: 'metadata.finalizers', list: { type: 'set' } },
  { at: 'metadata.ownerReferences', list: { type: 'map', keys: ['uid'] } },
  { at: '*.metadata.labels', map: 'granular' },
  { at: '*.metadata.annotations', map: 'granular' },
  { at: 'data', map: 'granular' },
  { at: 'binaryData', map: 'granular' },
  { at: 'stringData', map: 'granular' },
  { at: 'spec.selector', map: 'atomic' },
  { at: '*.nodeSelector', map: 'atomic' },
];

function matches(rule: StructureRule, gvk: Gvk, path: readonly string[]): boolean {
  if (rule.kind && rule.kind !== gvk.kind) return false;
  const anyDepth = rule.at.startsWith('*.');
  const want = (anyDepth ? rule.at.slice(2) : rule.at).split('.');
  if (anyDepth ? path.length < want.length : path.length !== want.length) return false;
  const tail = path.slice(path.length - want.length);
  return want.every((w, i) => w === tail[i]);
}

/** A lookup from a table of rules; lists default to atomic, maps to structs. */
export function tableStructure(rules: readonly StructureRule[]): StructureLookup {
  return {
    listTypeAt: (gvk, path) => rules.find((r) => r.list && matches(r, gvk, path))?.list ?? { type: 'atomic' },
    mapTypeAt: (gvk, path) => rules.find((r) => r.map && matches(r, gvk, path))?.map ?? 'struct',
    fieldsAt: () => undefined,
  };
}

export const fallbackStructure: StructureLookup = tableStructure(FALLBACK);

/** Lists as the schema catalogue declares them (keyed, set or atomic), the rest from the table. */
export function schemaStructure(schemas: SchemaCatalogue): StructureLookup {
  return {
    listTypeAt(gvk, path) {
      const facts = schemas.listFactsAt(gvk, path.join('.'));
      // Every `protocol` key field of the API defaults to TCP.
      if (facts.listType === 'map' && facts.mapKeys?.length) return { type: 'map', keys: facts.mapKeys, ...(facts.mapKeys.includes('protocol') ? { defaults: { protocol: 'TCP' } } : {}) };
      if (facts.listType === 'set') return { type: 'set' };
      if (facts.listType === 'atomic') return { type: 'atomic' };
      return fallbackStructure.listTypeAt(gvk, path);
    },
    mapTypeAt: (gvk, path) => fallbackStructure.mapTypeAt(gvk, path),
    fieldsAt: (gvk, path) => schemas.knownFields(gvk, path.join('.')),
  };
}

/** One kind's own structure, whatever the path is asked for (a custom resource's, from its schema). */
export interface KindStructure {
  listTypeAt(fieldPath: readonly string[]): ListType;
  mapTypeAt(fieldPath: readonly string[]): MapType;
  fieldsAt(fieldPath: readonly string[]): readonly string[] | undefined;
}

/** The lookup of a store that serves one kind whose structure is its own (a custom resource). */
export function kindStructure(structure: KindStructure): StructureLookup {
  return {
    listTypeAt: (_gvk, path) => structure.listTypeAt(path),
    mapTypeAt: (_gvk, path) => structure.mapTypeAt(path),
    fieldsAt: (_gvk, path) => structure.fieldsAt(path),
  };
}
