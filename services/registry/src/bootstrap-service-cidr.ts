// The default ServiceCIDR, `kubernetes`, for the service cluster IP range, as kube-apiserver's
// default ServiceCIDR controller keeps it: created when absent, then marked Ready in its status
// (a create never takes a status). Replicas starting together create it once ("key absent").
import { Inject, Injectable } from '@nestjs/common';
import { nowTimestamp, type KubeObject } from '@kapi/api-machinery';
import { DEFAULT_SERVICE_CIDR_NAME, defaultServiceCidr } from '@kapi/kinds';
import { LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { Registry, SYSTEM_USER } from './registry.js';
import { ensureObjects, RetryingBootstrap } from './retrying-bootstrap.js';

const isReady = (obj: KubeObject) =>
  ((obj.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

@Injectable()
export class BootstrapServiceCidr extends RetryingBootstrap {
  constructor(
    private readonly registry: Registry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  protected async attempt(logFailure: boolean): Promise<boolean> {
    const store = this.registry.store('networking.k8s.io', 'servicecidrs');
    const ctx = { user: SYSTEM_USER, dryRun: false, fieldManager: 'kube-apiserver' };
    const wanted = defaultServiceCidr([this.registry.serviceRanges.clusterIpRange], nowTimestamp());
    try {
      const created = await ensureObjects([wanted], (obj) => store.create(undefined, obj, ctx));
      if (created.length) this.logger.info('created the default service CIDR', { name: DEFAULT_SERVICE_CIDR_NAME });
      const stored = await store.get(undefined, DEFAULT_SERVICE_CIDR_NAME);
      if (!isReady(stored)) await store.update(undefined, DEFAULT_SERVICE_CIDR_NAME, { ...stored, status: wanted.status }, ctx, 'status');
      return true;
    } catch (err) {
      if (logFailure) this.logger.warn('cannot create the default service CIDR yet; retrying', { err });
      return false;
    }
  }
}
