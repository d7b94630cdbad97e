// Applies the event stream to the watch store, batch after batch. A batch the store cannot take
// next — its predecessor is newer than what the store holds (a gap), it is a reset newer than the
// store, or it is a history marker (a revision too large for the stream) — is first repaired from
// etcd's own history, so the store and every open watch go on without a hole. Only when etcd has
// compacted that history must the store be rebuilt from a new snapshot (ResyncNeeded).
import type { RevisionBatch } from '@kapi/event-bus';
import { PROGRESS_KEY } from '@kapi/storage';
import { metrics, type Logger } from '@kapi/telemetry';
import type { WatchStore } from '@kapi/watch-store';

export class ResyncNeeded extends Error {}

/**
 * Replays etcd's history from `fromRevision` on, up to a revision etcd reached after the call,
 * handing each revision to `apply`; false, having applied nothing, when etcd has compacted it.
 */
export type HistoryReplay = (fromRevision: number, apply: (batch: RevisionBatch) => void) => Promise<boolean>;

const catchUps = metrics.counter('kapi_watch_cache_history_catch_ups_total', 'Times the watch cache repaired a gap from etcd history, keeping its watches open.');
const markers = metrics.counter(
  'kapi_watch_cache_history_markers_total',
  'Revisions the watch cache read from etcd history because they were too large for the event stream.',
);

export class StreamFollower {
  constructor(
    private readonly store: WatchStore,
    private readonly replay: HistoryReplay,
    private readonly logger: Logger,
    /** Called whenever the store's revision may have moved. */
    private readonly advanced: () => void = () => {},
  ) {}

  /** Takes the next batch of the stream, repairing from history first what the store lacks before it. */
  async follow(batch: RevisionBatch): Promise<void> {
    const gap = this.gapBefore(batch);
    if (gap) {
      if (batch.fromHistory) markers.inc();
      if (!(await this.catchUp(gap))) throw new ResyncNeeded(`${gap}, and etcd no longer has that history`);
    }
    this.applyBatch(batch);
  }

  /** Why the store cannot take this batch next, if it cannot. */
  gapBefore(batch: RevisionBatch): string | undefined {
    const current = this.store.revision;
    if (batch.reset) return batch.revision > current ? `the publisher restarted its history at revision ${batch.revision}` : undefined;
    if (batch.revision > current && batch.prevRevision > current) return `gap in the event stream: have revision ${current}, next batch follows ${batch.prevRevision}`;
    if (batch.fromHistory && batch.revision > current) return `revision ${batch.revision} was too large for the event stream`;
    return undefined;
  }

  /**
   * Applies etcd's history after the store's revision, up to a revision etcd reached after the call;
   * false when etcd has compacted it (only a new snapshot can help then).
   */
  async catchUp(reason: string): Promise<boolean> {
    const from = this.store.revision + 1;
    this.logger.info('watch cache catching up from etcd history', { reason, fromRevision: from });
    let replayed = 0;
    // etcd's history has no gaps: each revision follows the one before it.
    const complete = await this.replay(from, (batch) => {
      this.applyBatch({ ...batch, prevRevision: 0 });
      replayed++;
    });
    if (!complete) return false;
    catchUps.inc();
    this.logger.info('watch cache caught up', { revisions: replayed, revision: this.store.revision });
    return true;
  }

  applyBatch(batch: RevisionBatch): void {
    const gap = this.gapBefore(batch);
    if (gap) throw new ResyncNeeded(gap);
    if (batch.reset || batch.revision <= this.store.revision) return;
    // The progress key only moves the revision on; it is not an object.
    const changes = batch.changes.filter((c) => c.key !== PROGRESS_KEY);
    if (changes.length) this.store.apply(batch.revision, changes, batch.observedAt);
    else this.store.advance(batch.revision);
    this.advanced();
  }
}
