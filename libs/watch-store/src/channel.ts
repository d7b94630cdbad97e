// A bounded queue read with `for await`. A producer that outruns its reader overflows the channel,
// which then ends with an error instead of growing without bound or slowing the producer down.

export class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting?: () => void;
  private closed = false;
  private error?: Error;
  /** Items pushed and items taken, for metrics. */
  pushed = 0;
  processed = 0;

  constructor(private readonly capacity: number) {}

  get pending(): number {
    return this.items.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Returns false when the channel is closed or has just overflowed. */
  push(item: T): boolean {
    if (this.closed) return false;
    if (this.items.length >= this.capacity) {
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

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        if (this.items.length > 0) {
          this.processed++;
          yield this.items.shift()!;
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
      this.items.length = 0;
    }
  }
}
