// Legacy discovery documents: APIVersions (/api), APIGroupList (/apis), APIGroup (/apis/<group>) and
// APIResourceList (/api/v1, /apis/<group>/<version>), built from the kind catalogue.
import { createHash } from 'node:crypto';
import { SCALE_KIND, type KindCatalogue, type ResourceInfo } from '@kapi/kinds';

/**
 * kube's storage version hash (apiserver's discovery.StorageVersionHash): the first 8 bytes of the
 * SHA-256 of `<group>/<version>/<kind>`, base64-encoded. Clients (the storage version migrator)
 * compare it for equality only.
 */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}

/** A resource's storageVersionHash: its storage version's, none for a resource nothing is stored for. */
function storageVersionHashOf(info: ResourceInfo): string | undefined {
  if (info.storageVersion === null) return undefined;
  const { group, version, kind } = info.storageVersion ?? info;
  return storageVersionHash(group, version, kind);
}

/** Subresources whose verbs are not the usual get/patch/update. */
const SUBRESOURCE_VERBS: Record<string, string[]> = {
  finalize: ['update'],
  token: ['create'],
  binding: ['create'],
  eviction: ['create'],
  log: ['get'],
  exec: ['create', 'get'],
  attach: ['create', 'get'],
  portforward: ['create', 'get'],
  proxy: ['create', 'delete', 'get', 'patch', 'update'],
};

/** Subresources whose body is another kind than their resource's (kube's discovery names it). */
function subresourceKind(info: ResourceInfo, sub: string): { group?: string; version?: string; kind: string } {
  switch (sub) {
    case 'binding':
      return { kind: 'Binding' };
    case 'eviction':
      return { group: 'policy', version: 'v1', kind: 'Eviction' };
    case 'exec':
      return { kind: 'PodExecOptions' };
    case 'attach':
      return { kind: 'PodAttachOptions' };
    case 'portforward':
      return { kind: 'PodPortForwardOptions' };
    case 'proxy':
      return { kind: `${info.kind}ProxyOptions` };
    case 'scale':
      return SCALE_KIND;
    case 'token':
      return { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' };
    default:
      return { kind: info.kind };
  }
}

export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** A group of an APIGroupList or an APIGroup, its first version preferred. */
export function groupEntry(group: string, versions: string[]) {
  const gv = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: gv, preferredVersion: gv[0] };
}

function groups(catalogue: KindCatalogue): Map<string, string[]> {
  const byGroup = new Map<string, string[]>();
  for (const { group, version } of catalogue.groupVersions()) {
    if (!group) continue;
    const versions = byGroup.get(group) ?? [];
    if (!versions.includes(version)) versions.push(version);
    byGroup.set(group, versions);
  }
  return byGroup;
}

export function apiGroupList(catalogue: KindCatalogue) {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups(catalogue)].map(([g, v]) => groupEntry(g, v)),
  };
}

export function apiGroup(catalogue: KindCatalogue, group: string) {
  const versions = groups(catalogue).get(group);
  return versions ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, versions) } : undefined;
}

/**
 * A kind's subresources in discovery's order: a built-in kind's by name, a custom resource's as kube's
 * CRD handler installs them (status, then scale).
 */
const subresourcesOf = (info: ResourceInfo) => (info.customResource ? info.subresources : [...info.subresources].sort());

function resourceEntries(info: ResourceInfo) {
  const hash = storageVersionHashOf(info);
  const main = {
    name: info.resource,
    singularName: info.singularName,
    namespaced: info.namespaced,
    kind: info.kind,
    verbs: info.verbs,
    ...(info.shortNames.length ? { shortNames: info.shortNames } : {}),
    ...(info.categories.length ? { categories: info.categories } : {}),
    ...(hash ? { storageVersionHash: hash } : {}),
  };
  const subs = subresourcesOf(info).map((sub) => ({
    name: `${info.resource}/${sub}`,
    singularName: '',
    namespaced: info.namespaced,
    ...subresourceKind(info, sub),
    verbs: SUBRESOURCE_VERBS[sub] ?? ['get', 'patch', 'update'],
  }));
  return [main, ...subs];
}

export function apiResourceList(catalogue: KindCatalogue, group: string, version: string) {
  const resources = catalogue.resourcesOf(group, version);
  if (resources.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: resources.flatMap(resourceEntries),
  };
}

/** Aggregated discovery (apidiscovery.k8s.io/v2): every group, version and resource in one document. */
export const AGGREGATED_DISCOVERY_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

function discoveryResource(info: ResourceInfo) {
  const responseKind = { group: info.group, version: info.version, kind: info.kind };
  return {
    resource: info.resource,
    responseKind,
    scope: info.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: info.singularName,
    verbs: info.verbs,
    ...(info.shortNames.length ? { shortNames: info.shortNames } : {}),
    ...(info.categories.length ? { categories: info.categories } : {}),
    ...(info.subresources.length
      ? {
          subresources: subresourcesOf(info).map((sub) => {
            const { group, version, kind } = subresourceKind(info, sub);
            return {
              subresource: sub,
              responseKind: { group: group ?? info.group, version: version ?? info.version, kind },
              verbs: SUBRESOURCE_VERBS[sub] ?? ['get', 'patch', 'update'],
            };
          }),
        }
      : {}),
  };
}

/** `/api` (legacy: the core group) or `/apis` (every named group) as an APIGroupDiscoveryList. */
export function aggregatedDiscovery(catalogue: KindCatalogue, legacy: boolean) {
  const byGroup = new Map<string, string[]>();
  for (const { group, version } of catalogue.groupVersions()) {
    if ((group === '') !== legacy) continue;
    const versions = byGroup.get(group) ?? [];
    if (!versions.includes(version)) versions.push(version);
    byGroup.set(group, versions);
  }
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: [...byGroup].map(([group, versions]) => ({
      // kube's discovery of a CRD group carries no creationTimestamp; the built-in groups' a null one.
      metadata: !group ? { creationTimestamp: null } : catalogue.resourcesOf(group, versions[0]).every((r) => r.customResource) ? { name: group } : { name: group, creationTimestamp: null },
      versions: versions.map((version) => ({
        version,
        resources: catalogue.resourcesOf(group, version).map(discoveryResource),
        freshness: 'Current',
      })),
    })),
  };
}

/** A resource of a legacy APIResourceList, as an aggregated API server serves it. */
export interface DiscoveredResource {
  name: string;
  singularName?: string;
  namespaced?: boolean;
  group?: string;
  version?: string;
  kind?: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
}

/**
 * One version of an aggregated discovery document from the APIResourceList a server answers for it
 * (kube's discovery aggregation of servers that serve no aggregated discovery of their own):
 * subresources (`<resource>/<sub>`) under their resource, each kind's group and version as the list
 * gave them (empty: the list's own, as kube converts them).
 */
export function aggregatedVersion(version: string, resources: readonly DiscoveredResource[], freshness: 'Current' | 'Stale') {
  const kindOf = (r: DiscoveredResource) => ({ group: r.group ?? '', version: r.version ?? '', kind: r.kind ?? '' });
  const main = resources.filter((r) => !r.name.includes('/'));
  return {
    version,
    resources: [...main]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((r) => {
        const subresources = resources
          .filter((s) => s.name.startsWith(`${r.name}/`))
          .map((s) => ({ subresource: s.name.slice(r.name.length + 1), responseKind: kindOf(s), verbs: s.verbs ?? [] }));
        return {
          resource: r.name,
          responseKind: kindOf(r),
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: r.singularName ?? '',
          verbs: r.verbs ?? [],
          ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
          ...(r.categories?.length ? { categories: r.categories } : {}),
          ...(subresources.length ? { subresources } : {}),
        };
      }),
    freshness,
  };
}
