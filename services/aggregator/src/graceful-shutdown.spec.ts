import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GracefulShutdown, type ShutdownSettings } from './graceful-shutdown.js';

/** A shutdown on a clock the test moves; `events` records what it did, in order, with the time. */
function harness(settings: Partial<ShutdownSettings> = {}) {
  let now = 0;
  const timers: Array<{ at: number; wake: () => void }> = [];
  const events: string[] = [];
  const shutdown = new GracefulShutdown(
    { delayMs: 3000, sendRetryAfter: false, watchTerminationGracePeriodMs: 0, drainTimeoutMs: 60_000, ...settings },
    {
      stopListening: () => events.push(`${now} stop listening`),
      closeConnections: () => events.push(`${now} close connections`),
      sleep: (ms) => new Promise<void>((wake) => timers.push({ at: now + ms, wake })),
      log: (phase) => events.push(`${now} ${phase}`),
    },
  );
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  const advance = async (ms: number) => {
    await settle();
    const until = now + ms;
    for (;;) {
      const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      timers.splice(timers.indexOf(due), 1);
      now = due.at;
      due.wake();
      await settle();
    }
    now = until;
    await settle();
  };
  return { shutdown, events, advance, settle };
}

describe('the front door shutting down, in kube-apiserver order', () => {
  it('serves through the delay (asking clients to reconnect), then stops listening, drains requests and ends watches, then closes', async () => {
    const { shutdown, events, advance } = harness();
    const request = shutdown.track('request');
    let watchEnded = false;
    const watchDone = shutdown.track('watch', () => (watchEnded = true));
    assert.deepEqual(shutdown.admit('/api/v1/namespaces'), { serve: true, closeConnection: false });

    const finished = shutdown.run();
    await advance(0);
    assert.equal(shutdown.shuttingDown, true, '/readyz fails from the first moment');
    assert.deepEqual(shutdown.admit('/api/v1/namespaces'), { serve: true, closeConnection: true }, 'still served during the delay');
    await advance(2999);
    assert.deepEqual(events, ['0 shutdown-initiated']);

    await advance(1);
    assert.deepEqual(events, ['0 shutdown-initiated', '3000 not-accepting', '3000 stop listening']);
    assert.equal(watchEnded, true, 'watches end once the listener is closed (no grace period by default)');
    watchDone();
    assert.deepEqual(shutdown.admit('/api/v1/namespaces'), { serve: false, code: 503, retryAfterSeconds: 1, message: 'apiserver is shutting down' });
    assert.deepEqual(shutdown.admit('/readyz'), { serve: true, closeConnection: true }, 'health checks are answered to the end');

    await advance(500);
    assert.equal(events.length, 3, 'waits for the request in flight');
    request();
    await advance(0);
    await finished;
    assert.deepEqual(events.slice(3), ['3500 drained', '3500 close connections']);
  });

  it('with sendRetryAfter, keeps listening and answers new requests 429 until the requests in flight are done', async () => {
    const { shutdown, events, advance } = harness({ sendRetryAfter: true });
    const request = shutdown.track('request');
    const finished = shutdown.run();
    await advance(3000);
    assert.deepEqual(events, ['0 shutdown-initiated', '3000 not-accepting']);
    assert.deepEqual(shutdown.admit('/api/v1/pods'), { serve: false, code: 429, retryAfterSeconds: 5, message: 'The apiserver is shutting down, please try again later.' });
    assert.deepEqual(shutdown.admit('/metrics'), { serve: true, closeConnection: true });
    request();
    await advance(0);
    await finished;
    assert.deepEqual(events.slice(2), ['3000 stop listening', '3000 drained', '3000 close connections']);
  });

  it('gives open watches their termination grace period before ending them', async () => {
    const { shutdown, advance } = harness({ watchTerminationGracePeriodMs: 10_000 });
    const ended: string[] = [];
    const polite = shutdown.track('watch', () => ended.push('polite'));
    shutdown.track('watch', () => ended.push('stubborn'));
    const finished = shutdown.run();
    await advance(3000 + 4000);
    polite();
    await advance(5999);
    assert.deepEqual(ended, [], 'still within the grace period');
    await advance(1);
    assert.deepEqual(ended, ['stubborn']);
    await finished;
  });

  it('stops waiting for requests in flight after the drain timeout', async () => {
    const { shutdown, events, advance } = harness({ drainTimeoutMs: 60_000 });
    shutdown.track('request');
    const finished = shutdown.run();
    await advance(3000 + 59_999);
    assert.equal(events.includes('63000 drained'), false);
    await advance(1);
    await finished;
    assert.deepEqual(events.slice(-2), ['63000 drained', '63000 close connections']);
  });

  it('runs once, however often it is asked', async () => {
    const { shutdown, advance } = harness({ delayMs: 0 });
    const first = shutdown.run();
    assert.equal(shutdown.run(), first);
    await advance(0);
    await first;
  });
});
