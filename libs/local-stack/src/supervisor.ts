// What `npm run up` does for its processes after start, as a kubelet does for a pod's containers
// (restartPolicy Always): a process that exits is started again, at once the first time, then after a
// delay that doubles with every further exit, and its restart count and last exit are kept.
import type { ExitInfo, ManagedProcess, RestartHistory } from './processes';

/**
 * The delays of a crash loop. kubelet restarts a container at once after its first exit, then waits
 * 10 s, doubling up to 5 min, and forgets the loop once the container ran 10 min. kapi keeps that
 * shape with the front-loaded curve of KEP-4603 (1 s doubling to 60 s): every process of the stack is
 * on the path of every request, so one that died must come back at once, and one that keeps dying
 * (a broken data directory, a port taken by a stranger) must neither spin nor wait minutes once fixed.
 */
export interface RestartBackoffOptions {
  /** Delay before the second restart of a loop; the first restart is immediate. */
  initialMs: number;
  maxMs: number;
  /** A run at least this long ends the loop: the next exit restarts at once again. */
  resetAfterMs: number;
}

export const DEFAULT_RESTART_BACKOFF: RestartBackoffOptions = { initialMs: 1000, maxMs: 60_000, resetAfterMs: 10 * 60_000 };

/** The delays of one process's crash loop. */
export class RestartBackoff {
  private exitsInLoop = 0;

  constructor(private readonly options: RestartBackoffOptions = DEFAULT_RESTART_BACKOFF) {}

  /** How long to wait before starting the process again, after a run of `ranForMs`. */
  delayAfterExit(ranForMs: number): number {
    if (ranForMs >= this.options.resetAfterMs) this.exitsInLoop = 0;
    const exits = this.exitsInLoop++;
    if (exits === 0) return 0;
    return Math.min(this.options.maxMs, this.options.initialMs * 2 ** (exits - 1));
  }
}

export type SupervisorEvent =
  | { type: 'exited'; instance: string; pid: number; exit: ExitInfo; ranForMs: number; restartInMs: number; restarts: number }
  | { type: 'restarted'; instance: string; pid: number; restarts: number }
  | { type: 'restart-failed'; instance: string; error: string; restartInMs: number };

export interface SupervisorOptions {
  /** Starts `instance` again (the same way it was first started) and records `history` with it. */
  respawn(instance: string, history: RestartHistory): ManagedProcess;
  backoff?: RestartBackoffOptions;
  onEvent?(event: SupervisorEvent): void;
  now?(): number;
  /** Runs `fn` after `ms`; returns a cancel function. */
  schedule?(fn: () => void, ms: number): () => void;
}

interface Watched {
  process: ManagedProcess;
  startedAt: number;
  backoff: RestartBackoff;
  history: RestartHistory;
  cancelRestart?: () => void;
}

/**
 * Restarts the processes it watches when they exit, until stopped. A process that is replaced or
 * stopped on purpose is released first, so its exit is not taken for a crash.
 */
export class Supervisor {
  private readonly watched = new Map<string, Watched>();
  private stopped = false;
  private readonly now: () => number;
  private readonly schedule: (fn: () => void, ms: number) => () => void;

  constructor(private readonly options: SupervisorOptions) {
    this.now = options.now ?? Date.now;
    this.schedule =
      options.schedule ??
      ((fn, ms) => {
        const timer = setTimeout(fn, ms);
        return () => clearTimeout(timer);
      });
  }

  /** Starts watching `process` as `instance`, keeping what is known of the instance's earlier runs. */
  watch(instance: string, process: ManagedProcess, history?: RestartHistory): void {
    const previous = this.watched.get(instance);
    previous?.cancelRestart?.();
    const entry: Watched = {
      process,
      startedAt: this.now(),
      backoff: previous?.backoff ?? new RestartBackoff(this.options.backoff),
      history: history ?? previous?.history ?? { restarts: 0 },
    };
    this.watched.set(instance, entry);
    void process.exited.then((exit) => this.onExit(instance, entry, exit));
  }

  /**
   * Stops watching the current process of `instance` (one about to be stopped or replaced on
   * purpose), cancelling a pending restart; its history is kept for the process that follows.
   */
  release(instance: string): void {
    const entry = this.watched.get(instance);
    if (!entry) return;
    entry.cancelRestart?.();
    // A copy takes the entry's place, so the exit of the released process finds itself superseded.
    this.watched.set(instance, { ...entry, cancelRestart: undefined });
  }

  /** The restarts and last exit of `instance` so far. */
  history(instance: string): RestartHistory {
    return this.watched.get(instance)?.history ?? { restarts: 0 };
  }

  /** No restart happens after this, including one already scheduled. */
  stop(): void {
    this.stopped = true;
    for (const entry of this.watched.values()) entry.cancelRestart?.();
  }

  private onExit(instance: string, entry: Watched, exit: ExitInfo): void {
    if (this.stopped || this.watched.get(instance) !== entry) return;
    const ranForMs = this.now() - entry.startedAt;
    const delay = entry.backoff.delayAfterExit(ranForMs);
    entry.history = { restarts: entry.history.restarts, lastExit: { code: exit.code, signal: exit.signal, at: new Date(this.now()).toISOString() } };
    this.options.onEvent?.({ type: 'exited', instance, pid: entry.process.pid, exit, ranForMs, restartInMs: delay, restarts: entry.history.restarts });
    entry.cancelRestart = this.schedule(() => this.restart(instance, entry), delay);
  }

  private restart(instance: string, entry: Watched): void {
    entry.cancelRestart = undefined;
    if (this.stopped || this.watched.get(instance) !== entry) return;
    const history = { ...entry.history, restarts: entry.history.restarts + 1 };
    let process: ManagedProcess;
    try {
      process = this.options.respawn(instance, history);
    } catch (err) {
      // Could not even spawn it (the binary went missing, say): try again as after another exit.
      const restartInMs = entry.backoff.delayAfterExit(0);
      this.options.onEvent?.({ type: 'restart-failed', instance, error: err instanceof Error ? err.message : String(err), restartInMs });
      entry.cancelRestart = this.schedule(() => this.restart(instance, entry), restartInMs);
      return;
    }
    this.watch(instance, process, history);
    this.options.onEvent?.({ type: 'restarted', instance, pid: process.pid, restarts: history.restarts });
  }
}
