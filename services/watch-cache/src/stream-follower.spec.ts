import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { historyMarker, type KeyChange, type RevisionBatch } from '@kapi/event-bus';
import { PROGRESS_KEY } from '@kapi/storage';
import { createLogger } from '@kapi/telemetry';
import { WatchStore, type WatchEventOut } from '@kapi/watch-store';
import { ResyncNeeded, StreamFollower } from './stream-follower.js';

const PREFIX = '/registry/configmaps/';
const key = (name: string) => `${PREFIX}ns/${name}`;
const configMap = (name: string, data: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data });
const put = (name: string, revision: number, value: string): KeyChange => ({ type: 'PUT', key: key(name), value, createRevision: revision, modRevision: revision });
const batch = (revision: number, prevRevision: number, changes: KeyChange[]): RevisionBatch => ({ revision, prevRevision, changes });
const progress = (revision: number): RevisionBatch => batch(revision, 0, [{ type: 'PUT', key: PROGRESS_KEY, value: '{}', createRevision: 1, modRevision: revision }]);
const large = 'x'.repeat(1_400 * 1024);

/** etcd's history as the registry's History stream replays it; `compactedBefore` refuses older revisions. */
class FakeHistory {
  calls: number[] = [];
  revisions: RevisionBatch[] = [];
  compactedBefore = 0;
  replay = async (fromRevision: number, apply: (batch: RevisionBatch) => void): Promise<boolean> => {
    this.calls.push(fromRevision);
    if (fromRevision < this.compactedBefore) return false;
    for (const b of this.revisions) if (b.revision >= fromRevision) apply(b);
    return true;
  };
}

function setUp() {
  const store = new WatchStore();
  store.reset([{ key: key('big'), value: configMap('big', { v: '0' }), modRevision: 10 }], 10);
  const history = new FakeHistory();
  let advanced = 0;
  const follower = new StreamFollower(store, history.replay, createLogger({}, { write: () => {} }), () => advanced++);
  const watch = store.watch(PREFIX, () => true, 10);
  const reader = watch[Symbol.asyncIterator]();
  const received = async (count: number) => {
    const out: WatchEventOut[] = [];
    while (out.length < count) out.push((await reader.next()).value as WatchEventOut);
    return out.map((e) => `${e.type} ${e.object.metadata.name}@${e.revision} ${e.object.data.v.length}`);
  };
  return { store, history, follower, watch, received, advanced: () => advanced };
}

describe('StreamFollower', () => {
  it('fills a history marker\'s revision from etcd history, keeping open watches, and goes on after it', async () => {
    const { store, history, follower, watch, received, advanced } = setUp();
    // Revision 12 replaced the object with one too large for the stream: the publisher sent a marker.
    const replaced = batch(12, 11, [put('big', 12, configMap('big', { v: large }))]);
    history.revisions = [replaced, progress(13)];
    await follower.follow(batch(11, 10, [put('small', 11, configMap('small', { v: '1' }))]));
    await follower.follow(historyMarker(replaced));
    assert.deepEqual(history.calls, [12]);
    assert.equal(store.revision, 13, 'history was read up to the progress mark made after it began');
    // The progress write's own batch arrives later on the stream and is already covered.
    await follower.follow(batch(13, 12, progress(13).changes));
    await follower.follow(batch(14, 13, [put('big', 14, configMap('big', { v: 'after' }))]));
    assert.deepEqual(await received(3), ['ADDED small@11 1', `MODIFIED big@12 ${large.length}`, 'MODIFIED big@14 5']);
    assert.equal(store.list(PREFIX, () => true).find((o) => o.key === key('big'))?.object.data.v, 'after');
    assert.equal(watch.isClosed, false);
    assert.deepEqual(history.calls, [12], 'history is read once');
    assert.ok(advanced() >= 3);
  });

  it('needs no history for a marker the store has already passed', async () => {
    const { store, history, follower } = setUp();
    await follower.follow(batch(12, 10, [put('big', 12, configMap('big', { v: '2' }))]));
    await follower.follow(historyMarker(batch(11, 10, [])));
    assert.deepEqual(history.calls, []);
    assert.equal(store.revision, 12);
  });

  it('asks for a new snapshot when etcd has compacted the marker\'s revision', async () => {
    const { history, follower } = setUp();
    history.compactedBefore = 20;
    await assert.rejects(follower.follow(historyMarker(batch(12, 10, []))), (err: unknown) => {
      assert.ok(err instanceof ResyncNeeded);
      assert.match(err.message, /revision 12 was too large for the event stream, and etcd no longer has that history/);
      return true;
    });
  });

  it('never passes over a marker\'s revision that history did not bring', async () => {
    const { store, follower } = setUp();
    // A History answer that ends before the marker's revision (it cannot, but if it did): no hole.
    await assert.rejects(follower.follow(historyMarker(batch(12, 10, []))), ResyncNeeded);
    assert.equal(store.revision, 10);
  });

  it('repairs a gap before a marker and the marker in one read of history', async () => {
    const { store, history, follower } = setUp();
    history.revisions = [batch(11, 0, [put('a', 11, configMap('a', { v: '1' }))]), batch(12, 0, [put('big', 12, configMap('big', { v: large }))]), progress(13)];
    await follower.follow(historyMarker(batch(12, 11, [])));
    assert.deepEqual(history.calls, [11]);
    assert.equal(store.revision, 13);
  });
});
