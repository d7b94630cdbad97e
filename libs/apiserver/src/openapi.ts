// OpenAPI v3 documents built from the kind catalogue: the index at /openapi/v3 and one document per
// group/version. They declare each resource's operations with the query parameters kubectl checks
// for (fieldValidation, dryRun, fieldManager) and the group/version/kind of each, which is how
// kubectl decides to let the server validate (`--validate=strict`) instead of validating itself.
// Object schemas are open for now: the schema catalogue will fill them in.
import { createHash } from 'node:crypto';
import type { KindCatalogue, ResourceInfo } from '@kapi/kinds';

type Json = Record<string, unknown>;

/** The OpenAPI path key of a group/version: `api/v1` or `apis/<group>/<version>`. */
export function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const query = (name: string, description: string, type = 'string'): Json => ({ name, in: 'query', description, schema: { type, uniqueItems: true } });

const WRITE_PARAMETERS = [
  query('dryRun', 'When present, indicates that modifications should not be persisted.'),
  query('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  query('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict.'),
  query('pretty', "If 'true', then the output is pretty printed."),
];

const LIST_PARAMETERS = [
  'allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch',
].map((n) => query(n, n, ['limit', 'timeoutSeconds'].includes(n) ? 'integer' : ['allowWatchBookmarks', 'sendInitialEvents', 'watch'].includes(n) ? 'boolean' : 'string'));

const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

function schemaName(info: ResourceInfo): string {
  const group = info.group ? info.group.split('.').reverse().join('.') : 'core';
  return info.group ? `io.k8s.api.${group}.${info.version}.${info.kind}` : `io.k8s.api.${group}.${info.version}.${info.kind}`;
}

function operations(info: ResourceInfo): Record<string, Json> {
  const gvk = { group: info.group, version: info.version, kind: info.kind };
  const ref = { $ref: `#/components/schemas/${schemaName(info)}` };
  const body = (types: string[]) => ({ content: Object.fromEntries(types.map((t) => [t, { schema: types === PATCH_TYPES ? { type: 'object' } : ref }])), required: true });
  const ok = (code: string) => ({ [code]: { description: 'OK', content: { 'application/json': { schema: ref } } } });
  const op = (action: string, extra: Json) => ({ 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk, ...extra });
  const base = info.namespaced ? `/${groupVersionPath(info.group, info.version)}/namespaces/{namespace}/${info.resource}` : `/${groupVersionPath(info.group, info.version)}/${info.resource}`;
  const verbs = new Set(info.verbs);
  const collection: Json = {};
  if (verbs.has('list')) collection.get = op('list', { parameters: LIST_PARAMETERS, responses: ok('200') });
  if (verbs.has('create')) collection.post = op('post', { parameters: WRITE_PARAMETERS, requestBody: body(['application/json', 'application/yaml']), responses: ok('201') });
  if (verbs.has('deletecollection')) collection.delete = op('deletecollection', { parameters: [...LIST_PARAMETERS, query('dryRun', 'dry run')], responses: ok('200') });
  const item: Json = {};
  if (verbs.has('get')) item.get = op('get', { parameters: [query('pretty', 'pretty')], responses: ok('200') });
  if (verbs.has('update')) item.put = op('put', { parameters: WRITE_PARAMETERS, requestBody: body(['application/json', 'application/yaml']), responses: ok('200') });
  if (verbs.has('patch')) {
    item.patch = op('patch', { parameters: [...WRITE_PARAMETERS, query('force', 'Force is going to "force" Apply requests.', 'boolean')], requestBody: body(PATCH_TYPES), responses: { ...ok('200'), '201': { description: 'Created', content: { 'application/json': { schema: ref } } } } });
  }
  if (verbs.has('delete')) item.delete = op('delete', { parameters: [query('dryRun', 'dry run'), query('gracePeriodSeconds', 'grace period', 'integer'), query('propagationPolicy', 'propagation policy')], responses: ok('200') });
  const paths: Record<string, Json> = {};
  if (Object.keys(collection).length) paths[base] = collection;
  if (Object.keys(item).length) paths[`${base}/{name}`] = item;
  return paths;
}

export function openApiV3GroupVersion(catalogue: KindCatalogue, group: string, version: string, serverVersion: string): Json | undefined {
  const resources = catalogue.resourcesOf(group, version);
  if (resources.length === 0) return undefined;
  const schemas: Record<string, Json> = {};
  for (const info of resources) {
    schemas[schemaName(info)] = {
      type: 'object',
      description: `${info.kind} (${info.group || 'core'}/${info.version})`,
      'x-kubernetes-preserve-unknown-fields': true,
      'x-kubernetes-group-version-kind': [{ group: info.group, version: info.version, kind: info.kind }],
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: serverVersion },
    paths: Object.assign({}, ...resources.map(operations)),
    components: { schemas },
  };
}

export function documentHash(doc: unknown): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 128).toUpperCase();
}

/** The /openapi/v3 index: one entry per group/version, each pointing at its document by hash. */
export function openApiV3Root(catalogue: KindCatalogue, serverVersion: string): Json {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, version } of catalogue.groupVersions()) {
    const doc = openApiV3GroupVersion(catalogue, group, version, serverVersion);
    const key = groupVersionPath(group, version);
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${documentHash(doc)}` };
  }
  return { paths };
}
