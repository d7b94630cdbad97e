// The RBAC objects held in memory, kept current from a list and then watch events, so that an
// authorization decision never reads storage. Cluster role aggregation is computed here: the rules
// of an aggregated cluster role are what the aggregation controller would write into it.
import { effectiveClusterRoleRules } from './aggregation.js';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, RbacResource, Role, RoleBinding } from './types.js';

export type RbacObject = Role | ClusterRole | RoleBinding | ClusterRoleBinding;
export type IndexEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

const key = (obj: RbacObject) => `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;

/** What a lister of kube's would say for a missing role: `clusterrole.rbac.authorization.k8s.io "x" not found`. */
export class RoleNotFoundError extends Error {
  constructor(kind: 'role' | 'clusterrole', name: string) {
    super(`${kind}.rbac.authorization.k8s.io "${name}" not found`);
    this.name = 'RoleNotFoundError';
  }
}

export class RbacIndex {
  private readonly stores: Record<RbacResource, Map<string, RbacObject>> = {
    roles: new Map(),
    clusterroles: new Map(),
    rolebindings: new Map(),
    clusterrolebindings: new Map(),
  };
  private readonly bindingsByNamespace = new Map<string, Map<string, RoleBinding>>();
  private effectiveRules?: Map<string, PolicyRule[]>;
  private readonly listeners = new Set<() => void>();
  /** Bumped on every change; lets callers tell whether anything moved. */
  generation = 0;

  /** Replaces everything held for one resource, as a fresh list does. */
  replace(resource: RbacResource, objects: RbacObject[]): void {
    const store = this.stores[resource];
    store.clear();
    for (const obj of objects) store.set(key(obj), obj);
    if (resource === 'rolebindings') this.reindexBindings();
    this.changed(resource);
  }

  apply(resource: RbacResource, type: IndexEventType, obj: RbacObject): void {
    const store = this.stores[resource];
    if (type === 'DELETED') store.delete(key(obj));
    else store.set(key(obj), obj);
    if (resource === 'rolebindings') {
      const ns = obj.metadata?.namespace ?? '';
      const inNs = this.bindingsByNamespace.get(ns) ?? new Map<string, RoleBinding>();
      if (type === 'DELETED') inNs.delete(obj.metadata?.name ?? '');
      else inNs.set(obj.metadata?.name ?? '', obj as RoleBinding);
      if (inNs.size) this.bindingsByNamespace.set(ns, inNs);
      else this.bindingsByNamespace.delete(ns);
    }
    this.changed(resource);
  }

  /** Called after every change (e.g. to write aggregated rules back, or in tests). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(resource: RbacResource): void {
    if (resource === 'clusterroles') this.effectiveRules = undefined;
    this.generation++;
    for (const l of this.listeners) l();
  }

  private reindexBindings(): void {
    this.bindingsByNamespace.clear();
    for (const b of this.stores.rolebindings.values()) {
      const ns = b.metadata?.namespace ?? '';
      const inNs = this.bindingsByNamespace.get(ns) ?? new Map<string, RoleBinding>();
      inNs.set(b.metadata?.name ?? '', b as RoleBinding);
      this.bindingsByNamespace.set(ns, inNs);
    }
  }

  size(resource: RbacResource): number {
    return this.stores[resource].size;
  }

  /** The rules of a Role; throws RoleNotFoundError when there is none. */
  roleRules(namespace: string, name: string): PolicyRule[] {
    const role = this.stores.roles.get(`${namespace}/${name}`) as Role | undefined;
    if (!role) throw new RoleNotFoundError('role', name);
    return role.rules ?? [];
  }

  /** The effective rules of a ClusterRole (aggregated ones included); throws RoleNotFoundError when there is none. */
  clusterRoleRules(name: string): PolicyRule[] {
    this.effectiveRules ??= effectiveClusterRoleRules(this.stores.clusterroles.values() as Iterable<ClusterRole>);
    const rules = this.effectiveRules.get(name);
    if (!rules) throw new RoleNotFoundError('clusterrole', name);
    return rules;
  }

  clusterRoles(): ClusterRole[] {
    return [...this.stores.clusterroles.values()] as ClusterRole[];
  }

  clusterRoleBindings(): ClusterRoleBinding[] {
    return [...this.stores.clusterrolebindings.values()] as ClusterRoleBinding[];
  }

  roleBindings(namespace: string): RoleBinding[] {
    return [...(this.bindingsByNamespace.get(namespace)?.values() ?? [])];
  }
}
