// The OpenAPI documents, built from the kind catalogue (which resources, which verbs) and the schema
// catalogue (what their objects look like): v2 at /openapi/v2 (JSON, or protobuf, see
// openapi-v2-proto.ts) and v3 at /openapi/v3 with one document per group/version. Every operation
// carries its group/version/kind, and writes declare the query parameters kubectl looks for
// (fieldValidation, dryRun, fieldManager): that is how kubectl decides to let the server validate
// (`--validate=strict`). PATCH operations of built-in kinds accept the strategic-merge-patch content
// type, and the schemas carry merge keys and patch strategies, from which kubectl builds its patches.
// Built-in kinds' operations are those kube-apiserver's generic installer publishes, custom
// resources' those apiextensions-apiserver's builder does (OperationStyle), both shaped by
// kube-openapi (ids, parameters shared by a path's operations on the path).
import { createHash } from 'node:crypto';
import { LIST_META_DEFINITION, OBJECT_META_DEFINITION, publishedKindSchema, selectableFieldsExtension, TYPE_META_PROPERTIES, type KindCatalogue, type ResourceInfo } from '@kapi/kinds';
import { INT_OR_STRING, QUANTITY, type Schema, type SchemaCatalogue } from '@kapi/schema';

type Json = Record<string, unknown>;

/** The OpenAPI path key of a group/version: `api/v1` or `apis/<group>/<version>`. */
export function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
const JSON_AND_YAML = ['application/json', 'application/yaml'];
const PRODUCES = [...JSON_AND_YAML, 'application/vnd.kubernetes.protobuf'];
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const PATCH_DEFINITION = `${META}.Patch`;
const STATUS_DEFINITION = `${META}.Status`;
const DELETE_OPTIONS_DEFINITION = `${META}.DeleteOptions`;

/** A parameter; rendered as v2 (type at top level) or v3 (type under `schema`, a body as requestBody). */
interface Param {
  name: string;
  in: 'query' | 'path' | 'body';
  description: string;
  type?: string;
  required?: boolean;
  schema?: string;
}

const q = (name: string, description: string, type = 'string'): Param => ({ name, in: 'query', description, type });

const DRY_RUN = q('dryRun', 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed');
const FIELD_MANAGER = q('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.');
const FIELD_VALIDATION = q(
  'fieldValidation',
  'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: silently drops unknown fields - Warn: sends a warning header for each unknown field that is dropped (the default) - Strict: fails the request on unknown fields.',
);
const FORCE = q('force', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.', 'boolean');
const PRETTY = q('pretty', "If 'true', then the output is pretty printed.");
const RESOURCE_VERSION = q('resourceVersion', 'resourceVersion sets a constraint on what resource versions a request may be served from.');
const WRITE = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
/** ListOptions, as query parameters. */
const LIST = [
  q('allowWatchBookmarks', 'allowWatchBookmarks requests watch events with type "BOOKMARK".', 'boolean'),
  q('continue', 'The continue option should be set when retrieving more results from the server.'),
  q('fieldSelector', 'A selector to restrict the list of returned objects by their fields.'),
  q('labelSelector', 'A selector to restrict the list of returned objects by their labels.'),
  q('limit', 'limit is a maximum number of responses to return for a list call.', 'integer'),
  RESOURCE_VERSION,
  q('resourceVersionMatch', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  q('sendInitialEvents', 'sendInitialEvents=true may be set together with watch=true.', 'boolean'),
  q('timeoutSeconds', 'Timeout for the list/watch call.', 'integer'),
  q('watch', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.', 'boolean'),
];
/** DeleteOptions, as query parameters. */
const DELETE = [
  DRY_RUN,
  q('gracePeriodSeconds', 'The duration in seconds before the object should be deleted.', 'integer'),
  q('ignoreStoreReadErrorWithClusterBreakingPotential', 'if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.', 'boolean'),
  q('orphanDependents', 'Deprecated: please use the PropagationPolicy. Should the dependent objects be orphaned.', 'boolean'),
  q('propagationPolicy', "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
];
const body = (schema: string, required = true): Param => ({ name: 'body', in: 'body', description: '', required, schema });
/** A DELETE's body: DeleteOptions, which a client may leave out. */
const DELETE_BODY = body(DELETE_OPTIONS_DEFINITION, false);
const pathParam = (name: string, description: string): Param => ({ name, in: 'path', description, type: 'string', required: true });

/**
 * What differs between the operations kube-apiserver's generic installer publishes for built-in kinds
 * and those apiextensions-apiserver's builder publishes for custom resources (the facts of k8s.io/apiserver's
 * installer and apiextensions-apiserver's pkg/controller/openapi/builder).
 */
interface OperationStyle {
  /** The list operation's description, before the kind. */
  listDescription: string;
  /** What every operation but a PATCH consumes. */
  consumes: readonly string[];
  produces: readonly string[];
  /** What a list produces: a list, or the watch events of a stream. */
  listProduces: readonly string[];
  /** The query parameters of a read (GetOptions): none for built-in kinds, resourceVersion for custom resources. */
  readParameters: Param[];
  /** A delete-collection's parameters (its body included). */
  deleteCollectionParameters: Param[];
  /** Whether a PATCH declares 201 (an apply that creates), besides 200. */
  patchCreates: boolean;
}

const BUILTIN_STYLE: OperationStyle = {
  listDescription: 'list or watch objects of kind',
  consumes: ['*/*'],
  produces: PRODUCES,
  listProduces: [...PRODUCES, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'],
  readParameters: [],
  // DeleteOptions and ListOptions, without the watch parameters a delete cannot use.
  deleteCollectionParameters: [DELETE_BODY, ...DELETE, ...LIST.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks')],
  patchCreates: true,
};

/** apiextensions-apiserver: JSON and YAML only (no protobuf), GetOptions on reads, ListOptions alone on a delete-collection. */
const CUSTOM_RESOURCE_STYLE: OperationStyle = {
  listDescription: 'list objects of kind',
  consumes: JSON_AND_YAML,
  produces: JSON_AND_YAML,
  listProduces: JSON_AND_YAML,
  readParameters: [RESOURCE_VERSION],
  deleteCollectionParameters: LIST,
  patchCreates: false,
};

interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  action: string;
  id: string;
  description: string;
  parameters: Param[];
  consumes: readonly string[];
  produces: readonly string[];
  /** status code → definition name */
  responses: Record<string, string>;
}

interface PathEntry {
  path: string;
  parameters: Param[];
  operations: Operation[];
  info: ResourceInfo;
}

/**
 * A name made fit for an operation id, as kube-apiserver makes it: only letters, underscores and
 * (not first) digits are kept, and the letter after anything dropped is upper-cased (`rbac.authorization`
 * → `rbacAuthorization`, or `RbacAuthorization` when the first letter is upper-cased too).
 */
function toValidOperationId(s: string, capitalizeFirst: boolean): string {
  let out = '';
  let capitalize = capitalizeFirst;
  [...s].forEach((c, i) => {
    if (/\p{L}/u.test(c) || c === '_' || (i > 0 && /\p{Nd}/u.test(c))) {
      out += capitalize ? c.toUpperCase() : c;
      capitalize = false;
    } else capitalize = true;
  });
  return out;
}

/** The group as kube-apiserver names it in operation ids and tags: `core` for the legacy group, else without `.k8s.io`. */
const idGroup = (group: string) => (group ? group.replace(/\.k8s\.io$/, '') : 'core');
/** kube-apiserver's tag of a group/version: `rbacAuthorization_v1`, `core_v1`, `croExampleCom_v1`. */
const tagOf = (info: ResourceInfo) => `${toValidOperationId(idGroup(info.group), false)}_${toValidOperationId(info.version, false)}`;

/** The collection path of a resource (across all namespaces with `allNamespaces`). */
const resourceBase = (info: ResourceInfo, allNamespaces = false) =>
  `/${groupVersionPath(info.group, info.version)}${info.namespaced && !allNamespaces ? '/namespaces/{namespace}' : ''}/${info.resource}`;

/**
 * An operation id as kube-apiserver spells it: the verb, the group and version, then the rest
 * (`Namespaced`, the kind, a suffix) with its first letter upper-cased; a delete-collection's verb
 * is `delete` and its rest starts with `Collection` (`deleteAppsV1CollectionNamespacedDeployment`,
 * `listCroExampleComV1WidgetForAllNamespaces`).
 */
function operationId(info: ResourceInfo, verb: string, suffix = '', namespaced = info.namespaced): string {
  const [prefix, rest] = verb === 'deletecollection' ? ['delete', 'collection'] : [verb, ''];
  const group = toValidOperationId(idGroup(info.group), true);
  return `${prefix}${group}${toValidOperationId(info.version, true)}${toValidOperationId(`${rest}${namespaced ? 'Namespaced' : ''}${info.kind}${suffix}`, true)}`;
}

/** The article kube-apiserver puts before a kind in "create a …" and "delete a …": none for a plural, `an` before a vowel. */
function withArticle(kind: string): string {
  if (kind.endsWith('s') && !kind.endsWith('ss')) return kind;
  return `${/^[aeiou]/i.test(kind) ? 'an' : 'a'} ${kind}`;
}

const title = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const namespaceParams = (info: ResourceInfo) => (info.namespaced ? [pathParam('namespace', 'object name and auth scope, such as for teams and projects')] : []);
const nameParams = (info: ResourceInfo) => [pathParam('name', `name of the ${info.kind}`), ...namespaceParams(info)];

/** The paths of one resource, with the operations its verbs allow. */
function resourcePaths(info: ResourceInfo, kindDef: string, listDef: string | undefined, style: OperationStyle, patchTypes: readonly string[] = PATCH_TYPES): PathEntry[] {
  const base = resourceBase(info);
  const id = (verb: string, suffix = '') => operationId(info, verb, suffix);
  const verbs = new Set(info.verbs);
  const plain = { consumes: style.consumes, produces: style.produces };
  const list = (listId: string): Operation => ({ method: 'get', action: 'list', id: listId, description: `${style.listDescription} ${info.kind}`, parameters: LIST, ...plain, produces: style.listProduces, responses: { '200': listDef! } });
  const collection: Operation[] = [];
  if (verbs.has('list') && listDef) collection.push(list(id('list')));
  if (verbs.has('create')) {
    collection.push({ method: 'post', action: 'post', id: id('create'), description: `create ${withArticle(info.kind)}`, parameters: [body(kindDef), ...WRITE], ...plain, responses: { '200': kindDef, '201': kindDef, '202': kindDef } });
  }
  if (verbs.has('deletecollection')) {
    collection.push({ method: 'delete', action: 'deletecollection', id: id('deletecollection'), description: `delete collection of ${info.kind}`, parameters: style.deleteCollectionParameters, ...plain, responses: { '200': STATUS_DEFINITION } });
  }
  const item: Operation[] = [];
  if (verbs.has('get')) item.push({ method: 'get', action: 'get', id: id('read'), description: `read the specified ${info.kind}`, parameters: style.readParameters, ...plain, responses: { '200': kindDef } });
  if (verbs.has('update')) item.push({ method: 'put', action: 'put', id: id('replace'), description: `replace the specified ${info.kind}`, parameters: [body(kindDef), ...WRITE], ...plain, responses: { '200': kindDef, '201': kindDef } });
  if (verbs.has('delete')) {
    item.push({ method: 'delete', action: 'delete', id: id('delete'), description: `delete ${withArticle(info.kind)}`, parameters: [DELETE_BODY, ...DELETE], ...plain, responses: { '200': STATUS_DEFINITION, '202': STATUS_DEFINITION } });
  }
  if (verbs.has('patch')) {
    item.push({
      method: 'patch',
      action: 'patch',
      id: id('patch'),
      description: `partially update the specified ${info.kind}`,
      parameters: [body(PATCH_DEFINITION), ...WRITE, FORCE],
      consumes: patchTypes,
      produces: style.produces,
      responses: style.patchCreates ? { '200': kindDef, '201': kindDef } : { '200': kindDef },
    });
  }
  const paths: PathEntry[] = [];
  // A namespaced resource is also listed across all namespaces, at the collection path without them.
  if (info.namespaced && verbs.has('list') && listDef) paths.push({ path: resourceBase(info, true), parameters: [PRETTY], operations: [list(operationId(info, 'list', 'ForAllNamespaces', false))], info });
  if (collection.length) paths.push({ path: base, parameters: [...namespaceParams(info), PRETTY], operations: collection, info });
  if (item.length) paths.push({ path: `${base}/{name}`, parameters: [...nameParams(info), PRETTY], operations: item, info });
  return paths;
}

const SCALE_DEFINITION = 'io.k8s.api.autoscaling.v1.Scale';

/** The built-in definitions custom resources' paths refer to, and theirs (the catalogue defines a model once it is first named). */
function referencedDefinitions(schemas: SchemaCatalogue, roots: string[]): Map<string, Schema> {
  if (roots.includes(SCALE_DEFINITION)) schemas.definitionName({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
  return schemas.closure(roots);
}

/**
 * The `status` and `scale` paths of a custom resource, as apiextensions-apiserver publishes them:
 * get, put and patch, each with the resource's group/version/kind; status reads and writes the
 * kind, scale an autoscaling/v1 Scale. A patch answers 200 only, as kube's CRD handler declares.
 */
function customSubresourcePaths(info: ResourceInfo, kindDef: string, patchTypes: readonly string[]): PathEntry[] {
  const paths: PathEntry[] = [];
  const style = CUSTOM_RESOURCE_STYLE;
  const plain = { consumes: style.consumes, produces: style.produces };
  for (const sub of ['status', 'scale']) {
    if (!info.subresources.includes(sub)) continue;
    const def = sub === 'scale' ? SCALE_DEFINITION : kindDef;
    const id = (verb: string) => operationId(info, verb, title(sub));
    paths.push({
      path: `${resourceBase(info)}/{name}/${sub}`,
      parameters: [...nameParams(info), PRETTY],
      operations: [
        { method: 'get', action: 'get', id: id('read'), description: `read ${sub} of the specified ${info.kind}`, parameters: style.readParameters, ...plain, responses: { '200': def } },
        { method: 'put', action: 'put', id: id('replace'), description: `replace ${sub} of the specified ${info.kind}`, parameters: [body(def), ...WRITE], ...plain, responses: { '200': def, '201': def } },
        {
          method: 'patch',
          action: 'patch',
          id: id('patch'),
          description: `partially update ${sub} of the specified ${info.kind}`,
          parameters: [body(PATCH_DEFINITION), ...WRITE, FORCE],
          consumes: patchTypes,
          produces: style.produces,
          responses: { '200': def },
        },
      ],
      info,
    });
  }
  return paths;
}

/** The meta/v1 kinds every document's operations answer or read (the catalogue defines a model once it is first named). */
function defineMetaKinds(schemas: SchemaCatalogue): void {
  for (const kind of ['Status', 'DeleteOptions']) schemas.definitionName({ group: '', version: 'v1', kind });
}

/** Everything one document needs: its paths and the definitions they refer to. */
function collect(catalogue: KindCatalogue, schemas: SchemaCatalogue, resources: ResourceInfo[]): { paths: PathEntry[]; definitions: Map<string, Schema> } {
  const roots = [STATUS_DEFINITION, DELETE_OPTIONS_DEFINITION];
  const paths: PathEntry[] = [];
  for (const info of resources) {
    const gvk = { group: info.group, version: info.version };
    const kindDef = schemas.definitionName({ ...gvk, kind: info.kind });
    if (!kindDef) continue;
    const listDef = schemas.definitionName({ ...gvk, kind: info.listKind });
    roots.push(kindDef, ...(listDef ? [listDef] : []));
    paths.push(...resourcePaths(info, kindDef, listDef, BUILTIN_STYLE));
  }
  defineMetaKinds(schemas);
  const definitions = schemas.closure(roots);
  definitions.set(PATCH_DEFINITION, { type: 'object', description: 'The body of a PATCH request, in the format its Content-Type names.' });
  return { paths, definitions: new Map([...definitions].sort(([a], [b]) => a.localeCompare(b))) };
}

/** Types that accept a string or an integer: v3 says so with oneOf (and no type), so kubectl explain names them. */
const V3_ONE_OF = new Set([INT_OR_STRING, QUANTITY]);

function eitherStringOrInteger({ type: _type, format: _format, ...rest }: Schema): Schema {
  return { ...rest, oneOf: [{ type: 'string' }, { type: 'integer' }] };
}

/** A schema with references rendered for a document: `#/definitions/…` (v2) or `#/components/schemas/…` (v3). */
function renderSchema(schema: Schema, v3: boolean): Json {
  const prefix = v3 ? '#/components/schemas/' : '#/definitions/';
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties') out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, renderSchema(v, v3)]));
    else if (key === 'items' || key === 'additionalProperties') out[key] = renderSchema(value as Schema, v3);
    else if (key !== '$ref') out[key] = value;
  }
  if (schema.$ref) {
    const ref = `${prefix}${schema.$ref}`;
    // v3 may not put siblings beside a $ref; kube-apiserver wraps such a reference in allOf.
    if (v3 && Object.keys(out).length) return { ...out, allOf: [{ $ref: ref }] };
    return { $ref: ref, ...out };
  }
  return out;
}

function gvkOf(info: ResourceInfo): Json {
  return { group: info.group, version: info.version, kind: info.kind };
}

function v2Parameter(p: Param): Json {
  if (p.in === 'body') return { name: p.name, in: 'body', ...(p.required ? { required: true } : {}), schema: { $ref: `#/definitions/${p.schema}` } };
  return { uniqueItems: true, type: p.type, description: p.description, name: p.name, in: p.in, ...(p.required ? { required: true } : {}) };
}

function v3Parameter(p: Param): Json {
  return { name: p.name, in: p.in, description: p.description, ...(p.required ? { required: true } : {}), schema: { type: p.type, uniqueItems: true } };
}

/** How kube-apiserver's documents describe each answer code. */
const RESPONSE_DESCRIPTIONS: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted' };

function responses(op: Operation, body: (definition: string) => Json): Json {
  return {
    ...Object.fromEntries(Object.entries(op.responses).map(([code, def]) => [code, { description: RESPONSE_DESCRIPTIONS[code] ?? 'OK', ...body(def) }])),
    '401': { description: 'Unauthorized' },
  };
}

/**
 * A list property only when the list has items: kube's documents leave out an operation without
 * parameters, and an empty list does not survive a round trip through kube-openapi's Go types.
 */
function nonEmpty(key: string, items: Json[]): Json {
  return items.length ? { [key]: items } : {};
}

/** Parameters in kube-openapi's order: by name, then by where they go. */
const byNameIn = (a: Param, b: Param) => (a.name === b.name ? a.in.localeCompare(b.in) : a.name < b.name ? -1 : 1);
const paramKey = (p: Param) => `${p.in}/${p.name}`;

/**
 * The paths object of a document; what differs between v2 and v3 is how parameters and bodies are
 * spelled. As kube-openapi builds it, a parameter every operation of a path takes (a body aside) is
 * the path's, and both lists are sorted.
 */
function renderPaths(paths: PathEntry[], parameter: (p: Param) => Json, operation: (op: Operation, parameters: Param[]) => Json): Json {
  const rendered: Json = {};
  for (const entry of paths) {
    const common = entry.operations
      .map((op) => new Set(op.parameters.filter((p) => p.in !== 'body').map(paramKey)))
      .reduce((shared, keys) => new Set([...shared].filter((k) => keys.has(k))));
    const hoisted = entry.operations[0].parameters.filter((p) => common.has(paramKey(p)));
    const item: Json = { parameters: [...entry.parameters, ...hoisted].sort(byNameIn).map(parameter) };
    for (const op of entry.operations) {
      item[op.method] = {
        description: op.description,
        operationId: op.id,
        tags: [tagOf(entry.info)],
        ...operation(op, op.parameters.filter((p) => !common.has(paramKey(p))).sort(byNameIn)),
        'x-kubernetes-action': op.action,
        'x-kubernetes-group-version-kind': gvkOf(entry.info),
      };
    }
    rendered[entry.path] = item;
  }
  return rendered;
}

/** The OpenAPI v2 document: the built-in kinds, and the custom resources given (kube's aggregated v2 holds both). */
export function openApiV2(catalogue: KindCatalogue, schemas: SchemaCatalogue, serverVersion: string, customResources: readonly CustomResourceOpenApi[] = []): Json {
  const builtin = collect(catalogue, schemas, catalogue.strategies.map((s) => s.info));
  const custom = customResourceDocument(customResources, true);
  const paths = [...builtin.paths, ...custom.paths];
  const referenced = referencedDefinitions(schemas, custom.roots);
  const definitions = new Map([...builtin.definitions, ...referenced, ...custom.definitions].sort(([a], [b]) => a.localeCompare(b)));
  const renderedPaths = renderPaths(paths, v2Parameter, (op, parameters) => ({
    consumes: op.consumes,
    produces: op.produces,
    schemes: ['https'],
    ...nonEmpty('parameters', parameters.map(v2Parameter)),
    responses: responses(op, (def) => ({ schema: { $ref: `#/definitions/${def}` } })),
  }));
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: serverVersion },
    paths: renderedPaths,
    definitions: Object.fromEntries([...definitions].map(([name, schema]) => [name, renderSchema(schema, false)])),
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}

export function openApiV3GroupVersion(catalogue: KindCatalogue, schemas: SchemaCatalogue, group: string, version: string, serverVersion: string): Json | undefined {
  const resources = catalogue.resourcesOf(group, version);
  if (resources.length === 0) return undefined;
  const { paths, definitions } = collect(catalogue, schemas, resources);
  return renderV3(paths, definitions, serverVersion);
}

function renderV3(paths: PathEntry[], definitions: Map<string, Schema>, serverVersion: string): Json {
  const content = (def: string, types: readonly string[]) => Object.fromEntries(types.map((t) => [t, { schema: { $ref: `#/components/schemas/${def}` } }]));
  const renderedPaths = renderPaths(paths, v3Parameter, (op, parameters) => {
    const bodyParam = parameters.find((p) => p.in === 'body');
    return {
      ...nonEmpty('parameters', parameters.filter((p) => p.in !== 'body').map(v3Parameter)),
      ...(bodyParam ? { requestBody: { content: content(bodyParam.schema!, op.consumes), ...(bodyParam.required ? { required: true } : {}) } } : {}),
      responses: responses(op, (def) => ({ content: content(def, op.produces) })),
    };
  });
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: serverVersion },
    paths: renderedPaths,
    components: {
      schemas: Object.fromEntries([...definitions].map(([name, schema]) => [name, renderSchema(V3_ONE_OF.has(name) ? eitherStringOrInteger(schema) : schema, true)])),
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
    security: [{ BearerToken: [] }],
  };
}

export function documentHash(doc: unknown): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 128).toUpperCase();
}

/**
 * Every OpenAPI v3 document, by the path under /openapi/v3: '' is the index, which points at each
 * group/version document by its hash, so clients cache a document until it changes.
 */
export function openApiV3Documents(catalogue: KindCatalogue, schemas: SchemaCatalogue, serverVersion: string): Map<string, Json> {
  const docs = new Map<string, Json>();
  const index: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, version } of catalogue.groupVersions()) {
    const doc = openApiV3GroupVersion(catalogue, schemas, group, version, serverVersion);
    if (!doc) continue;
    const key = groupVersionPath(group, version);
    docs.set(key, doc);
    index[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${documentHash(doc)}` };
  }
  docs.set('', { paths: index });
  return docs;
}

/** What the OpenAPI document of a custom resource is made from: its kind, and its CRD version's schema. */
export interface CustomResourceOpenApi {
  info: ResourceInfo;
  openApiSchema?: Record<string, unknown>;
  selectableFieldPaths: string[];
  patchTypes?: readonly string[];
}

/** kube's definition name of a custom resource's kind: the group reversed, the version, the kind (`io.kapi.demo.v1.Widget`). */
export function customResourceDefinitionName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

const OBJECT_META = OBJECT_META_DEFINITION;
const LIST_META = LIST_META_DEFINITION;

/** The paths and definitions of custom resources, as apiextensions-apiserver publishes them (v2 without what v2 cannot say). */
function customResourceDocument(resources: readonly CustomResourceOpenApi[], v2: boolean): { paths: PathEntry[]; definitions: Map<string, Schema>; roots: string[] } {
  const paths: PathEntry[] = [];
  const definitions = new Map<string, Schema>();
  /** The built-in definitions the paths refer to (a scale subresource's Scale). */
  const roots: string[] = [];
  for (const r of resources) {
    const { info } = r;
    const kindDef = customResourceDefinitionName(info.group, info.version, info.kind);
    const listDef = customResourceDefinitionName(info.group, info.version, info.listKind);
    const selectable = selectableFieldsExtension(r.selectableFieldPaths);
    definitions.set(kindDef, publishedKindSchema(info, r.openApiSchema, r.selectableFieldPaths, v2) as Schema);
    definitions.set(listDef, {
      description: `${info.kind}List is a list of ${info.kind}`,
      type: 'object',
      required: ['items'],
      properties: {
        ...TYPE_META_PROPERTIES,
        items: { description: `List of ${info.resource.toLowerCase()}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, type: 'array', items: { $ref: kindDef } },
        metadata: { description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds', $ref: LIST_META },
      },
      'x-kubernetes-group-version-kind': [{ group: info.group, kind: info.listKind, version: info.version }],
      ...selectable,
    });
    paths.push(...resourcePaths(info, kindDef, listDef, CUSTOM_RESOURCE_STYLE, r.patchTypes ?? PATCH_TYPES));
    paths.push(...customSubresourcePaths(info, kindDef, r.patchTypes ?? PATCH_TYPES));
    if (info.subresources.includes('scale') && !roots.includes(SCALE_DEFINITION)) roots.push(SCALE_DEFINITION);
  }
  return { paths, definitions, roots };
}

/**
 * The OpenAPI v3 document of a custom resource group/version, as apiextensions-apiserver builds it:
 * the resources' paths, each kind's schema from its CRD (with apiVersion, kind and ObjectMeta added,
 * and its group/version/kind and selectable fields as extensions), its list, and the meta types.
 */
export function openApiV3CustomResources(resources: readonly CustomResourceOpenApi[], schemas: SchemaCatalogue, serverVersion: string): Json {
  const { paths, definitions, roots } = customResourceDocument(resources, false);
  defineMetaKinds(schemas);
  for (const [name, schema] of referencedDefinitions(schemas, [OBJECT_META, LIST_META, STATUS_DEFINITION, DELETE_OPTIONS_DEFINITION, ...roots])) definitions.set(name, schema);
  definitions.set(PATCH_DEFINITION, { type: 'object', description: 'The body of a PATCH request, in the format its Content-Type names.' });
  const sorted = new Map([...definitions].sort(([a], [b]) => a.localeCompare(b)));
  return renderV3(paths, sorted, serverVersion);
}
