// Allocates values from a finite range (cluster IPs, node ports) so that no value is handed out twice,
// under concurrency and across replicas: each allocated value is one etcd key, created only if it is
// absent. The key records its owner, so a repair pass can find leaks.
import { isStorageError, type StorageBackend } from '@kapi/storage';

export interface AllocationRange<T> {
  /** How many values the range holds. */
  readonly size: number;
  /** The value at an offset, 0 ≤ offset < size. */
  valueAt(offset: number): T;
  /** The offset of a value, or undefined when it is outside the range. */
  offsetOf(value: T): number | undefined;
  /** Offsets dynamic allocation never picks (they are only handed out when asked for by value). */
  readonly reserved: ReadonlySet<number>;
  format(value: T): string;
}

export class AllocationError extends Error {
  constructor(
    readonly reason: 'AlreadyAllocated' | 'OutOfRange' | 'Full',
    message: string,
  ) {
    super(message);
  }
}

export class KeyAllocator<T> {
  constructor(
    private readonly backend: StorageBackend,
    private readonly prefix: string,
    readonly range: AllocationRange<T>,
    private readonly random: () => number = Math.random,
  ) {}

  private key(value: T): string {
    return `${this.prefix}/${this.range.format(value)}`;
  }

  /** Claims a specific value. */
  async allocate(value: T, owner: string): Promise<void> {
    if (this.range.offsetOf(value) === undefined) throw new AllocationError('OutOfRange', `${this.range.format(value)} is not in the range`);
    try {
      await this.backend.create(this.key(value), Buffer.from(owner));
    } catch (err) {
      if (isStorageError(err, 'KeyExists')) throw new AllocationError('AlreadyAllocated', `${this.range.format(value)} is already allocated`);
      throw err;
    }
  }

  /** Claims any free value, starting at a random offset so that replicas rarely collide. */
  async allocateNext(owner: string): Promise<T> {
    const { size, reserved } = this.range;
    const start = Math.floor(this.random() * size);
    for (let i = 0; i < size; i++) {
      const offset = (start + i) % size;
      if (reserved.has(offset)) continue;
      const value = this.range.valueAt(offset);
      try {
        await this.backend.create(this.key(value), Buffer.from(owner));
        return value;
      } catch (err) {
        if (!isStorageError(err, 'KeyExists')) throw err;
      }
    }
    throw new AllocationError('Full', 'range is full');
  }

  async release(value: T): Promise<void> {
    const stored = await this.backend.get(this.key(value));
    if (stored) await this.backend.delete(stored.key, stored.modRevision).catch(() => {});
  }
}
