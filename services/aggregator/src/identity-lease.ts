// Each front door renews its own identity Lease in kube-system, as every kube-apiserver does, and
// names in it the address clients reach it at. The registry's endpoint reconciler keeps
// default/kubernetes pointing at exactly the front doors whose leases are live.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { nowTimestamp } from '@kapi/api-machinery';
import type { ServiceConfig } from '@kapi/config';
import { unary } from '@kapi/grpc';
import type { registryV1 } from '@kapi/proto';
import { CONFIG, LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { Backends } from './backends.js';

export const IDENTITY_LABEL = 'apiserver.kubernetes.io/identity';
export const ADVERTISE_ANNOTATION = 'kapi.dev/advertise-address';
export const LEASE_DURATION_SECONDS = 15;
const RENEW_INTERVAL_MS = 5_000;

const SYSTEM = { username: 'system:apiserver', uid: '', groups: ['system:masters'], extra: {} };
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'kube-system' };

/** RFC 3339 with microseconds, as metav1.MicroTime is written. */
export function microTime(now = new Date()): string {
  return now.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

@Injectable()
export class IdentityLease implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  readonly name: string;
  private readonly address: string;

  constructor(
    @Inject(CONFIG) private readonly config: ServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly backends: Backends,
  ) {
    this.address = `${config.advertiseAddress || config.listen.host}:${config.listen.port}`;
    this.name = `apiserver-${createHash('sha256').update(`${config.instance}/${this.address}`).digest('hex').slice(0, 26)}`;
  }

  onApplicationBootstrap(): void {
    void this.renew();
    this.timer = setInterval(() => void this.renew(), RENEW_INTERVAL_MS);
  }

  /**
   * Leaving on purpose, at SIGTERM, while the front door still serves out its shutdown delay (as
   * kube-apiserver's pre-shutdown hook removes it from the kubernetes endpoints): clients of
   * default/kubernetes stop being sent here now rather than when the lease expires.
   */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    const registry = this.backends.registry;
    await unary('registry', 'Delete', registry.delete.bind(registry), { resource: LEASES, name: this.name, deleteOptions: Buffer.alloc(0), context: this.context() }, { timeoutMs: 2000, waitForReplica: false }).catch(() => {});
  }

  private context(): registryV1.RequestContext {
    return { user: SYSTEM, dryRun: false, fieldManager: 'kube-apiserver', options: Buffer.alloc(0), requestId: '' };
  }

  async renew(): Promise<void> {
    const registry = this.backends.registry;
    const now = microTime();
    try {
      const patched = await unary('registry', 'Patch', registry.patch.bind(registry), {
        resource: LEASES,
        name: this.name,
        subresource: '',
        patchType: 'application/merge-patch+json',
        patch: Buffer.from(JSON.stringify({ spec: { renewTime: now } })),
        context: this.context(),
      });
      if (!patched.status.length) return;
      const status = JSON.parse(patched.status.toString('utf8')) as { code?: number };
      if (status.code !== 404) throw new Error(patched.status.toString('utf8'));
      const created = await unary('registry', 'Create', registry.create.bind(registry), {
        resource: LEASES,
        name: '',
        subresource: '',
        query: '',
        object: Buffer.from(
          JSON.stringify({
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: {
              name: this.name,
              namespace: 'kube-system',
              labels: { [IDENTITY_LABEL]: 'kube-apiserver', 'kubernetes.io/hostname': hostname() },
              annotations: { [ADVERTISE_ANNOTATION]: this.address },
            },
            spec: { holderIdentity: `${this.name}_${this.config.instance}`, leaseDurationSeconds: LEASE_DURATION_SECONDS, acquireTime: now, renewTime: now },
          }),
        ),
        context: this.context(),
      });
      if (created.status.length && JSON.parse(created.status.toString('utf8')).code !== 409) throw new Error(created.status.toString('utf8'));
    } catch (err) {
      this.logger.warn('renewing the identity lease failed', { lease: this.name, at: nowTimestamp(), err });
    }
  }
}
