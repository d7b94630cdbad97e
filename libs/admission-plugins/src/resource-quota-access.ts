// How ResourceQuota reads and writes quotas (kube's quotaAccessor): the informer's quotas of a
// namespace, a live list (kept 30 s) when the informer holds none yet, and, for a quota this
// replica wrote, its own newer copy until the informer catches up — so back-to-back requests in
// one namespace build on each other's writes instead of conflicting with them.
import type { KubeObject } from '@kapi/api-machinery';
import type { Informer } from '@kapi/informer';
import { newerOf, quotaKey, toJson, type WorkingQuota } from '@kapi/quota';
import { RESOURCES, type ApiReader, type QuotaStatusWriter } from './context.js';

const LIVE_LOOKUP_TTL_MS = 30_000;
const CACHE_SIZE = 100;

/** A map that forgets its oldest entry past `size` (kube's lru.Cache, enough for these two caches). */
class Recent<V> extends Map<string, V> {
  constructor(private readonly capacity: number) {
    super();
  }

  override set(key: string, value: V): this {
    this.delete(key);
    super.set(key, value);
    if (this.size > this.capacity) this.delete(this.keys().next().value!);
    return this;
  }
}

export class QuotaAccessor {
  private readonly updated: Recent<KubeObject>;
  private readonly liveLookups: Recent<{ items: KubeObject[]; expires: number }>;
  private readonly listing = new Map<string, Promise<KubeObject[]>>();

  constructor(
    private readonly informer: Informer<KubeObject>,
    private readonly api: ApiReader,
    private readonly writer: QuotaStatusWriter,
    private readonly now: () => number = Date.now,
  ) {
    this.updated = new Recent(CACHE_SIZE);
    this.liveLookups = new Recent(CACHE_SIZE);
  }

  /** The namespace's quotas, newest known versions, sorted by name so that answers do not depend on arrival order. */
  async quotas(namespace: string): Promise<KubeObject[]> {
    let items = this.informer.list(namespace);
    if (!items.length) items = await this.liveList(namespace);
    return items.map((q) => this.newest(q)).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  }

  /**
   * The named quotas as stored now, after a write of them conflicted. (kube looks in its cache
   * again, which may still be behind; a live read lets the retry build on the latest usage.)
   */
  async fresh(namespace: string, names: string[]): Promise<KubeObject[]> {
    const found = await Promise.all(names.map((name) => this.api.get(RESOURCES.resourceQuotas, namespace, name)));
    return found.filter((q): q is KubeObject => q !== undefined);
  }

  /** Records a quota's new usage at the version it was read at; throws the registry's Status (409 when it moved on). */
  async writeUsage(quota: WorkingQuota): Promise<void> {
    const meta = quota.quota.metadata ?? {};
    const stored = await this.writer.updateUsed(meta.namespace ?? '', meta.name ?? '', meta.resourceVersion ?? '', toJson(quota.used));
    this.updated.set(quotaKey(stored), stored);
  }

  private newest(quota: KubeObject): KubeObject {
    const key = quotaKey(quota);
    const written = this.updated.get(key);
    if (!written) return quota;
    if (newerOf(quota, written) === quota) {
      // The informer has caught up with what was written here.
      this.updated.delete(key);
      return quota;
    }
    return written;
  }

  /** One live list per namespace at a time, its answer kept for 30 s (kube's live lookup with singleflight). */
  private async liveList(namespace: string): Promise<KubeObject[]> {
    const remembered = this.liveLookups.get(namespace);
    if (remembered && remembered.expires > this.now()) return remembered.items;
    let listing = this.listing.get(namespace);
    if (!listing) {
      listing = this.api.list(RESOURCES.resourceQuotas, namespace).then((items) => {
        this.liveLookups.set(namespace, { items, expires: this.now() + LIVE_LOOKUP_TTL_MS });
        return items;
      });
      this.listing.set(namespace, listing);
      void listing.finally(() => this.listing.delete(namespace)).catch(() => {});
    }
    return listing;
  }
}
