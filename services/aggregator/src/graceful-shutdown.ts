// The front door's graceful termination, in kube-apiserver's order (genericapiserver's lifecycle
// signals):
//   ShutdownInitiated       SIGTERM: /readyz fails at once; everything else is served as before
//   (shutdown delay)        so the load balancer takes this front door out before it stops listening
//   NotAcceptingNewRequest  the listener closes (or, with sendRetryAfter, stays open and answers new
//                           requests 429 until the requests in flight are done)
//   InFlightRequestsDrained requests in flight finish (bounded by the request timeout); watches run
//                           on for their grace period, then end with a clean end of stream, and
//                           their clients watch again from their last resourceVersion elsewhere
// then the remaining connections close and the process exits.
//
// One addition for kapi's TCP load balancer: from ShutdownInitiated on every answer says
// `Connection: close`, so a client's keep-alive connection (which HAProxy pinned to this front door)
// moves to another one with its next request while this one still serves, instead of meeting a
// connection closed under it once the listener is gone.

export type ShutdownPhase = 'serving' | 'shutdown-initiated' | 'not-accepting' | 'drained';

export interface ShutdownSettings {
  delayMs: number;
  sendRetryAfter: boolean;
  watchTerminationGracePeriodMs: number;
  /** At most this long for the requests in flight (kube bounds them by its request timeout). */
  drainTimeoutMs: number;
}

/** How a request that arrives is met. */
export type Admission =
  | { serve: true; closeConnection: boolean }
  | { serve: false; code: 429 | 503; retryAfterSeconds: number; message: string };

export interface ShutdownIo {
  /** Stops accepting connections (and closes idle ones). */
  stopListening(): void;
  /** Closes every connection still open. */
  closeConnections(): void;
  sleep(ms: number): Promise<void>;
  log(phase: ShutdownPhase, fields: Record<string, unknown>): void;
}

/** Health checks and metrics are answered to the end, as kube exempts them. */
const EXEMPT_PATHS = ['/readyz', '/livez', '/healthz', '/metrics'];

const isExempt = (path: string) => EXEMPT_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

interface Tracked {
  /** Ends a watch with a clean end of stream. */
  end?: () => void;
}

export class GracefulShutdown {
  phase: ShutdownPhase = 'serving';
  private readonly requests = new Set<Tracked>();
  private readonly watches = new Set<Tracked>();
  private readonly idleWaiters: Array<{ kind: 'request' | 'watch'; wake: () => void }> = [];
  private running?: Promise<void>;

  constructor(
    private readonly settings: ShutdownSettings,
    private readonly io: ShutdownIo,
  ) {}

  get shuttingDown(): boolean {
    return this.phase !== 'serving';
  }

  /** Whether a request for `path` is served, and how it is refused when it is not. */
  admit(path: string): Admission {
    if (this.phase === 'serving') return { serve: true, closeConnection: false };
    if (this.phase === 'shutdown-initiated' || isExempt(path)) return { serve: true, closeConnection: true };
    // kube's WithRetryAfter (listener still open) and WithWaitGroup (a request on a connection
    // accepted before the listener closed): both answers a client retries elsewhere.
    if (this.settings.sendRetryAfter && this.phase === 'not-accepting') {
      return { serve: false, code: 429, retryAfterSeconds: 5, message: 'The apiserver is shutting down, please try again later.' };
    }
    return { serve: false, code: 503, retryAfterSeconds: 1, message: 'apiserver is shutting down' };
  }

  /**
   * Counts a request that is being served until `done` is called; a watch also gives the way to end
   * it. Returns `done`.
   */
  track(kind: 'request' | 'watch', end?: () => void): () => void {
    const entry: Tracked = { end };
    const set = kind === 'watch' ? this.watches : this.requests;
    set.add(entry);
    return () => {
      if (!set.delete(entry) || set.size > 0) return;
      for (const waiter of this.idleWaiters.filter((w) => w.kind === kind)) waiter.wake();
    };
  }

  get inFlight(): { requests: number; watches: number } {
    return { requests: this.requests.size, watches: this.watches.size };
  }

  /** Runs the whole sequence once; later calls get the same promise. */
  run(): Promise<void> {
    this.running ??= this.sequence();
    return this.running;
  }

  private async sequence(): Promise<void> {
    this.enter('shutdown-initiated', { delayMs: this.settings.delayMs });
    await this.io.sleep(this.settings.delayMs);

    this.enter('not-accepting', this.inFlight);
    if (!this.settings.sendRetryAfter) this.io.stopListening();
    const requestsDrained = this.idle('request', this.settings.drainTimeoutMs);
    const watchesDrained = (async () => {
      if (this.settings.watchTerminationGracePeriodMs > 0) await this.idle('watch', this.settings.watchTerminationGracePeriodMs);
      for (const watch of [...this.watches]) watch.end?.();
    })();
    const [drained] = await Promise.all([requestsDrained, watchesDrained]);
    if (this.settings.sendRetryAfter) this.io.stopListening();

    this.enter('drained', { ...this.inFlight, requestsDrained: drained });
    this.io.closeConnections();
  }

  private enter(phase: ShutdownPhase, fields: Record<string, unknown>): void {
    this.phase = phase;
    this.io.log(phase, fields);
  }

  /** Resolves true once nothing of `kind` is in flight, false when `timeoutMs` passes first. */
  private idle(kind: 'request' | 'watch', timeoutMs: number): Promise<boolean> {
    if ((kind === 'watch' ? this.watches : this.requests).size === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter = {
        kind,
        wake: () => {
          this.idleWaiters.splice(this.idleWaiters.indexOf(waiter), 1);
          resolve(true);
        },
      };
      this.idleWaiters.push(waiter);
      void this.io.sleep(timeoutMs).then(() => {
        if (!this.idleWaiters.includes(waiter)) return;
        this.idleWaiters.splice(this.idleWaiters.indexOf(waiter), 1);
        resolve(false);
      });
    });
  }
}
