// The custom resources a process serves, kept from the CustomResourceDefinitions it is told of: a CRD
// whose Established condition is True is served with the strategy of its served version, built once
// per resourceVersion of the CRD; any other is not. Each service feeds it from where it reads CRDs
// (the registry from etcd, the watch cache from its own store, the front door from an informer); the
// KindCatalogue asks it for what its built-in kinds do not hold.
import type { GroupVersionKind } from '@kapi/api-machinery';
import { customResourceStrategy, isEstablished, type CustomResourceDefinition, type CustomResourceStrategy } from './strategy.js';

const resourceKey = (group: string, resource: string) => `${group}/${resource}`;

export class CustomResourceKinds {
  /** By CRD name, the strategy of each served CRD. */
  private readonly byName = new Map<string, CustomResourceStrategy>();
  private readonly byResource = new Map<string, CustomResourceStrategy>();
  private readonly listeners = new Set<() => void>();
  private changes = 0;

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
    if (current && current.definition.resourceVersion === (crd.metadata?.resourceVersion ?? '') && current.definition.resourceVersion !== '') return;
    let strategy: CustomResourceStrategy | undefined;
    try {
      strategy = customResourceStrategy(crd);
    } catch {
      // A schema the CRD strategy let through but kapi cannot build: not served, rather than failing every read.
      strategy = undefined;
    }
    if (!strategy) return this.remove(name);
    if (current) this.byResource.delete(resourceKey(current.info.group, current.info.resource));
    this.byName.set(name, strategy);
    this.byResource.set(resourceKey(strategy.info.group, strategy.info.resource), strategy);
    this.changed();
  }

  /** The CRD of that name is gone (or no longer served). */
  remove(name: string): void {
    const current = this.byName.get(name);
    if (!current) return;
    this.byName.delete(name);
    this.byResource.delete(resourceKey(current.info.group, current.info.resource));
    this.changed();
  }

  /** Every CRD there is now (a fresh list): those not in it are no longer served. */
  replace(crds: readonly CustomResourceDefinition[]): void {
    const names = new Set(crds.map((c) => c.metadata?.name ?? ''));
    for (const name of [...this.byName.keys()]) if (!names.has(name)) this.remove(name);
    for (const crd of crds) this.update(crd);
  }

  lookup(group: string, resource: string): CustomResourceStrategy | undefined {
    return this.byResource.get(resourceKey(group, resource));
  }

  byKind(kind: GroupVersionKind): CustomResourceStrategy | undefined {
    return this.strategies().find((s) => s.info.group === kind.group && s.info.version === kind.version && s.info.kind === kind.kind);
  }

  /** The served strategies, by group then resource (the order discovery lists CRD groups in, after the built-in ones). */
  strategies(): CustomResourceStrategy[] {
    return [...this.byResource.values()].sort((a, b) => (resourceKey(a.info.group, a.info.resource) < resourceKey(b.info.group, b.info.resource) ? -1 : 1));
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
