import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type * as grpc from '@grpc/grpc-js';
import { watchcacheV1 } from '@kapi/proto';
import { createClient } from './client.js';
import { startGrpcServer, toGrpcHandlers, type CallContext } from './server.js';
import { createTestPki } from './test-pki.fixture.js';

const MiB = 1024 * 1024;
const pki = createTestPki();
after(() => pki.remove());
const NONE = Buffer.alloc(0);

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * A server whose Watch streams events of `size` bytes, telling the test when the handler first waits
 * for the stream to drain and when the generator's cleanup has run. With `endAfterDrain`, the
 * stream ends that many events after that first wait; without, it goes on until cancelled.
 */
async function streamingServer(size: number, endAfterDrain?: number) {
  const waitsForDrain = deferred();
  const cleanedUp = deferred<{ sent: number; aborted: boolean }>();
  let last = Infinity;
  async function* watch(_req: watchcacheV1.WatchRequest, ctx: CallContext): AsyncIterable<watchcacheV1.WatchEvent> {
    let sent = 0;
    try {
      while (sent < last) yield { type: 'ADDED', object: Buffer.alloc(size, sent % 256), resourceVersion: String(++sent) };
    } finally {
      cleanedUp.resolve({ sent, aborted: ctx.signal.aborted });
    }
  }
  const handlers = toGrpcHandlers(watchcacheV1.WatchCacheService, {
    watch,
    list: async () => ({ list: NONE, status: NONE, notInCache: false, notReady: false }),
  });
  const handleWatch = handlers.watch as (call: grpc.ServerWritableStream<unknown, unknown>) => void;
  handlers.watch = (call: grpc.ServerWritableStream<unknown, unknown>) => {
    let written = 0;
    const write = call.write.bind(call);
    call.write = ((chunk: unknown) => (written++, write(chunk))) as typeof call.write;
    call.on('newListener', (event) => {
      if (event !== 'drain') return;
      if (endAfterDrain !== undefined && last === Infinity) last = written + endAfterDrain;
      waitsForDrain.resolve();
    });
    handleWatch(call);
  };
  const server = await startGrpcServer('127.0.0.1:0', [{ definition: watchcacheV1.WatchCacheService, handlers }], { credentials: pki.credentials('watch-cache') });
  const client = createClient(watchcacheV1.WatchCacheClient, [`127.0.0.1:${server.port}`], pki.credentials('aggregator').channelTo('watch-cache'), 'watch-cache');
  return {
    client,
    waitsForDrain: waitsForDrain.promise,
    cleanedUp: cleanedUp.promise,
    close: async () => {
      client.close();
      await server.stop();
    },
  };
}

describe('server streams', () => {
  it('finish the generator of a stream cancelled while it waits for the client to read', async () => {
    const server = await streamingServer(MiB / 4);
    try {
      // The client reads nothing, so flow control stops the server after the first event.
      const call = server.client.watch(watchcacheV1.WatchRequest.fromPartial({}));
      call.on('error', () => {});
      await server.waitsForDrain;
      call.cancel();
      const { aborted } = await server.cleanedUp;
      assert.equal(aborted, true);
    } finally {
      await server.close();
    }
  });

  it('go on after a wait for the client to read, delivering everything in order', async () => {
    const server = await streamingServer(MiB / 4, 3);
    try {
      const call = server.client.watch(watchcacheV1.WatchRequest.fromPartial({}));
      await server.waitsForDrain;
      const versions: number[] = [];
      for await (const e of call as AsyncIterable<watchcacheV1.WatchEvent>) {
        assert.equal(e.object.length, MiB / 4);
        versions.push(Number(e.resourceVersion));
      }
      const { sent, aborted } = await server.cleanedUp;
      assert.equal(aborted, false);
      assert.deepEqual(versions, Array.from({ length: sent }, (_, i) => i + 1));
    } finally {
      await server.close();
    }
  });
});
