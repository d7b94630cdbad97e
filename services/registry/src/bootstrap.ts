// What every cluster has from its first start: the system namespaces and kube's RBAC bootstrap policy
// (@kapi/authorization's bootstrap roles: cluster-admin, discovery, the user-facing admin/edit/view, the
// roles and bindings of kube's own components and controllers, and the Roles and RoleBindings of
// kube-system and kube-public). Creating is "key absent" in
// etcd, so replicas starting together create each object exactly once, and an object that exists (or
// that an operator changed) is left as it is. Until the RBAC policy is written (or found), this replica
// is not ready (its check `poststarthook/rbac/bootstrap-roles`, kube's name), and once it is, it can
// say how far an RBAC cache must read to hold it: the newest revision among each resource's objects.
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { isStatusError, type KubeObject } from '@kapi/api-machinery';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapNamespaceRoleBindings, bootstrapNamespaceRoles, RBAC_GROUP, type RbacResource, type RbacRevisions } from '@kapi/authorization';
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

  private async ensureRbac(): Promise<void> {
    const revisions: RbacRevisions = {};
    const policy: [RbacResource, string, { metadata?: { name?: string } }[]][] = [
      ['clusterroles', 'clusterrole', bootstrapClusterRoles()],
      ['clusterrolebindings', 'clusterrolebinding', bootstrapClusterRoleBindings()],
      ['roles', 'role', bootstrapNamespaceRoles()],
      ['rolebindings', 'rolebinding', bootstrapNamespaceRoleBindings()],
    ];
    for (const [resource, kind, objects] of policy) {
      for (const obj of objects) {
        const { created, revision } = await this.createIfAbsent(RBAC_GROUP, resource, obj);
        if (created) this.logger.info(`created ${kind}`, { name: obj.metadata?.name });
        revisions[resource] = Math.max(revisions[resource] ?? 0, revision);
      }
    }
    this.rbacRevisions = revisions;
  }
}
