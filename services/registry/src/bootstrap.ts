// What every cluster has from its first start: the system namespaces and kube's RBAC bootstrap policy
// (@kapi/authorization's bootstrap roles: cluster-admin, discovery, the user-facing admin/edit/view, the
// roles and bindings of kube's own components and controllers, and the Roles and RoleBindings of
// kube-system and kube-public). Creating is "key absent" in
// etcd, so replicas starting together create each object exactly once. A namespace that exists is left
// as it is; an RBAC object that exists is reconciled as kube-apiserver reconciles its policy at every
// start: it gains what it lacks, keeps what an operator added, and is left alone when annotated
// autoupdate "false". Until the RBAC policy is written (or found), this replica
// is not ready (its check `poststarthook/rbac/bootstrap-roles`, kube's name), and once it is, it can
// say how far an RBAC cache must read to hold it: the newest revision among each resource's objects.
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { isStatusError, type KubeObject } from '@kapi/api-machinery';
import {
  bootstrapClusterRoleBindings,
  bootstrapClusterRoles,
  bootstrapNamespaceRoleBindings,
  bootstrapNamespaceRoles,
  RBAC_GROUP,
  reconcileBinding,
  type ClusterRole,
  type RoleBinding,
  reconcileRole,
  type RbacResource,
  type RbacRevisions,
  type Reconciled,
} from '@kapi/authorization';
import { LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { Registry, SYSTEM_USER } from './registry.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

@Injectable()
export class Bootstrap implements OnApplicationBootstrap {
  /** Set once every bootstrap role and binding exists: per resource, the newest revision among them. */
  private rbacRevisions?: RbacRevisions;

  constructor(
    private readonly registry: Registry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // A neighbour (admission, authz) may still be starting; keep trying for a while rather than fail the whole start.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ensureNamespaces();
        await this.ensureRbac();
        return;
      } catch (err) {
        if (attempt >= 30) throw new Error(`bootstrap failed: ${err instanceof Error ? err.message : String(err)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Throws until this replica has written or found the whole RBAC bootstrap policy. */
  checkRbacBootstrapped(): void {
    if (!this.rbacRevisions) throw new Error('the bootstrap roles and bindings are not written yet');
  }

  /** How far an RBAC cache must read to hold the bootstrap policy; undefined until it is written. */
  get rbacBootstrapRevisions(): RbacRevisions | undefined {
    return this.rbacRevisions;
  }

  /** Creates an object unless one of that name exists; answers whether this call created it and the object's resourceVersion. */
  private async createIfAbsent(group: string, resource: string, obj: object): Promise<{ created: boolean; revision: number }> {
    const store = this.registry.store(group, resource);
    const revisionOf = (o: KubeObject) => Number(o.metadata?.resourceVersion ?? 0);
    const namespace = (obj as KubeObject).metadata?.namespace;
    try {
      return { created: true, revision: revisionOf(await store.create(namespace, obj as KubeObject, { user: SYSTEM_USER, dryRun: false, fieldManager: 'kube-apiserver' })) };
    } catch (err) {
      if (!(isStatusError(err) && err.httpCode === 409)) throw err;
      return { created: false, revision: revisionOf(await store.get(namespace, (obj as KubeObject).metadata!.name!)) };
    }
  }

  private async ensureNamespaces(): Promise<void> {
    for (const name of SYSTEM_NAMESPACES) {
      if ((await this.createIfAbsent('', 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } })).created) {
        this.logger.info('created namespace', { name });
      }
    }
  }

  /**
   * Creates a bootstrap RBAC object, or reconciles the stored one with it as kube-apiserver does at
   * every start (gaining what it lacks, unless annotated autoupdate "false"); answers its revision.
   * A write that meets another replica's (a conflict, or a create racing a delete) is computed again.
   */
  private async ensureRbacObject(resource: RbacResource, obj: KubeObject, reconcile: (stored: KubeObject) => Reconciled<KubeObject>): Promise<number> {
    const store = this.registry.store(RBAC_GROUP, resource);
    const ctx = { user: SYSTEM_USER, dryRun: false, fieldManager: 'kube-apiserver' };
    const { name, namespace } = obj.metadata as { name: string; namespace?: string };
    const revisionOf = (o: KubeObject) => Number(o.metadata?.resourceVersion ?? 0);
    const retried = (err: unknown) => isStatusError(err) && (err.httpCode === 409 || err.httpCode === 404);
    for (let attempt = 0; ; attempt++) {
      try {
        const { created, revision } = await this.createIfAbsent(RBAC_GROUP, resource, obj);
        if (created) {
          this.logger.info(`created ${resource}`, { name, namespace });
          return revision;
        }
        const stored = await store.get(namespace, name);
        const { operation, object } = reconcile(stored);
        switch (operation) {
          case 'none':
            return revisionOf(stored);
          case 'protected':
            this.logger.info(`not reconciling ${resource} annotated autoupdate=false`, { name, namespace });
            return revisionOf(stored);
          case 'update':
            this.logger.info(`reconciled ${resource} with the bootstrap policy`, { name, namespace });
            return revisionOf(await store.update(namespace, name, object, ctx));
          case 'recreate':
            this.logger.info(`recreating ${resource} with the bootstrap policy's roleRef`, { name, namespace });
            await store.delete(namespace, name, { preconditions: { uid: stored.metadata?.uid } }, ctx);
            continue;
        }
      } catch (err) {
        if (attempt >= 3 || !retried(err)) throw err;
      }
    }
  }

  private async ensureRbac(): Promise<void> {
    const revisions: RbacRevisions = {};
    const policy: [RbacResource, object[], 'role' | 'binding'][] = [
      ['clusterroles', bootstrapClusterRoles(), 'role'],
      ['clusterrolebindings', bootstrapClusterRoleBindings(), 'binding'],
      ['roles', bootstrapNamespaceRoles(), 'role'],
      ['rolebindings', bootstrapNamespaceRoleBindings(), 'binding'],
    ];
    for (const [resource, objects, kind] of policy) {
      for (const obj of objects) {
        const reconcile = (stored: KubeObject) =>
          (kind === 'role' ? reconcileRole(stored as ClusterRole, obj as ClusterRole) : reconcileBinding(stored as unknown as RoleBinding, obj as RoleBinding)) as Reconciled<KubeObject>;
        const revision = await this.ensureRbacObject(resource, obj as KubeObject, reconcile);
        revisions[resource] = Math.max(revisions[resource] ?? 0, revision);
      }
    }
    this.rbacRevisions = revisions;
  }
}
