// The work queue of the registry's controllers, as client-go's rate-limited work queue is used: a
// set of keys, each reconciled once however often it is added, worked through in order. A key that
// failed, or whose reconcile says it is not done yet ('again'), comes back after a delay that
// doubles with each consecutive time, up to a ceiling, and starts over once it succeeds.

/** The first delay and its ceiling; equal, the delay is fixed. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/** A key's reconcile: 'again' asks for another, after the key's backoff. */
export type Reconcile = (key: string) => Promise<void | 'again'>;

export class ReconcileQueue {
  private readonly pending = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly backoff: Backoff;
  private draining = false;

  constructor(
    private readonly reconcile: Reconcile,
    private readonly onError: (key: string, err: unknown) => void,
    backoff: number | Backoff = 1000,
  ) {
    this.backoff = typeof backoff === 'number' ? { baseMs: backoff, maxMs: backoff } : backoff;
  }

  add(key: string): void {
    this.pending.add(key);
    void this.drain();
  }

  /** Adds `key` after `ms`. */
  addAfter(key: string, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.add(key);
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Drops what is pending or waiting (a controller's term ended). */
  clear(): void {
    this.pending.clear();
    this.failures.clear();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Resolves when nothing is pending; a failed key comes back after its backoff. */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pending.size) {
        const [key] = this.pending;
        this.pending.delete(key);
        try {
          if ((await this.reconcile(key)) === 'again') this.retry(key);
          else this.failures.delete(key);
        } catch (err) {
          this.onError(key, err);
          this.retry(key);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private retry(key: string): void {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    this.addAfter(key, Math.min(this.backoff.baseMs * 2 ** (failures - 1), this.backoff.maxMs));
  }
}
