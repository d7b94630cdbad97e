// Feeds etcd's history into the publish pipeline with backpressure. etcd's watch cannot be paused,
// only cancelled, so when the pipeline is full (NATS slow or away) the watch is cancelled rather
// than read into memory, and opened again after the last revision queued once the pipeline has
// room. Should etcd compact those revisions meanwhile, the new watch fails as compacted and the
// publisher's reset path takes over.
import type { RevisionBatch } from '@kapi/event-bus';
import type { PublishPipeline } from './publish-pipeline.js';

export interface RevisionWatchHandlers {
  batches(batches: RevisionBatch[]): void;
  error(err: Error): void;
  end(): void;
}

/** etcd's history under a prefix, from a revision on (the etcd watch, in production). */
export interface RevisionSource {
  open(fromRevision: number, on: RevisionWatchHandlers): Promise<{ close(): Promise<void> }>;
}

export interface FeedHooks {
  /** The pipeline was full and the watch is closed until it has room. */
  paused?(): void;
  resumed?(fromRevision: number): void;
}

type Outcome = 'full' | 'end' | Error;

/**
 * Follows the source into the pipeline from the revision after the pipeline's last, until the
 * source ends, the signal aborts or the pipeline stops; rejects with the source's error.
 */
export async function feedPipeline(source: RevisionSource, pipeline: PublishPipeline, signal: AbortSignal, hooks: FeedHooks = {}): Promise<void> {
  while (!signal.aborted && !pipeline.isStopped) {
    let settle!: (outcome: Outcome) => void;
    const settled = new Promise<Outcome>((resolve) => (settle = resolve));
    // Once settled, what the watch still delivers is left for the next watch to read again.
    let reading = true;
    const finish = (outcome: Outcome) => {
      reading = false;
      settle(outcome);
    };
    const onAbort = () => finish('end');
    signal.addEventListener('abort', onAbort);
    try {
      const watch = await source.open(pipeline.lastEnqueued + 1, {
        batches: (batches) => {
          if (!reading) return;
          for (const batch of batches) pipeline.enqueue(batch);
          if (pipeline.full) finish('full');
        },
        error: (err) => finish(err),
        end: () => finish('end'),
      });
      const outcome = await settled;
      await watch.close();
      if (outcome instanceof Error) throw outcome;
      if (outcome === 'end') return;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    hooks.paused?.();
    await new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done);
      void pipeline.whenRoom().then(done);
    });
    if (!signal.aborted && !pipeline.isStopped) hooks.resumed?.(pipeline.lastEnqueued + 1);
  }
}
