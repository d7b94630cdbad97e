// kube-controller-manager's resource quota controller: keeps every quota's status (hard limits and
// usage) current. A quota is synced when it is created or its spec.hard changes (first, when its
// status lacks what the spec asks), when an object it counts is deleted or changes what it uses,
// and all of them every resync period (--resource-quota-sync-period). Admission charges new objects
// as they come; this controller gives back what deleted ones used and corrects any drift.
//
// Where quotas and objects come from, and how a status is written, is the host's: it lists through
// `source` and reports changes through quotaChanged and objectChanged.
import type { KubeObject } from '@kapi/api-machinery';
import type { GroupResource } from '../evaluator.js';
import { newerOf, quotaKey, specHard, statusHard, statusUsed } from '../quota.js';
import { QuotaEvaluators, isIgnoredResource } from '../registry.js';
import { equals, resourceNames } from '../resource-list.js';
import type { ListObjects } from '../usage.js';
import { updateChangesUsage } from './resource-quota.replenish.js';
import { syncQuota, type QuotaStatusJson } from './resource-quota.reconcile.js';

export interface QuotaControllerSource {
  /** Every quota, in every namespace. */
  listQuotas(): Promise<KubeObject[]>;
  /** The quota as stored now, or undefined once it is gone. */
  getQuota(namespace: string, name: string): Promise<KubeObject | undefined>;
  listObjects: ListObjects;
  /** kube's UpdateStatus: the status replaced, if the quota is still at its resourceVersion. */
  updateStatus(quota: KubeObject, status: QuotaStatusJson): Promise<void>;
}

export interface QuotaControllerOptions {
  /** --resource-quota-sync-period: how often every quota is recalculated. */
  resyncPeriodMs: number;
  /** --concurrent-resource-quota-syncs. */
  workers?: number;
  /** The namespaced resources the cluster stores: each can be counted as `count/<resource>.<group>`. */
  quotableResources?: GroupResource[];
  now?: () => number;
  /** Told of a sync that failed and will be retried. */
  onError?: (key: string, err: unknown) => void;
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** The item backoff of client-go's default controller rate limiter: 5 ms doubling, at most 1000 s. */
const BASE_DELAY_MS = 5;
const MAX_DELAY_MS = 1000 * 1000;
const DEFAULT_WORKERS = 5;

export class ResourceQuotaController {
  readonly evaluators: QuotaEvaluators;
  /** The quotas as last seen, by namespace/name: what replenishment looks through. */
  private readonly quotas = new Map<string, KubeObject>();
  private readonly urgent = new Set<string>();
  private readonly waiting = new Set<string>();
  private readonly active = new Set<string>();
  private readonly again = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private resync?: NodeJS.Timeout;
  private running = false;
  private readonly workers: number;
  private readonly now: () => number;

  constructor(
    private readonly source: QuotaControllerSource,
    private readonly options: QuotaControllerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.workers = options.workers ?? DEFAULT_WORKERS;
    this.evaluators = new QuotaEvaluators(this.now);
    for (const resource of options.quotableResources ?? []) if (!isIgnoredResource(resource)) this.evaluators.getOrCount(resource);
  }

  /** Reads every quota and syncs each; recalculates all of them every resync period from then on. */
  async start(): Promise<void> {
    this.running = true;
    for (const quota of await this.source.listQuotas()) if (this.remember(quota)) this.addQuota(quota);
    this.resync = setInterval(() => this.enqueueAll(), this.options.resyncPeriodMs);
    this.resync.unref?.();
  }

  /** Stops taking work; resolves once the syncs under way are done. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.resync);
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    this.urgent.clear();
    this.waiting.clear();
    await this.idle();
  }

  /** Resolves when no sync is under way or waiting. */
  idle(): Promise<void> {
    if (!this.active.size && !this.urgent.size && !this.waiting.size) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** A quota was created, changed or deleted. Only a change of spec.hard calls for a sync: status writes are this controller's and admission's own. */
  quotaChanged(type: ChangeType, quota: KubeObject, old?: KubeObject): void {
    if (type === 'DELETED') {
      this.quotas.delete(quotaKey(quota));
      return;
    }
    if (!this.remember(quota)) return;
    if (type === 'ADDED' || !old || !equals(specHard(old), specHard(quota))) this.addQuota(quota);
  }

  /** Keeps the quota unless a newer version of it is known already (a change can arrive after the list that holds it). */
  private remember(quota: KubeObject): boolean {
    const key = quotaKey(quota);
    const known = this.quotas.get(key);
    if (known && known.metadata?.resourceVersion !== quota.metadata?.resourceVersion && newerOf(quota, known) === known) return false;
    this.quotas.set(key, quota);
    return true;
  }

  /** An object of `resource` changed: a deletion, or an update that changes its usage, has the namespace's quotas that count it recalculated. */
  objectChanged(resource: GroupResource, namespace: string, type: ChangeType, object?: KubeObject, old?: KubeObject): void {
    if (type === 'ADDED') return;
    if (type === 'MODIFIED' && !(object && old && updateChangesUsage(resource, old, object, this.now()))) return;
    const evaluator = this.evaluators.get(resource);
    if (!evaluator) return;
    for (const quota of this.quotas.values()) {
      if (quota.metadata?.namespace !== namespace) continue;
      if (evaluator.matchingResources(resourceNames(statusHard(quota))).length) this.enqueue(quotaKey(quota), false);
    }
  }

  /** Every known quota, for a full recalculation. */
  enqueueAll(): void {
    for (const key of this.quotas.keys()) this.enqueue(key, false);
  }

  /** kube's addQuota: a quota whose status lacks what its spec asks goes first. */
  private addQuota(quota: KubeObject): void {
    const hard = statusHard(quota);
    const used = statusUsed(quota);
    const missingUsage = [...hard.keys()].some((name) => !used.has(name) && this.evaluators.list().some((e) => e.matchingResources([name]).length));
    this.enqueue(quotaKey(quota), !equals(specHard(quota), hard) || missingUsage);
  }

  private enqueue(key: string, urgent: boolean): void {
    if (!this.running) return;
    if (this.active.has(key)) {
      this.again.add(key);
      return;
    }
    if (urgent) {
      this.waiting.delete(key);
      this.urgent.add(key);
    } else if (!this.urgent.has(key)) {
      this.waiting.add(key);
    }
    this.pump();
  }

  private pump(): void {
    while (this.running && this.active.size < this.workers) {
      const key = first(this.urgent) ?? first(this.waiting);
      if (key === undefined) break;
      this.urgent.delete(key);
      this.waiting.delete(key);
      this.active.add(key);
      void this.process(key).finally(() => {
        this.active.delete(key);
        if (this.again.delete(key)) this.enqueue(key, false);
        this.pump();
        if (!this.active.size && !this.urgent.size && !this.waiting.size) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async process(key: string): Promise<void> {
    try {
      await this.sync(key);
      this.failures.delete(key);
    } catch (err) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      this.options.onError?.(key, err);
      const timer = setTimeout(() => {
        this.retries.delete(timer);
        this.enqueue(key, false);
      }, Math.min(BASE_DELAY_MS * 2 ** (failures - 1), MAX_DELAY_MS));
      timer.unref?.();
      this.retries.add(timer);
    }
  }

  /** Syncs one quota from what is stored now, so a retry after a conflict starts from the latest version. */
  private async sync(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const quota = await this.source.getQuota(key.slice(0, slash), key.slice(slash + 1));
    if (!quota) {
      this.quotas.delete(key);
      return;
    }
    const { status, errors } = await syncQuota(quota, this.evaluators.list(), this.source.listObjects);
    if (status) await this.source.updateStatus(quota, status);
    if (errors.length) throw new AggregateError(errors, errors.map((e) => e.message).join(', '));
  }
}

function first<T>(set: Set<T>): T | undefined {
  for (const item of set) return item;
  return undefined;
}
