// The JetStream event bus against a real nats-server, secured as the local stack runs it: the
// registry publishes, a watch-cache consumes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RevisionBatch } from './events.js';
import { JetStreamEventBus } from './jetstream-bus.js';
import { startSecuredNats, type SecuredNats } from './test-nats.fixture.js';

const batch = (revision: number, prevRevision: number): RevisionBatch => ({
  revision,
  prevRevision,
  changes: [{ type: 'PUT', key: `/registry/configmaps/ns/c${revision}`, value: '{}', createRevision: revision, modRevision: revision }],
});

describe('JetStreamEventBus', () => {
  let nats: SecuredNats;
  let bus: JetStreamEventBus;
  let consumer: JetStreamEventBus;

  before(async () => {
    nats = await startSecuredNats();
    bus = await JetStreamEventBus.connect({ ...nats.endpoint('registry'), name: 'registry-0', role: 'publisher' });
    consumer = await JetStreamEventBus.connect({ ...nats.endpoint('watch-cache'), name: 'watch-cache-0', role: 'consumer' });
  });

  after(async () => {
    await bus?.close();
    await consumer?.close();
    await nats?.stop();
  });

  it('starts empty', async () => {
    assert.equal(await bus.lastPublished(), undefined);
    assert.equal(await bus.lastSequence(), 0);
    assert.equal(await consumer.lastSequence(), 0);
  });

  it('stores a revision once even when it is published again', async () => {
    await bus.publish(batch(10, 0));
    await bus.publish(batch(11, 10));
    await bus.publish(batch(11, 10));
    await bus.publish(batch(12, 11));
    assert.equal(await bus.lastSequence(), 3);
    assert.deepEqual(await bus.lastPublished(), batch(12, 11));
  });

  it('delivers from a sequence on, in order', async () => {
    const seen: number[] = [];
    for await (const { sequence, batch: b } of consumer.subscribe(2)) {
      seen.push(b.revision);
      assert.equal(sequence, seen.length + 1);
      if (seen.length === 2) break;
    }
    assert.deepEqual(seen, [11, 12]);
  });

  it('a second connection sees the same stream (another replica)', async () => {
    const other = await JetStreamEventBus.connect({ ...nats.endpoint('registry'), name: 'registry-1', role: 'publisher' });
    try {
      assert.equal((await other.lastPublished())?.revision, 12);
    } finally {
      await other.close();
    }
  });
});
