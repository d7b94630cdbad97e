// Legacy discovery documents: APIVersions (/api), APIGroupList (/apis), APIGroup (/apis/<group>) and
// APIResourceList (/api/v1, /apis/<group>/<version>), built from the kind catalogue.
import type { KindCatalogue, ResourceInfo } from '@kapi/kinds';

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
  const subs = info.subresources.map((sub) => ({
    name: `${info.resource}/${sub}`,
    singularName: '',
    namespaced: info.namespaced,
    kind: info.kind,
    verbs: sub === 'finalize' ? ['update'] : ['get', 'patch', 'update'],
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
