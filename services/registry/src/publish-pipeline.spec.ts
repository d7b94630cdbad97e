import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UnpublishableBatchError, type RevisionBatch } from '@kapi/event-bus';
import { batchBytes, PublishPipeline } from './publish-pipeline.js';

const batch = (revision: number, value?: string): RevisionBatch => ({
  revision,
  prevRevision: 0,
  changes: value === undefined ? [] : [{ type: 'PUT', key: `/registry/configmaps/ns/c${revision}`, value, createRevision: revision, modRevision: revision }],
});

/** A bus that stores in arrival order, drops a repeated revision, and fails the publishes a test says. */
class FakeBus {
  stored: RevisionBatch[] = [];
  attempts: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
  failOnce = new Set<number>();
  /** Revisions the bus can never carry (a marker it takes). */
  tooLarge = new Set<number>();
  private readonly waiting: (() => void)[] = [];
  hold = false;

  async publish(b: RevisionBatch): Promise<void> {
    this.attempts.push(b.revision);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.tooLarge.has(b.revision) && !b.fromHistory) throw new UnpublishableBatchError(b.revision, 5 << 20, `revision ${b.revision} is too large`);
    const fail = this.failOnce.delete(b.revision);
    // Stored (or refused) on arrival, in order; the acknowledgement comes later.
    if (!fail && !this.stored.some((s) => s.revision === b.revision)) this.stored.push(b);
    if (this.hold) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else await Promise.resolve();
    this.inFlight--;
    if (fail) throw new Error(`publish of ${b.revision} timed out`);
  }

  release(): void {
    this.hold = false;
    for (const w of this.waiting.splice(0)) w();
  }
}

const noDelay = { delay: async () => {}, maxPendingBatches: 1_000, maxPendingBytes: 1 << 30 };

describe('PublishPipeline', () => {
  it('publishes in revision order, each batch naming the one before it', async () => {
    const bus = new FakeBus();
    const pipeline = new PublishPipeline(bus, 10, { maxInFlight: 4, ...noDelay });
    for (const r of [11, 12, 14, 17]) pipeline.enqueue(batch(r));
    pipeline.enqueue(batch(12));
    await pipeline.idle();
    assert.deepEqual(bus.stored.map((b) => [b.revision, b.prevRevision]), [[11, 10], [12, 11], [14, 12], [17, 14]]);
    assert.equal(pipeline.lastPublished, 17);
  });

  it('keeps several publishes waiting for their acknowledgement at once, never more than allowed', async () => {
    const bus = new FakeBus();
    bus.hold = true;
    const pipeline = new PublishPipeline(bus, 0, { maxInFlight: 3, ...noDelay });
    for (let r = 1; r <= 7; r++) pipeline.enqueue(batch(r));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(bus.inFlight, 3);
    bus.release();
    await pipeline.idle();
    assert.equal(bus.maxInFlight, 3);
    assert.deepEqual(bus.stored.map((b) => b.revision), [1, 2, 3, 4, 5, 6, 7]);
  });

  it('retries from the first failed publish on, in order, without storing anything twice', async () => {
    const bus = new FakeBus();
    bus.failOnce.add(3);
    const retries: number[] = [];
    const pipeline = new PublishPipeline(bus, 0, { maxInFlight: 4, onRetry: (_err, revision) => retries.push(revision), ...noDelay });
    for (let r = 1; r <= 6; r++) pipeline.enqueue(batch(r));
    await pipeline.idle();
    assert.deepEqual(retries, [3]);
    // 4 was stored before 3's retry: consumers repair that from etcd's history; nothing is lost or doubled.
    assert.deepEqual(bus.stored.map((b) => b.revision), [1, 2, 4, 3, 5, 6]);
    assert.deepEqual(bus.attempts, [1, 2, 3, 4, 3, 4, 5, 6]);
    assert.equal(pipeline.lastPublished, 6);
  });

  it('passes a reset marker on as it is and continues after it', async () => {
    const bus = new FakeBus();
    const pipeline = new PublishPipeline(bus, 50, { maxInFlight: 2, ...noDelay });
    pipeline.enqueue({ revision: 50, prevRevision: 50, changes: [], reset: true });
    pipeline.enqueue(batch(51));
    await pipeline.idle();
    assert.deepEqual(bus.stored.map((b) => [b.revision, b.prevRevision, b.reset ?? false]), [[50, 50, true], [51, 50, false]]);
  });

  it('drops what is pending once stopped', async () => {
    const bus = new FakeBus();
    bus.hold = true;
    const pipeline = new PublishPipeline(bus, 0, { maxInFlight: 1, ...noDelay });
    pipeline.enqueue(batch(1));
    await new Promise((resolve) => setImmediate(resolve));
    for (let r = 2; r <= 3; r++) pipeline.enqueue(batch(r));
    pipeline.stop();
    bus.release();
    await pipeline.idle();
    pipeline.enqueue(batch(4));
    assert.deepEqual(bus.attempts, [1]);
  });

  it('publishes a marker in place of a batch the bus can never carry, at once, and goes on', async () => {
    const bus = new FakeBus();
    bus.tooLarge.add(3);
    const retries: number[] = [];
    const unpublishable: number[] = [];
    const pipeline = new PublishPipeline(bus, 0, {
      maxInFlight: 1,
      onRetry: (_err, revision) => retries.push(revision),
      onUnpublishable: (err, b) => unpublishable.push(err.revision, b.changes.length),
      ...noDelay,
    });
    pipeline.enqueue(batch(1, '{}'));
    pipeline.enqueue(batch(2, '{}'));
    pipeline.enqueue(batch(3, 'x'.repeat(1000)));
    pipeline.enqueue(batch(4, '{}'));
    await pipeline.idle();
    assert.deepEqual(
      bus.stored.map((b) => [b.revision, b.prevRevision, b.changes.length, b.fromHistory ?? false]),
      [
        [1, 0, 1, false],
        [2, 1, 1, false],
        [3, 2, 0, true],
        [4, 3, 1, false],
      ],
    );
    assert.deepEqual(unpublishable, [3, 1]);
    assert.deepEqual(retries, [], 'no retry, no delay: the batch can never succeed');
    assert.equal(pipeline.lastPublished, 4);
  });

  it('is full once the batches waiting reach their bound, and has room again at half of it', async () => {
    const bus = new FakeBus();
    bus.hold = true;
    const pipeline = new PublishPipeline(bus, 0, { ...noDelay, maxInFlight: 1, maxPendingBatches: 4 });
    for (let r = 1; r <= 3; r++) pipeline.enqueue(batch(r));
    assert.equal(pipeline.full, false);
    pipeline.enqueue(batch(4));
    assert.equal(pipeline.full, true);
    let room = false;
    const whenRoom = pipeline.whenRoom().then(() => (room = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(room, false, 'no room while NATS holds the first publish');
    bus.release();
    await whenRoom;
    assert.ok(pipeline.pendingCount <= 2);
    await pipeline.idle();
    assert.equal(pipeline.full, false);
    assert.deepEqual(bus.stored.map((b) => b.revision), [1, 2, 3, 4]);
  });

  it('counts the bytes waiting too: a few large batches fill it', async () => {
    const bus = new FakeBus();
    bus.hold = true;
    const large = 'x'.repeat(1 << 20);
    const pipeline = new PublishPipeline(bus, 0, { ...noDelay, maxInFlight: 1, maxPendingBytes: 3 * batchBytes(batch(1, large)) });
    pipeline.enqueue(batch(1, large));
    pipeline.enqueue(batch(2, large));
    assert.equal(pipeline.full, false);
    pipeline.enqueue(batch(3, large));
    assert.equal(pipeline.full, true);
    assert.equal(pipeline.pendingCount, 3);
    assert.equal(pipeline.pendingByteCount, 3 * batchBytes(batch(1, large)));
    bus.release();
    await pipeline.idle();
    assert.equal(pipeline.pendingByteCount, 0);
  });

  it('wakes a producer waiting for room when it is stopped', async () => {
    const bus = new FakeBus();
    bus.hold = true;
    const pipeline = new PublishPipeline(bus, 0, { ...noDelay, maxInFlight: 1, maxPendingBatches: 1 });
    pipeline.enqueue(batch(1));
    assert.equal(pipeline.full, true);
    const whenRoom = pipeline.whenRoom();
    pipeline.stop();
    await whenRoom;
    assert.equal(pipeline.isStopped, true);
    bus.release();
  });
});
