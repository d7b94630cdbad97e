// The custom resources a process serves, kept from the CustomResourceDefinitions it is told of: a CRD
// whose Established condition is True is served with a strategy per served version, built once
// per resourceVersion of the CRD; any other is not. Each service feeds it from where it reads CRDs
// (the registry from etcd, the watch cache from its own store, the front door from an informer); the
// KindCatalogue asks it for what its built-in kinds do not hold. Each served version of a CRD has its
// strategy; a lookup without a version gets the one `servedVersion` names.
import type { GroupVersionKind } from '@kapi/api-machinery';
import { customResourceStrategies, isEstablished, servedVersion, type CustomResourceDefinition, type CustomResourceStrategy, type CustomResourceStrategyOptions } from './strategy.js';

const resourceKey = (group: string, resource: string) => `${group}/${resource}`;

/** The resource CRDs are listed and watched as. */
export const CRD_RESOURCE = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' };

/** Changes of the stored CRDs, as a shared informer reports them (@kapi/informer's Informer is one). */
export interface DefinitionChanges {
  subscribe(listener: (type: 'ADDED' | 'MODIFIED' | 'DELETED', crd: CustomResourceDefinition) => void): () => void;
}

/** What one served CRD serves: a strategy per served version, and the one that stands for it (`servedVersion`). */
interface ServedDefinition {
  resourceVersion: string;
  group: string;
  resource: string;
  /** Highest priority first. */
  versions: CustomResourceStrategy[];
  main: CustomResourceStrategy;
}

export class CustomResourceKinds {
  /** By CRD name, what each served CRD serves. */
  private readonly byName = new Map<string, ServedDefinition>();
  private readonly byResource = new Map<string, ServedDefinition>();
  private readonly listeners = new Set<() => void>();
  private changes = 0;

  constructor(private readonly options: CustomResourceStrategyOptions = {}) {}

  /** Counts the changes of what is served, so that derived documents (discovery) know when to rebuild. */
  get generation(): number {
    return this.changes;
  }

  /**
   * Takes a CRD as it is stored now: served when established (rebuilt only when its resourceVersion
   * changed), else no longer served. A CRD that cannot be served (no served version) is not.
   */
  update(crd: CustomResourceDefinition): void {
    const name = crd.metadata?.name ?? '';
    const current = this.byName.get(name);
    if (!isEstablished(crd)) return this.remove(name);
    const resourceVersion = crd.metadata?.resourceVersion ?? '';
    if (current && current.resourceVersion === resourceVersion && resourceVersion !== '') return;
    let versions: CustomResourceStrategy[];
    try {
      versions = customResourceStrategies(crd, this.options);
    } catch {
      // A schema the CRD strategy let through but kapi cannot build: not served, rather than failing every read.
      versions = [];
    }
    const main = versions.find((v) => v.info.version === servedVersion(crd)?.name);
    if (!main) return this.remove(name);
    if (current) this.byResource.delete(resourceKey(current.group, current.resource));
    const served: ServedDefinition = { resourceVersion, group: main.info.group, resource: main.info.resource, versions, main };
    this.byName.set(name, served);
    this.byResource.set(resourceKey(served.group, served.resource), served);
    this.changed();
  }

  /** The CRD of that name is gone (or no longer served). */
  remove(name: string): void {
    const current = this.byName.get(name);
    if (!current) return;
    this.byName.delete(name);
    this.byResource.delete(resourceKey(current.group, current.resource));
    this.changed();
  }

  /** Every CRD there is now (a fresh list): those not in it are no longer served. */
  replace(crds: readonly CustomResourceDefinition[]): void {
    const names = new Set(crds.map((c) => c.metadata?.name ?? ''));
    for (const name of [...this.byName.keys()]) if (!names.has(name)) this.remove(name);
    for (const crd of crds) this.update(crd);
  }

  /** The strategy of a version of the resource, or without a version the one that stands for it. */
  lookup(group: string, resource: string, version?: string): CustomResourceStrategy | undefined {
    const served = this.byResource.get(resourceKey(group, resource));
    if (!served || version === undefined) return served?.main;
    return served.versions.find((s) => s.info.version === version);
  }

  byKind(kind: GroupVersionKind): CustomResourceStrategy | undefined {
    return this.strategies().find((s) => s.info.group === kind.group && s.info.version === kind.version && s.info.kind === kind.kind);
  }

  /** Every served version's strategy, by group and resource, each resource's versions highest priority first (discovery's order, after the built-in groups). */
  strategies(): CustomResourceStrategy[] {
    return this.definitions().flatMap((d) => d.versions);
  }

  /** One strategy per served resource (its `servedVersion`'s): what holds its objects, whatever version reads them. */
  storageStrategies(): CustomResourceStrategy[] {
    return this.definitions().map((d) => d.main);
  }

  private definitions(): ServedDefinition[] {
    return [...this.byResource.values()].sort((a, b) => (resourceKey(a.group, a.resource) < resourceKey(b.group, b.resource) ? -1 : 1));
  }

  /** Keeps what is served equal to the CRDs an informer holds, from every change it reports; returns the unsubscribe. */
  follow(changes: DefinitionChanges): () => void {
    return changes.subscribe((type, crd) => (type === 'DELETED' ? this.remove(crd.metadata?.name ?? '') : this.update(crd)));
  }

  /** Called after every change of what is served; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.changes++;
    for (const listener of this.listeners) listener();
  }
}

/** The name of the CRD that defines a resource: `<plural>.<group>`. */
export const crdNameOf = (group: string, resource: string) => `${resource}.${group}`;

/** Where CustomResourceDefinitions are stored, each under its name. */
export const CRD_STORAGE_PREFIX = '/registry/apiextensions.k8s.io/customresourcedefinitions/';
