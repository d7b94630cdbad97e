// Keeps a sink current with a set of resources: for each, list, then watch from the list's
// resourceVersion, handing every event to the sink and noting how far the resource has been read;
// on an ERROR event (410 Expired among them), the end of the stream or a failure, list again after
// a pause that doubles while failures repeat. kube's reflector, for kapi's informers and authz's RBAC
// index alike.
import { resourceKey, type ListWatch, type ObjectLike, type ResourceRef } from './list-watch.js';

/** Where a reflector puts what it reads, per resource (by its key, see ReflectorOptions.keyOf). */
export interface ReflectorSink<T extends ObjectLike = ObjectLike> {
  /** Replaces everything held for one resource, as a fresh list does. */
  replace(resource: string, items: T[]): void;
  apply(resource: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: T): void;
}

export interface ReflectorLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface ReflectorOptions {
  logger?: ReflectorLogger;
  /** How a resource is named to the sink and in revisions (default: its resourceKey, `roles.rbac.authorization.k8s.io`). */
  keyOf?: (ref: ResourceRef) => string;
  /** First pause after a failure; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
}

/** A revision per resource (by key), e.g. how far a cache must have read to hold some objects. */
export type Revisions = Partial<Record<string, number>>;

const APPLIED_EVENTS = new Set(['ADDED', 'MODIFIED', 'DELETED']);

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

export class Reflector<T extends ObjectLike = ObjectLike> {
  private readonly controller = new AbortController();
  private readonly listed = new Set<string>();
  private readonly revisions = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private readonly keys: string[];
  /** Lists that replaced a resource's content, for metrics and tests. */
  relists = 0;
  eventsApplied = 0;

  constructor(
    private readonly resources: readonly ResourceRef[],
    private readonly source: ListWatch<T>,
    private readonly sink: ReflectorSink<T>,
    private readonly options: ReflectorOptions = {},
  ) {
    this.keys = resources.map(options.keyOf ?? resourceKey);
  }

  /** True once every resource has been listed at least once. */
  get synced(): boolean {
    return this.listed.size === this.keys.length;
  }

  /** The resources (by key) not listed yet, for a readiness message. */
  get pending(): string[] {
    return this.keys.filter((k) => !this.listed.has(k));
  }

  /** The newest resourceVersion read for a resource (its list's, then its events' and bookmarks'); 0 before the first list. */
  revision(resource: string): number {
    return this.revisions.get(resource) ?? 0;
  }

  /** The resources not read as far as `targets` asks, each with where it is, for a readiness message. */
  behind(targets: Revisions): string[] {
    return this.keys.filter((k) => (targets[k] ?? 0) > 0 && this.revision(k) < targets[k]!).map((k) => `${k} at ${this.revision(k)} of ${targets[k]}`);
  }

  private advance(resource: string, resourceVersion: string | undefined): void {
    const rv = Number(resourceVersion);
    if (Number.isSafeInteger(rv) && rv > this.revision(resource)) this.revisions.set(resource, rv);
  }

  start(): void {
    if (this.loops.length) return;
    this.loops = this.resources.map((r) => this.run(r));
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.all(this.loops);
    for (const w of this.waiters) w();
  }

  /** Resolves to whether every resource has been listed, at the latest after `timeoutMs` or a stop. */
  waitUntilSynced(timeoutMs: number): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        resolve(this.synced);
      }, timeoutMs);
      const check = () => {
        if (!this.synced && !this.controller.signal.aborted) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(this.synced);
      };
      this.waiters.add(check);
    });
  }

  private async run(ref: ResourceRef): Promise<void> {
    const signal = this.controller.signal;
    const key = (this.options.keyOf ?? resourceKey)(ref);
    const retryMs = this.options.retryMs ?? 100;
    const maxRetryMs = this.options.maxRetryMs ?? 2000;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const { items, resourceVersion } = await this.source.list(ref, signal);
        if (signal.aborted) break;
        this.sink.replace(key, items);
        // A list replaces what the sink held, so it also says afresh how far it has read.
        this.revisions.delete(key);
        this.advance(key, resourceVersion);
        this.relists++;
        if (!this.listed.has(key)) {
          this.listed.add(key);
          for (const w of [...this.waiters]) w();
        }
        failures = 0;
        for await (const e of this.source.watch(ref, resourceVersion, signal)) {
          if (e.type === 'ERROR') {
            const status = e.object as { code?: number; message?: string };
            this.options.logger?.info('watch ended with an error; listing again', { resource: key, code: status.code, reason: status.message });
            break;
          }
          if (APPLIED_EVENTS.has(e.type)) {
            this.sink.apply(key, e.type as 'ADDED' | 'MODIFIED' | 'DELETED', e.object as T);
            this.eventsApplied++;
          }
          this.advance(key, (e.object as ObjectLike).metadata?.resourceVersion);
        }
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        this.options.logger?.warn('list or watch failed', { resource: key, err, failures });
      }
      await pause(failures ? Math.min(retryMs * 2 ** (failures - 1), maxRetryMs) : retryMs, signal);
    }
  }
}
