// The registry's side of CustomResourceDefinitions. Every replica follows the stored CRDs (etcd, a
// list then a watch) into `Registry.customResources`, so the custom resources of an established CRD
// are served by its stores. The replica that leads event publishing also runs apiextensions-apiserver's
// controllers on them:
// - naming and establishing: each CRD's acceptedNames, NamesAccepted and Established conditions, as
//   kube words them (@kapi/kinds crdNamesAndConditions); a CRD that changes brings the others of its
//   group back, so a conflict clears once the CRD holding the name goes;
// - crd-autoregistration: a Local APIService `<version>.<group>` for each served version of a CRD
//   (automanaged, groupPriorityMinimum 1000, versionPriority 100), removed once no CRD serves it;
// - customresourcecleanup: a CRD being deleted has its custom resources deleted (each through its
//   store, so their own finalizers are honoured), then loses the finalizer and goes.
// Writes name the resourceVersion they were computed from: a stale one meets a conflict and is
// dropped, the newer version's event bringing the CRD back.
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { isStatusError, nowTimestamp, type KubeObject } from '@kapi/api-machinery';
import type { GenericStore, WriteContext } from '@kapi/generic-registry';
import {
  crdNamesAndConditions,
  crdStatusIsCurrent,
  CRD_STORAGE_PREFIX,
  CUSTOM_RESOURCE_CLEANUP_FINALIZER,
  customResourceStrategy,
  type CrdCondition,
  type CustomResourceDefinition,
} from '@kapi/kinds';
import { LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { EtcdPrefixFollow, type PrefixFollower } from './etcd-follow.js';
import { EventPublisher } from './event-publisher.js';
import { Registry, SYSTEM_USER } from './registry.js';

const LEADERSHIP_CHECK_MS = 1000;
const RETRY_MS = 1000;
const AUTOMANAGED = 'kube-aggregator.kubernetes.io/automanaged';
const WRITER: WriteContext = { user: SYSTEM_USER, dryRun: false, fieldManager: 'kube-apiserver' };

@Injectable()
export class CustomResourceDefinitions implements OnApplicationBootstrap, OnApplicationShutdown, PrefixFollower {
  /** Every stored CRD, by name, as this replica last read it. */
  private readonly crds = new Map<string, CustomResourceDefinition>();
  private readonly follow: EtcdPrefixFollow;
  private readonly queue = new Set<string>();
  /** The drain under way, if any. */
  private running?: Promise<void>;
  /** The APIServices may not match the CRDs (a sync failed): the next drain syncs them. */
  private apiServicesStale = false;
  private leading = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly registry: Registry,
    private readonly publisher: EventPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.follow = new EtcdPrefixFollow(registry.backend, CRD_STORAGE_PREFIX, this);
  }

  /** Every stored CRD, read afresh. */
  listed(objects: KubeObject[]): void {
    this.crds.clear();
    for (const crd of objects as CustomResourceDefinition[]) this.crds.set(crd.metadata?.name ?? '', crd);
    this.registry.customResources.replace([...this.crds.values()]);
    for (const name of this.crds.keys()) this.enqueue(name);
  }

  /** A CRD written, or removed (`object` undefined). */
  changed(name: string, object: KubeObject | undefined): void {
    const crd = object as CustomResourceDefinition | undefined;
    const group = (crd ?? this.crds.get(name))?.spec?.group;
    if (crd) {
      this.crds.set(name, crd);
      this.registry.customResources.update(crd);
    } else {
      this.crds.delete(name);
      this.registry.customResources.remove(name);
    }
    // A CRD's names free or take names of the others of its group.
    this.enqueue(name);
    for (const [other, c] of this.crds) if (c.spec?.group === group) this.enqueue(other);
  }

  lost(err: unknown): void {
    this.logger.warn('lost the etcd watch of CustomResourceDefinitions; starting over', { err });
  }

  /** Resolves once nothing is queued and nothing is being reconciled. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  onApplicationBootstrap(): void {
    this.follow.start();
    this.timer = setInterval(() => this.checkLeadership(), LEADERSHIP_CHECK_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.follow.stop();
  }

  /** A replica that starts leading looks at every CRD again: the previous leader may have left work undone. */
  private checkLeadership(): void {
    const leading = this.publisher.leading;
    if (leading && !this.leading) for (const name of this.crds.keys()) this.enqueue(name);
    this.leading = leading;
  }

  private enqueue(name: string): void {
    this.queue.add(name);
    this.startDrain();
  }

  private startDrain(): void {
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      // What was queued while the last write was under way.
      if (this.queue.size && !this.stopped) this.startDrain();
    });
  }

  private async drain(): Promise<void> {
    let worked = this.apiServicesStale;
    try {
      while (this.queue.size && !this.stopped) {
        worked = true;
        const [name] = this.queue;
        this.queue.delete(name);
        if (!this.publisher.leading) continue;
        const crd = this.crds.get(name);
        if (!crd) continue;
        try {
          await this.reconcile(crd);
        } catch (err) {
          // A newer version was written meanwhile: its own event brings the CRD back.
          if (isStatusError(err) && (err.httpCode === 409 || err.httpCode === 404)) continue;
          this.logger.warn('cannot reconcile a CustomResourceDefinition; retrying', { crd: name, err });
          setTimeout(() => this.enqueue(name), RETRY_MS).unref();
        }
      }
      if (worked && this.publisher.leading) {
        this.apiServicesStale = false;
        await this.syncApiServices();
      }
    } catch (err) {
      this.apiServicesStale = true;
      this.logger.warn('cannot keep the APIServices of CustomResourceDefinitions; retrying', { err });
      setTimeout(() => this.startDrain(), RETRY_MS).unref();
    }
  }

  /** kube's crd-autoregistration: a Local APIService per group/version some CRD serves, and none for the others. */
  private async syncApiServices(): Promise<void> {
    const store = this.registry.store('apiregistration.k8s.io', 'apiservices');
    const wanted = new Map<string, { group: string; version: string }>();
    for (const crd of this.crds.values()) {
      for (const v of crd.spec?.versions ?? []) if (v.served && v.name && crd.spec?.group) wanted.set(`${v.name}.${crd.spec.group}`, { group: crd.spec.group, version: v.name });
    }
    const { items } = await store.list({ labelSelector: `${AUTOMANAGED}=true` });
    const existing = new Set(items.map((i) => i.metadata?.name ?? ''));
    for (const [name, { group, version }] of wanted) {
      if (existing.has(name)) continue;
      const apiService: KubeObject = {
        apiVersion: 'apiregistration.k8s.io/v1',
        kind: 'APIService',
        metadata: { name, labels: { [AUTOMANAGED]: 'true' } },
        spec: { group, version, groupPriorityMinimum: 1000, versionPriority: 100 },
      };
      await store.create(undefined, apiService, WRITER).catch((err) => {
        if (!(isStatusError(err) && err.httpCode === 409)) throw err;
      });
    }
    for (const name of existing) {
      if (wanted.has(name)) continue;
      await store.delete(undefined, name, {}, WRITER).catch((err) => {
        if (!(isStatusError(err) && err.httpCode === 404)) throw err;
      });
    }
  }

  private get crdStore(): GenericStore {
    return this.registry.store('apiextensions.k8s.io', 'customresourcedefinitions');
  }

  async reconcile(crd: CustomResourceDefinition): Promise<void> {
    if (crd.metadata?.deletionTimestamp) {
      if (crd.metadata.finalizers?.includes(CUSTOM_RESOURCE_CLEANUP_FINALIZER)) await this.cleanUp(crd);
      return;
    }
    const change = crdNamesAndConditions(crd, [...this.crds.values()], nowTimestamp());
    if (crdStatusIsCurrent(crd, change)) return;
    await this.writeStatus(crd, { ...crd.status, acceptedNames: change.acceptedNames, conditions: change.conditions });
  }

  private async writeStatus(crd: CustomResourceDefinition, status: CustomResourceDefinition['status']): Promise<CustomResourceDefinition> {
    return (await this.crdStore.update(undefined, crd.metadata?.name ?? '', { ...crd, status } as KubeObject, WRITER, 'status')) as CustomResourceDefinition;
  }

  /** kube's Terminating condition, replacing the one there is. */
  private withTerminating(crd: CustomResourceDefinition, condition: Omit<CrdCondition, 'type' | 'lastTransitionTime'>): CustomResourceDefinition['status'] {
    const others = (crd.status?.conditions ?? []).filter((c) => c.type !== 'Terminating');
    return { ...crd.status, conditions: [...others, { type: 'Terminating', ...condition, lastTransitionTime: nowTimestamp() }] };
  }

  /** Deletes the CRD's custom resources; once none is left, removes the finalizer (and so the CRD). */
  private async cleanUp(crd: CustomResourceDefinition): Promise<void> {
    const terminating = crd.status?.conditions?.find((c) => c.type === 'Terminating');
    if (terminating?.status !== 'True') {
      crd = await this.writeStatus(crd, this.withTerminating(crd, { status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' }));
    }
    const strategy = customResourceStrategy(crd);
    if (strategy) {
      const store = this.registry.storeFor(strategy);
      const { items } = await store.list({});
      for (const item of items) {
        await store.delete(item.metadata?.namespace, item.metadata?.name ?? '', {}, WRITER).catch((err) => {
          if (!(isStatusError(err) && err.httpCode === 404)) throw err;
        });
      }
      // Objects with finalizers of their own stay until those are done: look again later.
      if ((await store.list({ limit: 1 })).items.length) {
        setTimeout(() => this.enqueue(crd.metadata?.name ?? ''), RETRY_MS).unref();
        return;
      }
    }
    crd = await this.writeStatus(crd, this.withTerminating(crd, { status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' }));
    const finalizers = (crd.metadata?.finalizers ?? []).filter((f) => f !== CUSTOM_RESOURCE_CLEANUP_FINALIZER);
    await this.crdStore.update(undefined, crd.metadata?.name ?? '', { ...crd, metadata: { ...crd.metadata, finalizers } }, WRITER);
  }
}
