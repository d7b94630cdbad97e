// The JetStream event bus against a real nats-server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startNats, type NatsHandle } from '@kapi/local-stack';
import type { RevisionBatch } from './events.js';
import { JetStreamEventBus } from './jetstream-bus.js';

const batch = (revision: number, prevRevision: number): RevisionBatch => ({
  revision,
  prevRevision,
  changes: [{ type: 'PUT', key: `/registry/configmaps/ns/c${revision}`, value: '{}', createRevision: revision, modRevision: revision }],
});

describe('JetStreamEventBus', () => {
  let nats: NatsHandle;
  let dir: string;
  let bus: JetStreamEventBus;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kapi-bus-'));
    nats = await startNats({ storeDir: join(dir, 'js'), port: await freePort(), monitorPort: await freePort() });
    bus = await JetStreamEventBus.connect({ url: nats.url, name: 'test' });
  });

  after(async () => {
    await bus.close();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts empty', async () => {
    assert.equal(await bus.lastPublished(), undefined);
    assert.equal(await bus.lastSequence(), 0);
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
    for await (const { sequence, batch: b } of bus.subscribe(2)) {
      seen.push(b.revision);
      assert.equal(sequence, seen.length + 1);
      if (seen.length === 2) break;
    }
    assert.deepEqual(seen, [11, 12]);
  });

  it('a second connection sees the same stream (another replica)', async () => {
    const other = await JetStreamEventBus.connect({ url: nats.url, name: 'replica-2' });
    try {
      assert.equal((await other.lastPublished())?.revision, 12);
    } finally {
      await other.close();
    }
  });
});
