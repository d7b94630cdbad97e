// The storage backend interface: a revisioned key-value store with compare-and-swap writes. The
// generic registry engine is written against this, never against etcd directly.

export interface StoredValue {
  key: string;
  value: Buffer;
  createRevision: number;
  modRevision: number;
}

export interface ListPage {
  items: StoredValue[];
  /** The revision the page was read at; later pages must be read at the same one. */
  revision: number;
  /** True when keys remain after the last one returned. */
  more: boolean;
  remaining: number;
}

export interface ListOptions {
  /** First key to return (inclusive); defaults to the prefix itself. */
  startKey?: string;
  limit?: number;
  /** Read at this revision; 0 or absent for the latest. */
  revision?: number;
}

/**
 * A client request that a write belongs to. The write stores, in the same transaction, a record of
 * it under the request's id, and fails (RequestDone) if the request has one already: a request
 * retried after its first attempt wrote (the replica died before it could answer) is then answered
 * from the record instead of being applied twice.
 */
export interface RequestRecord {
  /** Unique per client request (the front door's Audit-Id). */
  id: string;
  /** Who asked: a record is only ever an answer for the same user. */
  user: string;
}

/** What a request wrote: its object's key, and the revision of the write. */
export interface RecordedWrite extends RequestRecord {
  key: string;
  op: 'create' | 'update' | 'delete';
  revision: number;
}

export interface StorageBackend {
  /** The latest value of a key, read with quorum. */
  get(key: string): Promise<StoredValue | undefined>;
  /** The value a key had at `revision` (undefined if it had none); fails with Compacted when etcd no longer has it. */
  getAt(key: string, revision: number): Promise<StoredValue | undefined>;
  /** Writes a key that must not exist; resolves to the new revision. */
  create(key: string, value: Buffer, request?: RequestRecord): Promise<number>;
  /** Writes a key whose current mod revision must be `expectedModRevision`. */
  update(key: string, value: Buffer, expectedModRevision: number, request?: RequestRecord): Promise<number>;
  /** Deletes a key whose current mod revision must be `expectedModRevision`. */
  delete(key: string, expectedModRevision: number, request?: RequestRecord): Promise<number>;
  /** The write recorded for request `id`, while its record lives (minutes). */
  recordedWrite(id: string): Promise<RecordedWrite | undefined>;
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  currentRevision(): Promise<number>;
  /** Drops history before `revision`. */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Not an object: a key under /registry/ whose writes mark progress on the event stream, so that a
 * watch cache can tell it has seen everything etcd held at a moment (see the registry's Progress).
 */
export const PROGRESS_KEY = '/registry/kapi-progress';

/** Why a storage call failed, so the engine can answer with the right Status. */
export class StorageError extends Error {
  constructor(
    /** RequestDone: the write's request has already written (see RequestRecord). */
    readonly kind: 'KeyExists' | 'KeyNotFound' | 'Conflict' | 'Compacted' | 'Unavailable' | 'RequestDone',
    message: string,
    readonly current?: StoredValue,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

export function isStorageError(err: unknown, kind?: StorageError['kind']): err is StorageError {
  return err instanceof StorageError && (kind === undefined || err.kind === kind);
}
