// One replica of several leads: the winner of an etcd election (a key under the election's name,
// held with an etcd lease its holder keeps alive; the others wait in line for it). A term ends when
// the lease lapses (etcd out of reach for its TTL), when the term's own work ends or fails, or at
// stop, which resigns so that a standby is elected at once instead of after the TTL. Whatever must
// run once per cluster runs while leading (`whileLeading`) and stops when the term ends.
import type { Campaign, Etcd3 } from 'etcd3';

/** Whether this replica leads, and each change of it. */
export interface Leadership {
  readonly leading: boolean;
  /** `listener` hears every change of `leading` from now on; the result unsubscribes. */
  onChange(listener: (leading: boolean) => void): () => void;
}

export interface LeaderElectionOptions {
  /** The etcd lease's TTL: how long a leader that lost etcd keeps the lead. */
  ttlSeconds: number;
  /** The wait before campaigning again after a term or a failed campaign. */
  retryMs?: number;
  /** A campaign or term that failed (it is tried again). */
  onError?: (err: unknown) => void;
}

/** A term's work: runs until `term` is aborted (or ends the term by returning or failing). */
export type TermWork = (term: AbortSignal) => Promise<void>;

const untilAborted: TermWork = (signal) =>
  new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

/** Resolves after `ms`, or at once when `signal` is aborted. */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

export class LeaderElection implements Leadership {
  private readonly listeners = new Set<(leading: boolean) => void>();
  private campaign?: Campaign;
  private term?: AbortController;
  private running?: Promise<void>;
  private readonly stopping = new AbortController();
  leading = false;

  constructor(
    private readonly client: Etcd3,
    /** The election's name, the same in every replica. */
    readonly name: string,
    /** This replica, as the election key's value. */
    readonly identity: string,
    private readonly options: LeaderElectionOptions,
  ) {}

  onChange(listener: (leading: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Campaigns until stopped, running `work` in each term won. */
  start(work: TermWork = untilAborted): void {
    this.running ??= this.run(work);
  }

  /** Ends the term (resigning) and campaigns no more. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.term?.abort();
    await this.campaign?.resign().catch(() => {});
    await this.running;
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async run(work: TermWork): Promise<void> {
    while (!this.stopped) {
      const campaign = this.client.election(this.name, this.options.ttlSeconds).campaign(this.identity);
      this.campaign = campaign;
      const term = new AbortController();
      this.term = term;
      // A campaign may report several errors while etcd is away; each must have a listener, or Node
      // ends the process. The first one ends the campaign or the term.
      const lost = new Promise<never>((_, reject) => campaign.on('error', (err: Error) => reject(err)));
      lost.catch(() => {});
      try {
        const stopped = untilAborted(this.stopping.signal);
        await Promise.race([new Promise<void>((resolve) => campaign.once('elected', () => resolve())), lost, stopped]);
        if (this.stopped) break;
        this.setLeading(true);
        await Promise.race([work(term.signal), lost]);
      } catch (err) {
        if (!this.stopped) this.options.onError?.(err);
      } finally {
        term.abort();
        this.setLeading(false);
        await campaign.resign().catch(() => {});
      }
      if (!this.stopped) await sleep(this.options.retryMs ?? 1000, this.stopping.signal);
    }
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    for (const listener of [...this.listeners]) listener(leading);
  }
}

/** What runs on the leader only. */
export interface LeaderOnly {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

/**
 * Runs `controller` while `leadership` leads: started when a term begins (or now, if it leads
 * already), stopped when the term ends. A start and a stop never overlap. The result stops it for
 * good (at shutdown).
 */
export function whileLeading(leadership: Leadership, controller: LeaderOnly, onError: (err: unknown) => void = () => {}): () => Promise<void> {
  let running = false;
  let done = false;
  let transitions = Promise.resolve();
  const settle = (lead: boolean) => {
    transitions = transitions.then(async () => {
      const want = lead && !done;
      if (want === running) return;
      running = want;
      try {
        await (want ? controller.start() : controller.stop());
      } catch (err) {
        onError(err);
      }
    });
    return transitions;
  };
  const unsubscribe = leadership.onChange((leading) => void settle(leading));
  if (leadership.leading) void settle(true);
  return async () => {
    done = true;
    unsubscribe();
    await settle(false);
  };
}
