// The `kubernetes` Service in the default namespace, at the first address of the service range, as
// every cluster has it. Created once across replicas ("key absent"), after the namespaces exist.
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { firstServiceIp } from '@kapi/allocators';
import { isStatusError } from '@kapi/api-machinery';
import { LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { Registry, SYSTEM_USER } from './registry.js';

@Injectable()
export class BootstrapKubernetesService implements OnApplicationBootstrap {
  constructor(
    private readonly registry: Registry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: the registry reports itself unready until the Service exists.
    void this.ensure();
  }

  private async exists(): Promise<boolean> {
    try {
      await this.registry.store('', 'services').get('default', 'kubernetes');
      return true;
    } catch (err) {
      if (isStatusError(err) && err.httpCode === 404) return false;
      throw err;
    }
  }

  private async ensure(): Promise<void> {
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: {
        type: 'ClusterIP',
        clusterIP: firstServiceIp(this.registry.serviceRanges.clusterIpRange),
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
        sessionAffinity: 'None',
      },
    };
    // Another replica may have created it (then creating it again would fail on its address, before
    // the name), and the default namespace may not exist yet when replicas start together.
    for (let attempt = 0; ; attempt++) {
      try {
        if (await this.exists()) return;
        await this.registry.store('', 'services').create('default', service, { user: SYSTEM_USER, dryRun: false, fieldManager: 'kube-apiserver' });
        this.logger.info('created service default/kubernetes');
        return;
      } catch (err) {
        if (attempt % 20 === 19) this.logger.warn('cannot create service default/kubernetes yet', { err });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
