// The schema catalogue: one OpenAPI schema per built-in group/version/kind, with the definitions it
// refers to, and the lookups the API machinery needs from it (fields at a path, merge keys, list
// types). A kind gets its schema from the model data by its group/version/kind alone, so a kind
// added to kapi needs nothing here.
import { listFacts, QUANTITY_FIELDS, type ListFacts } from './list-facts.js';
import { loadModels, type Model, type ModelType } from './model-source.js';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** An OpenAPI schema object, with references as `{ $ref: <definition name> }` (no prefix). */
export type Schema = Record<string, unknown> & {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  required?: string[];
  $ref?: string;
};

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
/** The types that live in apimachinery's meta/v1 package rather than in an API group. */
const META_TYPES = new Set([
  'ObjectMeta', 'ListMeta', 'LabelSelector', 'LabelSelectorRequirement', 'OwnerReference', 'ManagedFieldsEntry', 'Condition',
  'Status', 'StatusDetails', 'StatusCause', 'DeleteOptions', 'Preconditions', 'APIResource', 'APIResourceList', 'APIGroup',
  'APIGroupList', 'APIVersions', 'GroupVersionForDiscovery', 'ServerAddressByClientCIDR', 'WatchEvent',
]);
/** The kinds of the core group, whose types the other groups share. */
const CORE_KINDS = [
  'Pod', 'PodTemplate', 'ReplicationController', 'Service', 'Endpoints', 'Node', 'Namespace', 'PersistentVolume',
  'PersistentVolumeClaim', 'ConfigMap', 'Secret', 'ServiceAccount', 'Event', 'LimitRange', 'ResourceQuota', 'Binding',
];
/** Whether a schema leaves its content open: no declared properties, or preserve-unknown-fields. */
export function isOpen(schema: Schema): boolean {
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return true;
  return schema.type !== 'array' && !schema.properties && !schema.additionalProperties;
}

export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const VERSION_PREFIX = /^(?:[A-Z][a-z]+)*?V\d+(?:(?:alpha|beta)\d+)?/;

/** The type name without its version (and group) prefix: `V1PodSpec` → `PodSpec`, `CoreV1Event` → `Event`. */
export function typeName(model: string): string {
  return model.replace(VERSION_PREFIX, '');
}

function groupPackage(group: string): string {
  if (group === '') return 'io.k8s.api.core';
  if (group === 'apiregistration.k8s.io') return 'io.k8s.kube-aggregator.pkg.apis.apiregistration';
  if (group === 'apiextensions.k8s.io') return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions';
  return `io.k8s.api.${group.split('.')[0]}`;
}

function modelVersion(model: string): string {
  const m = model.match(/V(\d+(?:(?:alpha|beta)\d+)?)/);
  return m ? `v${m[1]}` : 'v1';
}

export class SchemaCatalogue {
  private readonly definitions = new Map<string, Schema>();
  private readonly nameOfModel = new Map<string, string>();
  private readonly roots = new Map<string, string>();

  constructor(private readonly models: Map<string, Model> = loadModels()) {
    this.definitions.set(INT_OR_STRING, { type: 'string', format: 'int-or-string', description: 'IntOrString is a type that can hold an int32 or a string.' });
    this.definitions.set(QUANTITY, {
      type: 'string',
      description: 'A fixed-point number with an optional binary (Ki, Mi, …), decimal (k, M, …) or exponent suffix, such as "100m", "1.5Gi" or "2"; sent as a string or a number.',
    });
    // Core kinds first, so that the core types other groups share (PodTemplateSpec, ObjectReference,
    // …) are named in the core package whichever kind is asked for first.
    for (const kind of CORE_KINDS) this.definitionName({ group: '', version: 'v1', kind });
  }

  private static key(gvk: GroupVersionKind): string {
    return `${gvk.group}/${gvk.version}/${gvk.kind}`;
  }

  /** The model of a kind: `<Group><Version><Kind>` where the models disambiguate, else `<Version><Kind>`. */
  private modelOf(gvk: GroupVersionKind): Model | undefined {
    const version = capitalise(gvk.version);
    const group = gvk.group === '' ? 'Core' : capitalise(gvk.group.split('.')[0]);
    return this.models.get(`${group}${version}${gvk.kind}`) ?? this.models.get(`${version}${gvk.kind}`);
  }

  /** The definition name of a kind's schema, building it (and what it refers to) on first use. */
  definitionName(gvk: GroupVersionKind): string | undefined {
    const key = SchemaCatalogue.key(gvk);
    const known = this.roots.get(key);
    if (known) return known;
    const model = this.modelOf(gvk);
    if (!model) return undefined;
    const name = this.define(model, gvk.group);
    const root = this.definitions.get(name)!;
    const gvks = (root['x-kubernetes-group-version-kind'] as GroupVersionKind[] | undefined) ?? [];
    if (!gvks.some((g) => SchemaCatalogue.key(g) === key)) root['x-kubernetes-group-version-kind'] = [...gvks, { group: gvk.group, version: gvk.version, kind: gvk.kind }];
    this.roots.set(key, name);
    return name;
  }

  /**
   * Adds a kind whose schema does not come from the model data (a CustomResourceDefinition's
   * version, later), with the definitions it refers to by name. Every lookup then serves it as it
   * serves the built-in kinds.
   */
  registerKind(gvk: GroupVersionKind, name: string, schema: Schema, definitions: Record<string, Schema> = {}): void {
    for (const [n, d] of Object.entries(definitions)) this.definitions.set(n, d);
    this.definitions.set(name, { ...schema, 'x-kubernetes-group-version-kind': [{ group: gvk.group, version: gvk.version, kind: gvk.kind }] });
    this.roots.set(SchemaCatalogue.key(gvk), name);
  }

  /** The schema of a kind, or undefined for a kind the model data does not know. */
  schemaOf(gvk: GroupVersionKind): Schema | undefined {
    const name = this.definitionName(gvk);
    return name ? this.definitions.get(name) : undefined;
  }

  /**
   * The schema at a dotted field path of a kind (`spec.template.spec.containers`), resolved; a list
   * index (`containers[0]`) or a map key steps into the items or values.
   */
  schemaAt(gvk: GroupVersionKind, path: string): Schema | undefined {
    return this.resolve(this.propertyAt(gvk, path));
  }

  /** The list and patch metadata of the field at a path (merge key, strategy, list type, map keys). */
  listFactsAt(gvk: GroupVersionKind, path: string): ListFacts {
    const property = this.propertyAt(gvk, path);
    return {
      mergeKey: property?.['x-kubernetes-patch-merge-key'] as string | undefined,
      strategy: property?.['x-kubernetes-patch-strategy'] as string | undefined,
      listType: property?.['x-kubernetes-list-type'] as ListFacts['listType'],
      mapKeys: property?.['x-kubernetes-list-map-keys'] as string[] | undefined,
    };
  }

  /** The property schema at a path, as declared (its extensions beside any reference). */
  private propertyAt(gvk: GroupVersionKind, path: string): Schema | undefined {
    let current = this.schemaOf(gvk);
    for (const step of path.split(/\.|(?=\[)/).filter(Boolean)) {
      let s = this.resolve(current);
      // A field name after a list names a field of its items (`spec.containers.ports`).
      if (!step.startsWith('[') && s?.type === 'array') s = this.resolve(s.items);
      current = step.startsWith('[') ? s?.items : s?.properties ? s.properties[step] : s?.additionalProperties;
      if (!current) return undefined;
    }
    return current;
  }

  /**
   * The fields an object at a path of a kind may have (of its items, for a list); undefined where
   * any field goes: an open object, a map, or a path the schema does not know.
   */
  knownFields(gvk: GroupVersionKind, path: string): string[] | undefined {
    const at = this.schemaAt(gvk, path);
    const object = at?.type === 'array' ? this.resolve(at.items) : at;
    if (!object || object.type !== 'object' || isOpen(object) || !object.properties) return undefined;
    return Object.keys(object.properties);
  }

  definition(name: string): Schema | undefined {
    return this.definitions.get(name);
  }

  /** The definitions reachable from the given ones (themselves included), by name. */
  closure(names: string[]): Map<string, Schema> {
    const out = new Map<string, Schema>();
    const visit = (name: string) => {
      if (out.has(name)) return;
      const schema = this.definitions.get(name);
      if (!schema) return;
      out.set(name, schema);
      for (const ref of refsOf(schema)) visit(ref);
    };
    names.forEach(visit);
    return out;
  }

  /** Follows a `$ref` (and an `allOf` of one) to the schema it names. */
  resolve(schema: Schema | undefined): Schema | undefined {
    let current = schema;
    for (let i = 0; current?.$ref && i < 10; i++) current = this.definitions.get(current.$ref);
    return current;
  }

  private define(model: Model, group: string): string {
    const existing = this.nameOfModel.get(model.name);
    if (existing) return existing;
    const type = typeName(model.name);
    const preferred = META_TYPES.has(type) && !model.name.startsWith('V1beta') ? `${META}.${type}` : `${groupPackage(group)}.${modelVersion(model.name)}.${type}`;
    // Two models may share a type name across groups; the one named second keeps its model's name.
    const name = this.definitions.has(preferred) ? `${groupPackage(group)}.${modelVersion(model.name)}.${model.name}` : preferred;
    this.nameOfModel.set(model.name, name);
    const schema: Schema = { type: 'object' };
    if (model.description) schema.description = model.description;
    this.definitions.set(name, schema);
    const properties: Record<string, Schema> = {};
    for (const field of model.fields) {
      const property = QUANTITY_FIELDS.has(`${type}.${field.name}`) ? quantitySchema(field.type) : this.fieldSchema(field.type, group);
      if (field.description) property.description = field.description;
      const itemModel = field.type.kind === 'array' && field.type.items.kind === 'model' ? this.models.get(field.type.items.name) : undefined;
      const facts = listFacts(type, field.name, itemModel?.fields.map((f) => f.name));
      if (facts?.mergeKey) property['x-kubernetes-patch-merge-key'] = facts.mergeKey;
      if (facts?.strategy) property['x-kubernetes-patch-strategy'] = facts.strategy;
      if (facts?.listType) property['x-kubernetes-list-type'] = facts.listType;
      if (facts?.mapKeys) property['x-kubernetes-list-map-keys'] = facts.mapKeys;
      properties[field.name] = property;
    }
    schema.properties = properties;
    if (model.required.length) schema.required = [...model.required].sort();
    return name;
  }

  private fieldSchema(type: ModelType, group: string): Schema {
    switch (type.kind) {
      case 'primitive':
        return type.format ? { type: type.type, format: type.format } : { type: type.type };
      case 'array':
        return { type: 'array', items: this.fieldSchema(type.items, group) };
      case 'map':
        return { type: 'object', additionalProperties: this.fieldSchema(type.values, group) };
      case 'any':
        return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      case 'int-or-string':
        return { $ref: INT_OR_STRING };
      case 'model': {
        const model = this.models.get(type.name);
        return model ? { $ref: this.define(model, group) } : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      }
    }
  }
}

/** A Quantity field, or a ResourceList (a map of them). */
function quantitySchema(type: ModelType): Schema {
  return type.kind === 'map' ? { type: 'object', additionalProperties: { $ref: QUANTITY } } : { $ref: QUANTITY };
}

function refsOf(schema: Schema): string[] {
  const refs: string[] = [];
  const walk = (s: Schema | undefined) => {
    if (!s) return;
    if (s.$ref) refs.push(s.$ref);
    walk(s.items);
    walk(s.additionalProperties);
    for (const p of Object.values(s.properties ?? {})) walk(p);
  };
  walk(schema);
  return refs;
}

let shared: SchemaCatalogue | undefined;

/** The process's catalogue of the built-in kinds, built from the model data on first use. */
export function builtinSchemas(): SchemaCatalogue {
  shared ??= new SchemaCatalogue();
  return shared;
}
