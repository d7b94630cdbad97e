import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { registryV1, watchcacheV1 } from '@kapi/proto';
import { createClient, grpc } from './client.js';
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

/** Get answers once `release` is called; Snapshot streams until the call ends. */
function slowRegistry() {
  const waiting: Array<() => void> = [];
  const streams: CallContext[] = [];
  const definition = { get: registryV1.RegistryService.get, snapshot: registryV1.RegistryService.snapshot };
  const implementation = {
    get: async (request: registryV1.GetRequest) => {
      await new Promise<void>((resolve) => waiting.push(resolve));
      return { object: Buffer.from(JSON.stringify({ name: request.name })), status: Buffer.alloc(0), warnings: [], created: false };
    },
    snapshot: async function* (_request: registryV1.SnapshotRequest, ctx: CallContext) {
      streams.push(ctx);
      yield { revision: 1, items: [] };
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
    },
  };
  return { definition, handlers: toGrpcHandlers(definition, implementation), waiting, streams };
}

/** A registry client as the identity that may call these methods: a front door for Get, a watch-cache for Snapshot. */
const registryClient = (port: number, as: 'aggregator' | 'watch-cache') =>
  createClient(registryV1.RegistryClient, [`127.0.0.1:${port}`], pki.credentials(as).channelTo('registry'), 'registry');

async function serve() {
  const registry = slowRegistry();
  const handle = await startGrpcServer('127.0.0.1:0', [{ definition: registry.definition, handlers: registry.handlers }], { credentials: pki.credentials('registry') });
  const client = registryClient(handle.port, 'aggregator');
  const streamer = registryClient(handle.port, 'watch-cache');
  const get = (name: string) =>
    new Promise<{ err: grpc.ServiceError | null; name?: string }>((resolve) =>
      client.get({ resource: undefined, name, subresource: '', resourceVersion: '', query: '', context: undefined }, (err, reply) =>
        resolve({ err, name: reply ? (JSON.parse(reply.object.toString()) as { name: string }).name : undefined }),
      ),
    );
  return { registry, handle, client: { close: () => (client.close(), streamer.close()) }, streamer, get };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await sleep(10);
  assert.ok(condition());
}

describe('a gRPC server shutting down', () => {
  it('lets a call in flight finish before it stops, and takes no new call', async () => {
    const { registry, handle, client, get } = await serve();
    try {
      const inFlight = get('in-flight');
      await until(() => registry.waiting.length === 1);
      let stopped = false;
      const stopping = handle.stop().then(() => (stopped = true));
      await sleep(200);
      assert.equal(stopped, false, 'still waiting for the call in flight');
      const late = await get('late');
      assert.equal(late.err?.code, grpc.status.UNAVAILABLE, 'a call after the shutdown began goes nowhere here');
      registry.waiting.shift()!();
      assert.deepEqual(await inFlight, { err: null, name: 'in-flight' });
      await stopping;
      assert.equal(stopped, true);
    } finally {
      client.close();
    }
  });

  it('ends a server stream with UNAVAILABLE at once, so its client resumes on another replica', async () => {
    const { registry, handle, client, streamer } = await serve();
    try {
      const stream = streamer.snapshot({ prefix: '/registry/' });
      const ended = new Promise<grpc.ServiceError | 'end'>((resolve) => {
        stream.on('data', () => undefined);
        stream.on('error', (err: grpc.ServiceError) => resolve(err));
        stream.on('end', () => resolve('end'));
      });
      await until(() => registry.streams.length === 1);
      await handle.stop();
      const outcome = await ended;
      assert.notEqual(outcome, 'end');
      assert.equal((outcome as grpc.ServiceError).code, grpc.status.UNAVAILABLE);
      assert.match((outcome as grpc.ServiceError).details, /the server is shutting down/);
      assert.equal(registry.streams[0].signal.aborted, true, 'the implementation is told to stop');
    } finally {
      client.close();
    }
  });

  it('cancels what is still running once the grace period is over', async () => {
    const { registry, handle, client, get } = await serve();
    try {
      const stuck = get('stuck');
      await until(() => registry.waiting.length === 1);
      await handle.stop(300);
      const outcome = await stuck;
      assert.ok(outcome.err, 'the call did not finish in time and was cut');
    } finally {
      client.close();
    }
  });
});

describe('a server stream whose implementation fails', () => {
  it('ends with the failure as its status, not with a stream left open', async () => {
    const definition = { snapshot: registryV1.RegistryService.snapshot };
    const handlers = toGrpcHandlers(definition, {
      snapshot: async function* () {
        throw { code: grpc.status.FAILED_PRECONDITION, details: 'no such prefix' };
      },
    });
    const handle = await startGrpcServer('127.0.0.1:0', [{ definition, handlers }], { credentials: pki.credentials('registry') });
    const client = registryClient(handle.port, 'watch-cache');
    try {
      const stream = client.snapshot({ prefix: '/nowhere/' });
      const err = await new Promise<grpc.ServiceError>((resolve) => {
        stream.on('data', () => undefined);
        stream.on('error', resolve);
      });
      assert.equal(err.code, grpc.status.FAILED_PRECONDITION);
      assert.equal(err.details, 'no such prefix');
    } finally {
      client.close();
      await handle.stop();
    }
  });
});
