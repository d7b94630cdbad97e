// Legacy discovery documents: APIVersions (/api), APIGroupList (/apis), APIGroup (/apis/<group>) and
// APIResourceList (/api/v1, /apis/<group>/<version>), built from the kind catalogue.
import { SCALE_KIND, type KindCatalogue, type ResourceInfo } from '@kapi/kinds';

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

function groupEntry(group: string, versions: string[]) {
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
  const main = {
    name: info.resource,
    singularName: info.singularName,
    namespaced: info.namespaced,
    kind: info.kind,
    verbs: info.verbs,
    ...(info.shortNames.length ? { shortNames: info.shortNames } : {}),
    ...(info.categories.length ? { categories: info.categories } : {}),
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
