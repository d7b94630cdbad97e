import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RevisionBatch } from '@kapi/event-bus';
import { PublishPipeline } from './publish-pipeline.js';
import { feedPipeline, type RevisionSource, type RevisionWatchHandlers } from './revision-feed.js';

const batch = (revision: number): RevisionBatch => ({ revision, prevRevision: 0, changes: [] });
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** NATS that takes nothing while held. */
class HeldBus {
  stored: number[] = [];
  private held = true;
  private readonly waiting: (() => void)[] = [];
  async publish(b: RevisionBatch): Promise<void> {
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.stored.push(b.revision);
  }
  release(): void {
    this.held = false;
    for (const w of this.waiting.splice(0)) w();
  }
}

/** etcd's watch, driven by the test: which revisions each watch started from, and which are open. */
class FakeEtcd implements RevisionSource {
  opened: number[] = [];
  watching = new Set<RevisionWatchHandlers>();
  closed = 0;
  private onOpen?: () => void;
  async open(fromRevision: number, on: RevisionWatchHandlers) {
    this.opened.push(fromRevision);
    this.watching.add(on);
    this.onOpen?.();
    return {
      close: async () => {
        this.watching.delete(on);
        this.closed++;
      },
    };
  }
  /** What etcd sends: to the open watch (or to one just closed, whose delivery was already under way). */
  current(): RevisionWatchHandlers {
    const [on] = this.watching;
    assert.ok(on, 'a watch is open');
    return on;
  }
  async opening(count: number): Promise<void> {
    while (this.opened.length < count) await new Promise<void>((resolve) => (this.onOpen = resolve));
  }
}

describe('feedPipeline', () => {
  it('stops reading etcd while the pipeline is full and reads on after the last revision queued once it has room', async () => {
    const bus = new HeldBus();
    const etcd = new FakeEtcd();
    const pipeline = new PublishPipeline(bus, 0, { maxInFlight: 1, maxPendingBatches: 4, maxPendingBytes: 1 << 30, delay: async () => {} });
    const events: string[] = [];
    const feeding = feedPipeline(etcd, pipeline, new AbortController().signal, {
      paused: () => events.push(`paused at ${pipeline.lastEnqueued}`),
      resumed: (from) => events.push(`resumed from ${from}`),
    });
    await etcd.opening(1);
    const first = etcd.current();
    first.batches([batch(1), batch(2), batch(3)]);
    first.batches([batch(4), batch(5)]);
    await turn();
    assert.equal(etcd.watching.size, 0, 'the watch is closed once the queue is full');
    // Already on its way when the watch was closed: left for the next watch to read.
    first.batches([batch(6)]);
    assert.equal(pipeline.lastEnqueued, 5);
    assert.deepEqual(events, ['paused at 5']);
    bus.release();
    await etcd.opening(2);
    assert.deepEqual(etcd.opened, [1, 6]);
    etcd.current().batches([batch(6), batch(7)]);
    etcd.current().end();
    await feeding;
    await pipeline.idle();
    assert.deepEqual(bus.stored, [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(events, ['paused at 5', 'resumed from 6']);
    assert.equal(etcd.closed, 2);
  });

  it('rejects with the watch\'s error (etcd compacted what it was to read), closing the watch', async () => {
    const etcd = new FakeEtcd();
    const pipeline = new PublishPipeline(new HeldBus(), 10, { maxInFlight: 1, maxPendingBatches: 4, maxPendingBytes: 1 << 30 });
    const feeding = feedPipeline(etcd, pipeline, new AbortController().signal);
    await etcd.opening(1);
    assert.deepEqual(etcd.opened, [11]);
    etcd.current().error(new Error('etcdserver: mvcc: required revision has been compacted'));
    await assert.rejects(feeding, /compacted/);
    assert.equal(etcd.closed, 1);
    pipeline.stop();
  });

  it('ends when its term ends, while reading or while waiting for room', async () => {
    const etcd = new FakeEtcd();
    const reading = new AbortController();
    const pipeline = new PublishPipeline(new HeldBus(), 0, { maxInFlight: 1, maxPendingBatches: 2, maxPendingBytes: 1 << 30 });
    const feeding = feedPipeline(etcd, pipeline, reading.signal);
    await etcd.opening(1);
    reading.abort();
    await feeding;
    assert.equal(etcd.closed, 1);

    const waiting = new AbortController();
    const second = feedPipeline(etcd, pipeline, waiting.signal);
    await etcd.opening(2);
    etcd.current().batches([batch(1), batch(2)]);
    await turn();
    assert.equal(etcd.closed, 2);
    waiting.abort();
    await second;
    assert.equal(etcd.opened.length, 2, 'no watch is opened after the term ended');
    pipeline.stop();
  });
});
