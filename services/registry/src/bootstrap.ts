// What every cluster has from its first start: the system namespaces and kube's default RBAC roles
// and bindings (cluster-admin for system:masters, discovery and basic-user for everyone signed in,
// public-info-viewer for everyone, and the user-facing admin/edit/view). Creating is "key absent" in
// etcd, so replicas starting together create each object exactly once, and an object that exists (or
// that an operator changed) is left as it is.
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { isStatusError, type KubeObject } from '@kapi/api-machinery';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, RBAC_GROUP } from '@kapi/authorization';
import { LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { Registry, SYSTEM_USER } from './registry.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

@Injectable()
export class Bootstrap implements OnApplicationBootstrap {
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

  /** Creates an object unless one of that name exists; true when this call created it. */
  private async createIfAbsent(group: string, resource: string, obj: object): Promise<boolean> {
    try {
      await this.registry.store(group, resource).create(undefined, obj as KubeObject, { user: SYSTEM_USER, dryRun: false, fieldManager: 'kube-apiserver' });
      return true;
    } catch (err) {
      if (isStatusError(err) && err.httpCode === 409) return false;
      throw err;
    }
  }

  private async ensureNamespaces(): Promise<void> {
    for (const name of SYSTEM_NAMESPACES) {
      if (await this.createIfAbsent('', 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } })) {
        this.logger.info('created namespace', { name });
      }
    }
  }

  private async ensureRbac(): Promise<void> {
    for (const role of bootstrapClusterRoles()) {
      if (await this.createIfAbsent(RBAC_GROUP, 'clusterroles', role)) this.logger.info('created clusterrole', { name: role.metadata.name });
    }
    for (const binding of bootstrapClusterRoleBindings()) {
      if (await this.createIfAbsent(RBAC_GROUP, 'clusterrolebindings', binding)) {
        this.logger.info('created clusterrolebinding', { name: binding.metadata?.name });
      }
    }
  }
}
