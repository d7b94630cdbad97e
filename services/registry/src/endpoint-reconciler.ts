// Keeps the default/kubernetes Endpoints and EndpointSlice listing exactly the front doors whose
// identity leases are live: a front door that stops renewing drops out once its lease expires
// (15 seconds). Runs in the replica that leads event publishing; writes only what changed.
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { deepEqual, isStatusError, type KubeObject } from '@kapi/api-machinery';
import { LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { EventPublisher } from './event-publisher.js';
import { Registry, SYSTEM_USER } from './registry.js';

export const IDENTITY_LABEL = 'apiserver.kubernetes.io/identity';
export const ADVERTISE_ANNOTATION = 'kapi.dev/advertise-address';
const PASS_INTERVAL_MS = 2_000;
const CTX = { user: SYSTEM_USER, dryRun: false, fieldManager: 'kube-apiserver' };

interface Lease extends KubeObject {
  spec?: { renewTime?: string; leaseDurationSeconds?: number };
}

/** `host:port` of every front door whose lease is still live at `now`, sorted. */
export function liveAddresses(leases: Lease[], now: number): { ip: string; port: number }[] {
  const out: { ip: string; port: number }[] = [];
  for (const lease of leases) {
    const renewed = Date.parse(lease.spec?.renewTime ?? '');
    const duration = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    const address = lease.metadata?.annotations?.[ADVERTISE_ANNOTATION];
    const m = address?.match(/^(\d+\.\d+\.\d+\.\d+):(\d+)$/);
    if (!m || !Number.isFinite(renewed) || renewed + duration < now) continue;
    out.push({ ip: m[1], port: Number(m[2]) });
  }
  return out.sort((a, b) => (a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1));
}

@Injectable()
export class EndpointReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly registry: Registry,
    private readonly publisher: EventPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.pass(), PASS_INTERVAL_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async pass(): Promise<void> {
    if (this.running || !this.publisher.leading) return;
    this.running = true;
    try {
      const leases = await this.registry.store('coordination.k8s.io', 'leases').list({ namespace: 'kube-system', labelSelector: `${IDENTITY_LABEL}=kube-apiserver` });
      const live = liveAddresses(leases.items as Lease[], Date.now());
      // All front doors of a stack share one port; kube lists one port for the kubernetes Service too.
      const port = live[0]?.port ?? 6443;
      await this.ensure('', 'endpoints', {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
        subsets: live.length ? [{ addresses: live.map((a) => ({ ip: a.ip })), ports: [{ name: 'https', port, protocol: 'TCP' }] }] : [],
      });
      await this.ensure('discovery.k8s.io', 'endpointslices', {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
        addressType: 'IPv4',
        endpoints: live.map((a) => ({ addresses: [a.ip], conditions: { ready: true } })),
        ports: [{ name: 'https', port, protocol: 'TCP' }],
      });
    } catch (err) {
      this.logger.warn('endpoint reconciliation failed', { err });
    } finally {
      this.running = false;
    }
  }

  /** Creates the object, or updates it when what it lists differs. */
  private async ensure(group: string, resource: string, desired: KubeObject): Promise<void> {
    const store = this.registry.store(group, resource);
    let current: KubeObject | undefined;
    try {
      current = await store.get('default', 'kubernetes');
    } catch (err) {
      if (!(isStatusError(err) && err.httpCode === 404)) throw err;
    }
    if (!current) {
      await store.create('default', desired, CTX);
      return;
    }
    const content = (o: KubeObject) => {
      const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = o;
      return rest;
    };
    if (deepEqual(content(current), content(desired))) return;
    await store.update('default', 'kubernetes', { ...current, ...content(desired), metadata: { ...current.metadata } }, CTX);
  }
}
