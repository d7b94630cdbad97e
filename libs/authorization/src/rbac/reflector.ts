// Keeps an RbacIndex current: for each of the four RBAC resources, list, then watch from the list's
// resourceVersion, applying every event and noting how far the resource has been read; on an ERROR
// event (410 Expired among them), the end of the stream or a failure, list again after a short pause.
// The list-and-watch transport is injected, so this file knows nothing of gRPC.
import type { RbacIndex, RbacObject } from './rbac-index.js';
import { RBAC_RESOURCES, type RbacResource } from './types.js';

/** A revision per RBAC resource, e.g. how far a cache must have read to hold some objects. */
export type RbacRevisions = Partial<Record<RbacResource, number>>;

export interface RbacWatchEvent {
  type: string;
  object: RbacObject | { kind?: string; code?: number; message?: string };
}

export interface RbacListWatch {
  list(resource: RbacResource, signal: AbortSignal): Promise<{ items: RbacObject[]; resourceVersion: string }>;
  /** Events after `resourceVersion`; ends when the server ends the stream; `signal` cancels it. */
  watch(resource: RbacResource, resourceVersion: string, signal: AbortSignal): AsyncIterable<RbacWatchEvent>;
}

export interface ReflectorLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface ReflectorOptions {
  logger?: ReflectorLogger;
  /** First pause after a failure; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
}

const INDEX_EVENTS = new Set(['ADDED', 'MODIFIED', 'DELETED']);

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

export class RbacReflector {
  private readonly controller = new AbortController();
  private readonly listed = new Set<RbacResource>();
  private readonly revisions = new Map<RbacResource, number>();
  private readonly waiters = new Set<() => void>();
  private loops: Promise<void>[] = [];
  /** Lists that replaced a resource's content, for metrics and tests. */
  relists = 0;
  eventsApplied = 0;

  constructor(
    private readonly index: RbacIndex,
    private readonly source: RbacListWatch,
    private readonly options: ReflectorOptions = {},
  ) {}

  /** True once every resource has been listed at least once. */
  get synced(): boolean {
    return this.listed.size === RBAC_RESOURCES.length;
  }

  /** The resources not listed yet, for a readiness message. */
  get pending(): RbacResource[] {
    return RBAC_RESOURCES.filter((r) => !this.listed.has(r));
  }

  /** The newest resourceVersion read for a resource (its list's, then its events' and bookmarks'); 0 before the first list. */
  revision(resource: RbacResource): number {
    return this.revisions.get(resource) ?? 0;
  }

  /** The resources not read as far as `targets` asks, each with where it is, for a readiness message. */
  behind(targets: RbacRevisions): string[] {
    return RBAC_RESOURCES.filter((r) => (targets[r] ?? 0) > 0 && this.revision(r) < targets[r]!).map((r) => `${r} at ${this.revision(r)} of ${targets[r]}`);
  }

  private advance(resource: RbacResource, resourceVersion: string | undefined): void {
    const rv = Number(resourceVersion);
    if (Number.isSafeInteger(rv) && rv > this.revision(resource)) this.revisions.set(resource, rv);
  }

  start(): void {
    if (this.loops.length) return;
    this.loops = RBAC_RESOURCES.map((r) => this.run(r));
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.all(this.loops);
    for (const w of this.waiters) w();
  }

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

  private async run(resource: RbacResource): Promise<void> {
    const signal = this.controller.signal;
    const retryMs = this.options.retryMs ?? 100;
    const maxRetryMs = this.options.maxRetryMs ?? 2000;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const { items, resourceVersion } = await this.source.list(resource, signal);
        if (signal.aborted) break;
        this.index.replace(resource, items);
        // A list replaces what the index held, so it also says afresh how far the index has read.
        this.revisions.delete(resource);
        this.advance(resource, resourceVersion);
        this.relists++;
        if (!this.listed.has(resource)) {
          this.listed.add(resource);
          for (const w of [...this.waiters]) w();
        }
        failures = 0;
        for await (const e of this.source.watch(resource, resourceVersion, signal)) {
          if (e.type === 'ERROR') {
            const status = e.object as { code?: number; message?: string };
            this.options.logger?.info('rbac watch ended with an error; listing again', { resource, code: status.code, reason: status.message });
            break;
          }
          if (INDEX_EVENTS.has(e.type)) {
            this.index.apply(resource, e.type as 'ADDED' | 'MODIFIED' | 'DELETED', e.object as RbacObject);
            this.eventsApplied++;
          }
          this.advance(resource, (e.object as RbacObject).metadata?.resourceVersion);
        }
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        this.options.logger?.warn('rbac list or watch failed', { resource, err, failures });
      }
      await pause(failures ? Math.min(retryMs * 2 ** (failures - 1), maxRetryMs) : retryMs, signal);
    }
  }
}
