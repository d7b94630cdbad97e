import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { isStatusError } from '@kapi/api-machinery';
import { healthV1 } from '@kapi/proto';
import { createClient, isRetriedCall, unary } from './client.js';
import { healthService } from './health.js';
import { startGrpcServer, toGrpcHandlers, type CallContext } from './server.js';
import { createTestPki } from './test-pki.fixture.js';

const pki = createTestPki();
after(() => pki.remove());
const server = pki.credentials('registry');
const caller = pki.credentials('aggregator');
const clientOf = (port: number) => createClient(healthV1.HealthClient, [`127.0.0.1:${port}`], caller.channelTo('registry'), 'registry');

/** A port nothing listens on (yet). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const check = (client: healthV1.HealthClient, options?: { waitForReplica?: boolean }) => unary('probe', 'Check', client.check.bind(client), {}, options);

/** A client of a replica that starts listening `afterMs` from now, on a port closed until then. */
async function replicaStartingLater(afterMs: number) {
  const port = await closedPort();
  const client = clientOf(port);
  const started = new Promise<Awaited<ReturnType<typeof startGrpcServer>>>((resolve) =>
    setTimeout(() => resolve(startGrpcServer(`127.0.0.1:${port}`, [healthService('probe', [])], { credentials: server })), afterMs),
  );
  return { client, close: async () => (client.close(), await (await started).stop()) };
}

describe('unary', () => {
  it('waits briefly for a replica that is coming back, so a restart under traffic is not an error', async () => {
    // The first attempt meets a closed port; the server is there before the retry gives up.
    const replica = await replicaStartingLater(300);
    try {
      assert.equal((await check(replica.client)).service, 'probe');
    } finally {
      await replica.close();
    }
  });

  it('does not wait for a replica when the caller probes the state of now', async () => {
    const replica = await replicaStartingLater(1000);
    try {
      await assert.rejects(check(replica.client, { waitForReplica: false }), /the probe service is unavailable: connect ECONNREFUSED/);
    } finally {
      await replica.close();
    }
  });

  it('answers 503 naming the first failure when no replica comes back', async () => {
    const port = await closedPort();
    const client = clientOf(port);
    try {
      await assert.rejects(check(client), (err: unknown) => {
        assert.ok(isStatusError(err));
        assert.equal(err.httpCode, 503);
        assert.equal(err.message, `the probe service is unavailable: connect ECONNREFUSED 127.0.0.1:${port}`);
        return true;
      });
    } finally {
      client.close();
    }
  });
});

describe('a retried call', () => {
  it('is marked as a retry, so a server that records its writes answers it from the first attempt; the first attempt is not', async () => {
    const seen: boolean[] = [];
    const recording = {
      definition: healthV1.HealthService,
      handlers: toGrpcHandlers(healthV1.HealthService, {
        check: async (_request: healthV1.CheckRequest, ctx: CallContext) => {
          seen.push(isRetriedCall(ctx.metadata));
          return { ready: true, service: 'probe', checks: [] };
        },
      }),
    };
    // The first attempt meets a closed port (UNAVAILABLE); the retry reaches the replica once it is up.
    const port = await closedPort();
    const client = clientOf(port);
    const started = new Promise<Awaited<ReturnType<typeof startGrpcServer>>>((resolve) =>
      setTimeout(() => resolve(startGrpcServer(`127.0.0.1:${port}`, [recording], { credentials: server })), 300),
    );
    try {
      await check(client);
      assert.deepEqual(seen, [true]);
      await check(client);
      assert.deepEqual(seen, [true, false], 'a call that needed no retry is not marked');
    } finally {
      client.close();
      await (await started).stop();
    }
  });
});

describe('a call serving a request with a deadline', () => {
  /** A Health service whose Check reports the deadline it was given, after `delayMs`. */
  async function deadlineReporter(delayMs = 0) {
    const seen: (number | undefined)[] = [];
    const handle = await startGrpcServer(
      '127.0.0.1:0',
      [
        {
          definition: healthV1.HealthService,
          handlers: toGrpcHandlers(healthV1.HealthService, {
            check: async (_request: healthV1.CheckRequest, ctx: CallContext) => {
              seen.push(ctx.deadline);
              await new Promise((r) => setTimeout(r, delayMs));
              return { ready: true, service: 'probe', checks: [] };
            },
          }),
        },
      ],
      { credentials: server },
    );
    const client = clientOf(handle.port);
    return { seen, client, close: async () => (client.close(), await handle.stop()) };
  }

  it('carries the deadline to the server, which may pass it on; a call without one has the 30 s default', async () => {
    const reporter = await deadlineReporter();
    try {
      const deadline = Date.now() + 45_000;
      await unary('probe', 'Check', reporter.client.check.bind(reporter.client), {}, { deadline });
      const before = Date.now();
      await check(reporter.client);
      const [carried, defaulted] = reporter.seen;
      // grpc-js sends the remaining time, so the server's clock reads it back within a few ms.
      assert.ok(carried !== undefined && Math.abs(carried - deadline) < 1000, `deadline ${carried} for ${deadline}`);
      assert.ok(defaulted !== undefined && defaulted >= before + 29_000 && defaulted <= Date.now() + 31_000, `default deadline ${defaulted}`);
    } finally {
      await reporter.close();
    }
  });

  it('fails as the request\'s timeout, in kube\'s words, when the deadline passes', async () => {
    const reporter = await deadlineReporter(2000);
    try {
      await assert.rejects(unary('probe', 'Check', reporter.client.check.bind(reporter.client), {}, { deadline: Date.now() + 200 }), (err: unknown) => {
        assert.ok(isStatusError(err));
        assert.equal(err.httpCode, 504);
        assert.deepEqual(err.toStatus(), {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'Timeout: request did not complete within requested timeout - context deadline exceeded',
          reason: 'Timeout',
          details: {},
          code: 504,
        });
        return true;
      });
      // A deadline already past fails at once, without reaching the server.
      const calls = reporter.seen.length;
      await assert.rejects(unary('probe', 'Check', reporter.client.check.bind(reporter.client), {}, { deadline: Date.now() - 1 }), (err: unknown) => isStatusError(err) && err.httpCode === 504);
      assert.equal(reporter.seen.length, calls);
    } finally {
      await reporter.close();
    }
  });
});
