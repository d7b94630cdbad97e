// What travels on the bus: every change etcd made at one revision, in one message, so that a
// transaction is never split. `prevRevision` is the revision of the message before it, which lets a
// consumer prove it has missed nothing.
//
// A change carries the value written, never the one before it: a consumer that holds every revision
// knows the previous value already (as kube's watch cache takes it from its own store), and leaving
// it out keeps a revision within what one etcd request holds, so the largest object kube accepts
// fits a message (see MAX_BATCH_BYTES).

export interface KeyChange {
  type: 'PUT' | 'DELETE';
  key: string;
  /** The object's JSON as stored (absent for DELETE). */
  value?: string;
  createRevision: number;
  modRevision: number;
}

export interface RevisionBatch {
  revision: number;
  prevRevision: number;
  changes: KeyChange[];
  /** When the publisher received the revision from etcd (ms since the epoch), for delivery latency. */
  observedAt?: number;
  /** Set when the publisher could not continue its history (e.g. etcd compacted it): consumers re-list. */
  reset?: boolean;
  /**
   * Set, with no changes, when the revision's batch could not be published whole (larger than a
   * message may be): consumers read this revision from etcd's own history instead.
   */
  fromHistory?: boolean;
}

/** What the publisher sends in place of a batch the bus can never carry. */
export function historyMarker(batch: RevisionBatch): RevisionBatch {
  return { revision: batch.revision, prevRevision: batch.prevRevision, changes: [], observedAt: batch.observedAt, fromHistory: true };
}

/** A batch the bus refuses for what it is, not for the state of the bus: publishing it again cannot succeed. */
export class UnpublishableBatchError extends Error {
  constructor(
    readonly revision: number,
    /** The batch's encoded size, when known. */
    readonly bytes: number | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'UnpublishableBatchError';
  }
}

export interface ReceivedBatch {
  /** The bus's own sequence number of the message. */
  sequence: number;
  batch: RevisionBatch;
}

/** The distribution of etcd events between services; JetStream in production, anything in tests. */
export interface EventBus {
  /** Publishes once: a retry of the same revision is dropped by the bus. */
  publish(batch: RevisionBatch): Promise<void>;
  /** The last batch on the bus, to resume publishing after it. */
  lastPublished(): Promise<RevisionBatch | undefined>;
  /** The bus's last sequence number (0 when empty). */
  lastSequence(): Promise<number>;
  /**
   * Batches from `fromSequence` on, in order, until `break`, `close`, or the connection to the bus
   * is lost (then the iteration throws, so that the consumer can re-synchronise rather than wait).
   */
  subscribe(fromSequence: number): AsyncIterable<ReceivedBatch>;
  close(): Promise<void>;
}

export function encodeBatch(batch: RevisionBatch): Uint8Array {
  return Buffer.from(JSON.stringify(batch));
}

export function decodeBatch(data: Uint8Array): RevisionBatch {
  return JSON.parse(Buffer.from(data).toString('utf8')) as RevisionBatch;
}
