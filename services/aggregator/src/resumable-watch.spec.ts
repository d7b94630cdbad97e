import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { watchcacheV1 } from '@kapi/proto';
import { ResumableWatch } from './resumable-watch.js';
import { FakeWatchCall as FakeCall } from './testing-neighbours.js';

const request = (fields: Partial<watchcacheV1.WatchRequest> = {}): watchcacheV1.WatchRequest => ({
  resource: undefined,
  resourceVersion: '10',
  labelSelector: '',
  fieldSelector: '',
  allowBookmarks: false,
  sendInitialEvents: false,
  name: '',
  ...fields,
});

const NOT_READY = { kind: 'Status', status: 'Failure', message: 'storage is (re)initializing', reason: 'TooManyRequests', details: { retryAfterSeconds: 1 }, code: 429 };

function harness(req: watchcacheV1.WatchRequest, options: { notReadyForMs?: number } = {}) {
  const calls: { request: watchcacheV1.WatchRequest; call: FakeCall }[] = [];
  const delivered: string[] = [];
  const failures: string[] = [];
  let ended = 0;
  const watch = new ResumableWatch(req, {
    open: (r) => {
      const call = new FakeCall();
      calls.push({ request: r, call });
      return call as never;
    },
    deliver: (e) => {
      delivered.push(`${e.type}@${e.resourceVersion}`);
      return true;
    },
    drain: () => {},
    fail: (message) => failures.push(message),
    end: () => ended++,
    retryDelayMs: 1,
    ...options,
  });
  watch.start();
  const settle = () => new Promise((r) => setTimeout(r, 10));
  return { watch, calls, delivered, failures, ended: () => ended, settle };
}

describe('ResumableWatch', () => {
  it('resumes a broken stream from the last resourceVersion it delivered', async () => {
    const h = harness(request());
    h.calls[0].call.send('ADDED', '11');
    h.calls[0].call.send('MODIFIED', '12');
    h.calls[0].call.fail();
    await h.settle();
    assert.equal(h.calls.length, 2);
    assert.equal(h.calls[1].request.resourceVersion, '12');
    h.calls[1].call.send('DELETED', '13');
    assert.deepEqual(h.delivered, ['ADDED@11', 'MODIFIED@12', 'DELETED@13']);
    assert.deepEqual(h.failures, []);
    assert.equal(h.ended(), 0);
  });

  it('resumes from the requested resourceVersion when nothing was delivered yet, and retries a replica that is not ready', async () => {
    const h = harness(request());
    h.calls[0].call.fail();
    await h.settle();
    h.calls[1].call.send('ERROR', '', { kind: 'Status', code: 503 });
    await h.settle();
    assert.equal(h.calls.length, 3);
    assert.deepEqual(h.calls.map((c) => c.request.resourceVersion), ['10', '10', '10']);
    assert.ok(h.calls[1].call.cancelled);
    assert.deepEqual(h.delivered, []);
  });

  it('starts a new watch over on another replica when the first one is not ready, whatever its resourceVersion', async () => {
    for (const req of [request(), request({ resourceVersion: '0' }), request({ resourceVersion: '', sendInitialEvents: true })]) {
      const h = harness(req);
      h.calls[0].call.send('ERROR', '', NOT_READY);
      await h.settle();
      assert.equal(h.calls.length, 2);
      assert.ok(h.calls[0].call.cancelled);
      assert.deepEqual(h.calls[1].request, req, 'the same request again');
      h.calls[1].call.send('ADDED', '11');
      assert.deepEqual(h.delivered, ['ADDED@11']);
      assert.deepEqual(h.failures, []);
    }
  });

  it('gives the client the not-ready answer once no replica has been ready for notReadyForMs', async () => {
    const h = harness(request({ resourceVersion: '0' }), { notReadyForMs: 5 });
    h.calls[0].call.send('ERROR', '', NOT_READY);
    await new Promise((r) => setTimeout(r, 20));
    h.calls[1].call.send('ERROR', '', NOT_READY);
    h.calls[1].call.emit('end');
    assert.equal(h.calls.length, 2);
    assert.deepEqual(h.delivered, ['ERROR@']);
    assert.equal(h.ended(), 1);
  });

  it('passes a 410 from the resumed stream on to the client', async () => {
    const h = harness(request());
    h.calls[0].call.fail();
    await h.settle();
    h.calls[1].call.send('ERROR', '', { kind: 'Status', code: 410 });
    h.calls[1].call.emit('end');
    assert.deepEqual(h.delivered, ['ERROR@']);
    assert.equal(h.ended(), 1);
  });

  it('cannot resume a watch still sending its initial state: it fails it', async () => {
    const h = harness(request({ resourceVersion: '0' }));
    h.calls[0].call.send('ADDED', '7');
    h.calls[0].call.fail();
    await h.settle();
    assert.equal(h.calls.length, 1);
    assert.deepEqual(h.failures, ['the watch cache is unavailable: connection dropped']);
    assert.equal(h.ended(), 1);
  });

  it('can resume once the initial-events-end bookmark has passed', async () => {
    const h = harness(request({ resourceVersion: '', sendInitialEvents: true }));
    h.calls[0].call.send('ADDED', '7');
    h.calls[0].call.send('BOOKMARK', '20', { metadata: { resourceVersion: '20', annotations: { 'k8s.io/initial-events-end': 'true' } } });
    h.calls[0].call.fail();
    await h.settle();
    assert.equal(h.calls[1].request.resourceVersion, '20');
    assert.equal(h.calls[1].request.sendInitialEvents, false);
  });

  it('ends quietly when the stream ends or is cancelled by us', async () => {
    const h = harness(request());
    h.calls[0].call.emit('end');
    assert.equal(h.ended(), 1);
    const g = harness(request());
    g.watch.stop();
    assert.ok(g.calls[0].call.cancelled);
    g.calls[0].call.fail(1, 'Cancelled');
    await g.settle();
    assert.equal(g.calls.length, 1);
    assert.deepEqual(g.failures, []);
  });
});
