import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { registryV1 } from '@kapi/proto';
import { createClient, grpc } from './client.js';
import { startGrpcServer, toGrpcHandlers, type CallContext } from './server.js';

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

async function serve() {
  const registry = slowRegistry();
  const handle = await startGrpcServer('127.0.0.1:0', [{ definition: registry.definition, handlers: registry.handlers }]);
  const client = createClient(registryV1.RegistryClient, [`127.0.0.1:${handle.port}`]);
  const get = (name: string) =>
    new Promise<{ err: grpc.ServiceError | null; name?: string }>((resolve) =>
      client.get({ resource: undefined, name, subresource: '', resourceVersion: '', query: '' }, (err, reply) =>
        resolve({ err, name: reply ? (JSON.parse(reply.object.toString()) as { name: string }).name : undefined }),
      ),
    );
  return { registry, handle, client, get };
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
    const { registry, handle, client } = await serve();
    try {
      const stream = client.snapshot({ prefix: '/registry/' });
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
    const handle = await startGrpcServer('127.0.0.1:0', [{ definition, handlers }]);
    const client = createClient(registryV1.RegistryClient, [`127.0.0.1:${handle.port}`]);
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
