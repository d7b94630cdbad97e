// The publisher's outbox: batches go to the bus in revision order, each naming the one before it,
// with up to `maxInFlight` waiting for their acknowledgement at once (JetStream acknowledges after
// an fsync, so one at a time caps the publisher at the disk's fsync rate). A failed publish is
// retried from the first failure on, in order; what the bus already stored is dropped there by its
// de-duplication on the revision, and a consumer that sees a later batch first repairs the gap
// from etcd's history. A batch the bus can never carry (larger than a message may be) is replaced
// by its history marker, so one revision never stalls the stream behind it.
//
// What waits is bounded in batches and bytes: once either bound is reached the pipeline is `full`,
// and its producer stops reading etcd (see revision-feed.ts) until `whenRoom` says half is free.
import { historyMarker, UnpublishableBatchError, type EventBus, type RevisionBatch } from '@kapi/event-bus';

export interface PublishPipelineOptions {
  maxInFlight: number;
  /** At or past this many batches waiting, the pipeline is full. */
  maxPendingBatches: number;
  /** At or past this many bytes of keys and values waiting, the pipeline is full. */
  maxPendingBytes: number;
  /** Called before each retry of a failed publish. */
  onRetry?(err: unknown, revision: number, attempt: number): void;
  /** Called when a batch can never be published whole; its history marker is published instead. */
  onUnpublishable?(err: UnpublishableBatchError, batch: RevisionBatch): void;
  delay?(ms: number): Promise<void>;
}

interface Pending {
  batch: RevisionBatch;
  bytes: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a batch holds in memory, near enough: its keys and values (the rest is a few numbers). */
export function batchBytes(batch: RevisionBatch): number {
  let bytes = 64;
  for (const c of batch.changes) bytes += 64 + c.key.length + (c.value?.length ?? 0);
  return bytes;
}

export class PublishPipeline {
  private readonly pending: Pending[] = [];
  private pendingBytes = 0;
  private running?: Promise<void>;
  private stopped = false;
  private roomWaiters: (() => void)[] = [];
  /** The last revision handed to the pipeline. */
  private lastEnqueuedRevision: number;
  /** The last revision the bus acknowledged, with every one before it. */
  lastPublished: number;

  constructor(
    private readonly bus: Pick<EventBus, 'publish'>,
    startRevision: number,
    private readonly options: PublishPipelineOptions,
  ) {
    this.lastEnqueuedRevision = startRevision;
    this.lastPublished = startRevision;
  }

  /** The last revision handed to the pipeline: a producer that paused resumes after it. */
  get lastEnqueued(): number {
    return this.lastEnqueuedRevision;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Batches waiting to be published (those in flight among them). */
  get pendingCount(): number {
    return this.pending.length;
  }

  get pendingByteCount(): number {
    return this.pendingBytes;
  }

  /** Whether a bound is reached: the producer should stop until `whenRoom`. */
  get full(): boolean {
    return this.pending.length >= this.options.maxPendingBatches || this.pendingBytes >= this.options.maxPendingBytes;
  }

  private get hasRoom(): boolean {
    return this.pending.length <= this.options.maxPendingBatches / 2 && this.pendingBytes <= this.options.maxPendingBytes / 2;
  }

  /** Resolves once at most half of each bound is used (or the pipeline is stopped). */
  whenRoom(): Promise<void> {
    if (this.stopped || this.hasRoom) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  enqueue(batch: RevisionBatch): void {
    if (this.stopped || (!batch.reset && batch.revision <= this.lastEnqueuedRevision)) return;
    const entry = { batch: batch.reset ? batch : { ...batch, prevRevision: this.lastEnqueuedRevision }, bytes: batchBytes(batch) };
    this.pending.push(entry);
    this.pendingBytes += entry.bytes;
    this.lastEnqueuedRevision = batch.revision;
    // Started after the current turn, so the batches of one etcd watch response go out together.
    this.running ??= Promise.resolve().then(() => this.pump());
  }

  /** Resolves when everything enqueued so far is published (or the pipeline was stopped). */
  async idle(): Promise<void> {
    await this.running;
  }

  /** Drops what is not yet published; a new leader publishes it. */
  stop(): void {
    this.stopped = true;
    this.pending.length = 0;
    this.pendingBytes = 0;
    this.wakeRoomWaiters();
  }

  private wakeRoomWaiters(): void {
    if (!this.stopped && !this.hasRoom) return;
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  private async pump(): Promise<void> {
    try {
      while (this.pending.length && !this.stopped) {
        const window = this.pending.slice(0, this.options.maxInFlight).map((p) => p.batch);
        const sent = await this.publishInOrder(window);
        if (this.stopped) break;
        for (const done of this.pending.splice(0, sent)) this.pendingBytes -= done.bytes;
        if (sent) this.lastPublished = window[sent - 1].revision;
        this.wakeRoomWaiters();
      }
    } finally {
      // Cleared in the same turn as the last check of `pending`, so an enqueue never finds a
      // pipeline that is about to stop.
      this.running = undefined;
    }
  }

  /** Publishes a window until all of it is acknowledged; answers how many were (all, unless stopped). */
  private async publishInOrder(window: RevisionBatch[]): Promise<number> {
    let acknowledged = 0;
    for (let attempt = 0; !this.stopped; attempt++) {
      // Issued in order on one connection, so the bus stores them in order.
      const results = await Promise.allSettled(window.slice(acknowledged).map((batch) => this.bus.publish(batch)));
      const failed = results.findIndex((r) => r.status === 'rejected');
      if (failed < 0) return window.length;
      acknowledged += failed;
      const err = (results[failed] as PromiseRejectedResult).reason;
      const batch = window[acknowledged];
      if (err instanceof UnpublishableBatchError && !batch.fromHistory) {
        // Retrying cannot help: the marker goes in its place, at once, and consumers read the
        // revision from etcd's history.
        this.options.onUnpublishable?.(err, batch);
        window[acknowledged] = historyMarker(batch);
        attempt = -1;
        continue;
      }
      this.options.onRetry?.(err, batch.revision, attempt);
      await (this.options.delay ?? sleep)(Math.min(1000, 50 * 2 ** Math.min(attempt, 5)));
    }
    return acknowledged;
  }
}
