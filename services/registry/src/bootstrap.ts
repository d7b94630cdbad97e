// What every cluster has from its first start. Creating is "key absent" in etcd, so replicas starting
// together create each object exactly once.
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { isStatusError } from '@kapi/api-machinery';
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
    // etcd may still be starting; keep trying for a while rather than fail the whole start.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ensureNamespaces();
        return;
      } catch (err) {
        if (attempt >= 30) throw new Error(`bootstrap failed: etcd is unreachable (${err instanceof Error ? err.message : String(err)})`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private async ensureNamespaces(): Promise<void> {
    for (const name of SYSTEM_NAMESPACES) {
      try {
        await this.registry.namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, {
          user: SYSTEM_USER,
          dryRun: false,
          fieldManager: 'kube-apiserver',
        });
        this.logger.info('created namespace', { name });
      } catch (err) {
        if (isStatusError(err) && err.httpCode === 409) continue;
        throw err;
      }
    }
  }
}
