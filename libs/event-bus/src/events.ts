// What travels on the bus: every change etcd made at one revision, in one message, so that a
// transaction is never split. `prevRevision` is the revision of the message before it, which lets a
// consumer prove it has missed nothing.

export interface KeyChange {
  type: 'PUT' | 'DELETE';
  key: string;
  /** The object's JSON as stored (absent for DELETE). */
  value?: string;
  /** The object's JSON before this change, when there was one. */
  prevValue?: string;
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
