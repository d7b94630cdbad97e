// A bounded queue read with `for await`. A producer that outruns its reader overflows the channel,
// which then ends with an error instead of growing without bound or slowing the producer down.

/** Below this many taken items the front of the array is not worth reclaiming. */
const RECLAIM_AFTER = 1024;

export class Channel<T> implements AsyncIterable<T> {
  // Taken from `head` on rather than with Array.shift, which moves every item left behind: a new
  // watch's initial list of n objects would cost O(n²).
  private items: (T | undefined)[] = [];
  private head = 0;
  private waiting?: () => void;
  private closed = false;
  private error?: Error;
  /** Items pushed and items taken, for metrics. */
  pushed = 0;
  processed = 0;

  constructor(private readonly capacity: number) {}

  get pending(): number {
    return this.items.length - this.head;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Returns false when the channel is closed or has just overflowed. */
  push(item: T): boolean {
    if (this.closed) return false;
    if (this.pending >= this.capacity) {
      this.close(new Error(`channel overflowed its capacity of ${this.capacity}`));
      return false;
    }
    this.items.push(item);
    this.pushed++;
    this.wake();
    return true;
  }

  close(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.error = error;
    this.wake();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  /** The oldest item; amortised O(1): the taken front is dropped once it is half the array. */
  private take(): T {
    const item = this.items[this.head] as T;
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) this.clear();
    else if (this.head >= RECLAIM_AFTER && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  private clear(): void {
    this.items = [];
    this.head = 0;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        if (this.pending > 0) {
          this.processed++;
          yield this.take();
          continue;
        }
        if (this.closed) {
          if (this.error) throw this.error;
          return;
        }
        await new Promise<void>((resolve) => (this.waiting = resolve));
      }
    } finally {
      // `break` in the consumer releases the channel.
      this.closed = true;
      this.clear();
    }
  }
}
