// The JetStream event bus against a real nats-server, secured as the local stack runs it: the
// registry publishes, a watch-cache consumes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jetstreamManager } from '@nats-io/jetstream';
import { NATS_MAX_PAYLOAD_BYTES } from '@kapi/local-stack';
import { historyMarker, UnpublishableBatchError, type RevisionBatch } from './events.js';
import { EVENTS_STREAM, JetStreamEventBus, MAX_BATCH_BYTES } from './jetstream-bus.js';
import { startSecuredNats, type SecuredNats } from './test-nats.fixture.js';

const MiB = 1024 * 1024;

/**
 * A ConfigMap as stored, `bytes` long: its data all quotes, each stored as \" and escaped once more
 * inside the batch's JSON, the worst case for its size on the bus.
 */
function storedConfigMap(name: string, bytes: number): string {
  const shell = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'big' }, data: { quotes: '' } });
  const value = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'big' }, data: { quotes: '"'.repeat(Math.floor((bytes - shell.length) / 2)) } });
  assert.ok(value.length <= bytes && value.length > bytes - 4);
  return value;
}

const put = (revision: number, name: string, value: string) => ({ type: 'PUT' as const, key: `/registry/configmaps/big/${name}`, value, createRevision: revision, modRevision: revision });

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

  it('is configured alike on both sides: the server takes what the stream takes', () => {
    assert.equal(NATS_MAX_PAYLOAD_BYTES, MAX_BATCH_BYTES);
    assert.equal(bus.maxMessageBytes, MAX_BATCH_BYTES);
  });

  it('carries one revision of the largest object etcd stores, however its JSON escapes', async () => {
    // etcd's --max-request-bytes: no object (and no revision's values) is larger.
    const value = storedConfigMap('largest', 1.5 * MiB);
    const revision = { revision: 20, prevRevision: 12, changes: [put(20, 'largest', value)] };
    await bus.publish(revision);
    const sequence = await bus.lastSequence();
    for await (const { batch: b } of bus.subscribe(sequence)) {
      assert.equal(b.revision, 20);
      assert.equal(b.changes[0].value, value);
      break;
    }
  });

  it('refuses a batch larger than a message may be without sending it, and takes its history marker', async () => {
    const sequence = await bus.lastSequence();
    const oversize: RevisionBatch = { revision: 21, prevRevision: 20, changes: [put(21, 'a', storedConfigMap('a', 1.5 * MiB)), put(21, 'b', storedConfigMap('b', 1.5 * MiB))] };
    await assert.rejects(bus.publish(oversize), (err: unknown) => {
      assert.ok(err instanceof UnpublishableBatchError);
      assert.equal(err.revision, 21);
      assert.ok(err.bytes! > MAX_BATCH_BYTES);
      return true;
    });
    assert.equal(await bus.lastSequence(), sequence);
    await bus.publish(historyMarker(oversize));
    assert.deepEqual(await bus.lastPublished(), { revision: 21, prevRevision: 20, changes: [], fromHistory: true });
  });

  it('recognises NATS refusing a message for its size, and a new connection restores the stream\'s limit', async () => {
    const jsm = await jetstreamManager(bus.connection);
    // Lowered behind the bus's back: the bus checks against the 4 MiB it found, and NATS refuses.
    await jsm.streams.update(EVENTS_STREAM, { max_msg_size: MiB });
    const sequence = await bus.lastSequence();
    const tooLarge: RevisionBatch = { revision: 22, prevRevision: 21, changes: [put(22, 'c', storedConfigMap('c', 1.2 * MiB))] };
    await assert.rejects(bus.publish(tooLarge), (err: unknown) => err instanceof UnpublishableBatchError && err.cause !== undefined);
    assert.equal(await bus.lastSequence(), sequence);
    const other = await JetStreamEventBus.connect({ ...nats.endpoint('registry'), name: 'registry-3', role: 'publisher' });
    try {
      assert.equal((await jsm.streams.info(EVENTS_STREAM)).config.max_msg_size, MAX_BATCH_BYTES);
      await other.publish(tooLarge);
      assert.equal((await other.lastPublished())?.revision, 22);
    } finally {
      await other.close();
    }
  });
});
