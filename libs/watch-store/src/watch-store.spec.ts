import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Channel } from './channel.js';
import { TooOldResourceVersionError, WatchStore, filterEvent, type ChangeInput, type WatchEventOut, type WatchFilter } from './watch-store.js';

const PREFIX = '/registry/configmaps/';
const key = (ns: string, name: string) => `${PREFIX}${ns}/${name}`;
const cmJson = (ns: string, name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data });

const all: WatchFilter = () => true;
const appWeb: WatchFilter = (o) => o.metadata?.labels?.app === 'web';

function put(ns: string, name: string, rev: number, labels: Record<string, string> = {}, data: Record<string, string> = {}, created = rev): ChangeInput {
  return { type: 'PUT', key: key(ns, name), value: cmJson(ns, name, labels, data), createRevision: created, modRevision: rev };
}
function del(ns: string, name: string, rev: number, prevValue?: string): ChangeInput {
  return { type: 'DELETE', key: key(ns, name), prevValue, createRevision: 0, modRevision: rev };
}

/** Reads what a channel has buffered without waiting and without closing it. */
function reader(ch: Channel<WatchEventOut>) {
  const it = ch[Symbol.asyncIterator]();
  return {
    async drain(): Promise<WatchEventOut[]> {
      const out: WatchEventOut[] = [];
      for (let n = ch.pending; n > 0; n--) {
        const r = await it.next();
        if (r.done) break;
        out.push(r.value);
      }
      return out;
    },
    next: () => it.next(),
  };
}

const summary = (events: WatchEventOut[]) => events.map((e) => `${e.type} ${e.object.metadata?.name}@${e.revision}`);

function seeded(windowSize?: number, watcherCapacity?: number) {
  const store = new WatchStore(windowSize, watcherCapacity);
  store.reset(
    [
      { key: key('ns', 'b'), value: cmJson('ns', 'b', { app: 'web' }), modRevision: 4 },
      { key: key('ns', 'a'), value: Buffer.from(cmJson('ns', 'a', { app: 'db' })), modRevision: 3 },
      { key: key('other', 'c'), value: cmJson('other', 'c', { app: 'web' }), modRevision: 5 },
    ],
    10,
  );
  return store;
}

describe('WatchStore.reset and list', () => {
  it('loads a snapshot with each object at its own resourceVersion', () => {
    const store = seeded();
    assert.equal(store.size, 3);
    assert.equal(store.revision, 10);
    assert.equal(store.oldestResumableRevision, 10);
    const items = store.list(PREFIX, all);
    assert.deepEqual(
      items.map((i) => [i.key, i.modRevision, i.object.metadata.resourceVersion]),
      [
        [key('ns', 'a'), 3, '3'],
        [key('ns', 'b'), 4, '4'],
        [key('other', 'c'), 5, '5'],
      ],
    );
    assert.deepEqual(items[0].object.metadata.labels, { app: 'db' });
  });

  it('lists by key prefix and filter, sorted by key', () => {
    const store = seeded();
    assert.deepEqual(
      store.list(`${PREFIX}ns/`, all).map((i) => i.object.metadata.name),
      ['a', 'b'],
    );
    assert.deepEqual(
      store.list(PREFIX, appWeb).map((i) => i.object.metadata.name),
      ['b', 'c'],
    );
    assert.deepEqual(store.list('/registry/secrets/', all), []);
  });

  it('replaces the previous state and ends every open watch with an error', async () => {
    const store = seeded();
    const ch = store.watch(PREFIX, all, undefined);
    assert.equal(store.watcherCount, 1);
    store.reset([], 20);
    assert.equal(store.size, 0);
    assert.equal(store.revision, 20);
    assert.equal(store.watcherCount, 0);
    assert.equal(ch.isClosed, true);
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of ch) seen.push(e.type);
      })(),
      /re-synchronised/,
    );
    assert.equal(seen.length, 3);
  });
});

describe('WatchStore.apply', () => {
  it('turns a create into ADDED, an update into MODIFIED and a delete into DELETED', async () => {
    const store = seeded();
    const r = reader(store.watch(PREFIX, all, 10));
    store.apply(11, [put('ns', 'new', 11)]);
    store.apply(12, [put('ns', 'a', 12, { app: 'db' }, { k: 'v' }, 3)]);
    store.apply(13, [del('ns', 'b', 13)]);
    const events = await r.drain();
    assert.deepEqual(summary(events), ['ADDED new@11', 'MODIFIED a@12', 'DELETED b@13']);
    assert.equal(events[0].object.metadata.resourceVersion, '11');
    assert.deepEqual(events[1].object.data, { k: 'v' });
    assert.equal(events[1].object.metadata.resourceVersion, '12');
    // The deleted object is its last state at the revision of the delete.
    assert.deepEqual(events[2].object.metadata.labels, { app: 'web' });
    assert.equal(events[2].object.metadata.resourceVersion, '13');
    assert.equal(store.revision, 13);
    assert.equal(store.size, 3);
    assert.deepEqual(store.list(PREFIX, all).map((i) => i.object.metadata.name), ['a', 'new', 'c']);
  });

  it('applies every change of one revision, in order', async () => {
    const store = seeded();
    const r = reader(store.watch(PREFIX, all, 10));
    store.apply(11, [put('ns', 'x', 11), put('ns', 'y', 11), del('ns', 'a', 11)]);
    assert.deepEqual(summary(await r.drain()), ['ADDED x@11', 'ADDED y@11', 'DELETED a@11']);
  });

  it('builds a DELETED event from etcd\'s previous value for a key it did not hold', async () => {
    const store = new WatchStore();
    store.reset([], 1);
    const r = reader(store.watch(PREFIX, all, 1));
    store.apply(2, [del('ns', 'ghost', 2, cmJson('ns', 'ghost', { app: 'web' }))]);
    const [e] = await r.drain();
    assert.equal(e.type, 'DELETED');
    assert.equal(e.object.metadata.name, 'ghost');
    assert.equal(e.object.metadata.resourceVersion, '2');
  });

  it('ignores the delete of a key it never held without a previous value', async () => {
    const store = new WatchStore();
    store.reset([], 1);
    const r = reader(store.watch(PREFIX, all, 1));
    store.apply(2, [del('ns', 'ghost', 2)]);
    assert.deepEqual(await r.drain(), []);
    assert.equal(store.revision, 2);
  });

  it('counts dispatched events', () => {
    const store = seeded();
    store.watch(PREFIX, all, 10);
    store.watch(PREFIX, appWeb, 10);
    store.apply(11, [put('ns', 'x', 11, { app: 'web' })]);
    store.apply(12, [put('ns', 'y', 12, { app: 'db' })]);
    assert.equal(store.eventsDispatched, 3);
  });

  it('moves the revision forward without changes on advance, and never backwards', () => {
    const store = seeded();
    store.advance(15);
    assert.equal(store.revision, 15);
    store.advance(12);
    assert.equal(store.revision, 15);
  });
});

describe('WatchStore.watch from the current state', () => {
  it('starts with the matching objects as ADDED, then follows changes', async () => {
    const store = seeded();
    const r = reader(store.watch(PREFIX, appWeb, undefined));
    assert.deepEqual(summary(await r.drain()), ['ADDED b@4', 'ADDED c@5']);
    store.apply(11, [put('ns', 'd', 11, { app: 'web' })]);
    assert.deepEqual(summary(await r.drain()), ['ADDED d@11']);
  });

  it('treats resourceVersion 0 like no resourceVersion', async () => {
    const store = seeded();
    const r = reader(store.watch(`${PREFIX}ns/`, all, 0));
    assert.deepEqual(summary(await r.drain()), ['ADDED a@3', 'ADDED b@4']);
  });

  it('only sees keys under its prefix', async () => {
    const store = seeded();
    const r = reader(store.watch(`${PREFIX}other/`, all, undefined));
    await r.drain();
    store.apply(11, [put('ns', 'x', 11), put('other', 'y', 11)]);
    assert.deepEqual(summary(await r.drain()), ['ADDED y@11']);
  });

  it('does not deliver events at or before the revision it started from', async () => {
    const store = seeded();
    const r = reader(store.watch(PREFIX, all, undefined));
    await r.drain();
    // A late event for a revision the snapshot already covers.
    store.apply(10, [put('ns', 'late', 10)]);
    assert.deepEqual(await r.drain(), []);
    store.apply(11, [put('ns', 'fresh', 11)]);
    assert.deepEqual(summary(await r.drain()), ['ADDED fresh@11']);
  });

  it('delivers an event to a waiting reader', async () => {
    const store = seeded();
    const r = reader(store.watch(PREFIX, all, 10));
    const next = r.next();
    store.apply(11, [put('ns', 'x', 11)]);
    const got = await next;
    assert.equal(got.done, false);
    assert.equal((got.value as WatchEventOut).type, 'ADDED');
  });
});

describe('WatchStore.watch with a selector', () => {
  it('sends ADDED when an object starts matching and DELETED when it stops', async () => {
    const store = seeded();
    const r = reader(store.watch(PREFIX, appWeb, 10));
    store.apply(11, [put('ns', 'x', 11, { app: 'db' })]); // never matched: nothing
    store.apply(12, [put('ns', 'x', 12, { app: 'web' }, {}, 11)]); // starts matching
    store.apply(13, [put('ns', 'x', 13, { app: 'web' }, { k: 'v' }, 11)]); // still matching
    store.apply(14, [put('ns', 'x', 14, { app: 'db' }, { k: 'v' }, 11)]); // stops matching
    store.apply(15, [put('ns', 'x', 15, { app: 'db' }, { k: 'w' }, 11)]); // still not matching
    store.apply(16, [del('ns', 'x', 16)]); // deleted while not matching: nothing
    assert.deepEqual(summary(await r.drain()), ['ADDED x@12', 'MODIFIED x@13', 'DELETED x@14']);
  });

  it('sends DELETED for a matching object that is deleted', async () => {
    const store = seeded();
    const r = reader(store.watch(PREFIX, appWeb, 10));
    store.apply(11, [del('ns', 'b', 11), del('ns', 'a', 11)]);
    assert.deepEqual(summary(await r.drain()), ['DELETED b@11']);
  });

  it('sends the last matching content when an object stops matching, at the new resourceVersion', async () => {
    const store = seeded();
    const r = reader(store.watch(PREFIX, appWeb, 10));
    store.apply(11, [put('ns', 'b', 11, { app: 'db' }, {}, 4)]);
    const [e] = await r.drain();
    assert.equal(e.type, 'DELETED');
    assert.equal(e.object.metadata.resourceVersion, '11');
    // kube's cacheWatcher sends the previous object (the one the watcher last saw matching).
    assert.deepEqual(e.object.metadata.labels, { app: 'web' });
  });
});

describe('filterEvent', () => {
  const obj = (app: string) => ({ metadata: { name: 'x', labels: { app } } });
  it('implements the watch-cache transition rules', () => {
    const ev = (type: 'ADDED' | 'MODIFIED' | 'DELETED', now: string, before?: string) => ({
      type,
      key: 'k',
      revision: 9,
      object: obj(now),
      prevObject: before === undefined ? undefined : obj(before),
    });
    assert.equal(filterEvent(ev('ADDED', 'web'), appWeb)?.type, 'ADDED');
    assert.equal(filterEvent(ev('ADDED', 'db'), appWeb), undefined);
    assert.equal(filterEvent(ev('MODIFIED', 'web', 'web'), appWeb)?.type, 'MODIFIED');
    assert.equal(filterEvent(ev('MODIFIED', 'web', 'db'), appWeb)?.type, 'ADDED');
    assert.equal(filterEvent(ev('MODIFIED', 'db', 'web'), appWeb)?.type, 'DELETED');
    assert.equal(filterEvent(ev('MODIFIED', 'db', 'db'), appWeb), undefined);
    assert.equal(filterEvent(ev('DELETED', 'web', 'web'), appWeb)?.type, 'DELETED');
    assert.equal(filterEvent(ev('DELETED', 'db', 'db'), appWeb), undefined);
    assert.equal(filterEvent(ev('ADDED', 'web'), appWeb)?.revision, 9);
  });
});

describe('WatchStore.watch from a resourceVersion', () => {
  function history() {
    const store = new WatchStore(100);
    store.reset([], 10);
    store.apply(11, [put('ns', 'a', 11)]);
    store.apply(12, [put('ns', 'b', 12)]);
    store.apply(13, [put('ns', 'a', 13, { v: '2' }, {}, 11)]);
    store.apply(14, [del('ns', 'b', 14)]);
    return store;
  }

  it('replays the events after it from the window, then follows new ones', async () => {
    const store = history();
    const r = reader(store.watch(PREFIX, all, 12));
    assert.deepEqual(summary(await r.drain()), ['MODIFIED a@13', 'DELETED b@14']);
    store.apply(15, [put('ns', 'c', 15)]);
    assert.deepEqual(summary(await r.drain()), ['ADDED c@15']);
  });

  it('replays everything from the start of the window', async () => {
    const store = history();
    const r = reader(store.watch(PREFIX, all, 10));
    assert.deepEqual(summary(await r.drain()), ['ADDED a@11', 'ADDED b@12', 'MODIFIED a@13', 'DELETED b@14']);
  });

  it('replays nothing from the current revision', async () => {
    const store = history();
    const r = reader(store.watch(PREFIX, all, 14));
    assert.deepEqual(await r.drain(), []);
  });

  it('applies the selector to the replay', async () => {
    const store = new WatchStore(100);
    store.reset([], 10);
    store.apply(11, [put('ns', 'a', 11, { app: 'web' })]);
    store.apply(12, [put('ns', 'a', 12, { app: 'db' }, {}, 11)]);
    store.apply(13, [put('ns', 'z', 13, { app: 'db' })]);
    const r = reader(store.watch(PREFIX, appWeb, 10));
    assert.deepEqual(summary(await r.drain()), ['ADDED a@11', 'DELETED a@12']);
  });

  it('refuses a revision older than the window with TooOldResourceVersionError', () => {
    const store = history();
    assert.throws(
      () => store.watch(PREFIX, all, 9),
      (err: unknown) =>
        err instanceof TooOldResourceVersionError && err.requested === 9 && err.oldest === 10 && err.message === 'too old resource version: 9 (10)',
    );
    assert.equal(store.watcherCount, 0);
  });

  it('slides the window: dropped revisions can no longer be resumed from', async () => {
    const store = new WatchStore(2);
    store.reset([], 10);
    store.apply(11, [put('ns', 'a', 11)]);
    store.apply(12, [put('ns', 'b', 12)]);
    assert.equal(store.oldestResumableRevision, 10);
    store.apply(13, [put('ns', 'c', 13)]);
    store.apply(14, [put('ns', 'd', 14)]);
    assert.equal(store.oldestResumableRevision, 12);
    assert.throws(() => store.watch(PREFIX, all, 11), TooOldResourceVersionError);
    const r = reader(store.watch(PREFIX, all, 12));
    assert.deepEqual(summary(await r.drain()), ['ADDED c@13', 'ADDED d@14']);
  });

  it('keeps no more of large objects\' old versions than its byte budget, whatever the event count', async () => {
    const large = 'x'.repeat(100_000);
    const size = put('ns', 'big', 11, {}, { v: large }).value!.length;
    const store = new WatchStore(10_000, 1_000, 3 * size);
    store.reset([], 10);
    const live = reader(store.watch(PREFIX, all, 10));
    for (let rev = 11; rev <= 15; rev++) store.apply(rev, [put('ns', 'big', rev, {}, { v: large }, 11)]);
    // Three versions fit: 13, 14 and 15; a watch from before them must re-list.
    assert.equal(store.windowByteCount, 3 * size);
    assert.equal(store.oldestResumableRevision, 12);
    assert.throws(() => store.watch(PREFIX, all, 11), TooOldResourceVersionError);
    assert.deepEqual(summary(await reader(store.watch(PREFIX, all, 12)).drain()), ['MODIFIED big@13', 'MODIFIED big@14', 'MODIFIED big@15']);
    // A watcher that was already following got every event.
    assert.deepEqual(summary(await live.drain()), ['ADDED big@11', 'MODIFIED big@12', 'MODIFIED big@13', 'MODIFIED big@14', 'MODIFIED big@15']);
    // The delete keeps the last version in the window too, and counts it.
    store.apply(16, [del('ns', 'big', 16)]);
    assert.equal(store.windowByteCount, 3 * size);
    assert.equal(store.oldestResumableRevision, 13);
  });
});

describe('WatchStore slow watchers', () => {
  it('closes a watcher that cannot keep up without holding back the others', async () => {
    const store = new WatchStore(100, 3);
    store.reset([], 1);
    const slow = store.watch(PREFIX, all, 1);
    const fast = reader(store.watch(PREFIX, all, 1));
    const fastSeen: WatchEventOut[] = [];
    for (let rev = 2; rev <= 9; rev++) {
      store.apply(rev, [put('ns', `o${rev}`, rev)]);
      fastSeen.push(...(await fast.drain()));
    }
    assert.equal(fastSeen.length, 8);
    assert.deepEqual(fastSeen.map((e) => e.revision), [2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(slow.isClosed, true);
    assert.equal(store.watcherCount, 1);
    const slowSeen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of slow) slowSeen.push(e.revision);
      })(),
      /overflowed/,
    );
    // What it had queued before it overflowed is still delivered, in order and without gaps; at
    // least its configured capacity was queued, and it was closed well before the end.
    assert.ok(slowSeen.length >= 3 && slowSeen.length < 8, `slow watcher saw ${slowSeen.length} events`);
    assert.deepEqual(slowSeen, Array.from({ length: slowSeen.length }, (_, i) => i + 2));
  });

  it('sizes the initial buffer to hold the whole snapshot', async () => {
    const store = new WatchStore(100, 1);
    store.reset(
      Array.from({ length: 5 }, (_, i) => ({ key: key('ns', `o${i}`), value: cmJson('ns', `o${i}`), modRevision: i + 1 })),
      5,
    );
    const ch = store.watch(PREFIX, all, undefined);
    assert.equal(ch.isClosed, false);
    assert.equal((await reader(ch).drain()).length, 5);
  });
});

describe('WatchStore bookmarks', () => {
  it('marks the end of the initial events when asked (sendInitialEvents)', async () => {
    const store = seeded();
    const r = reader(store.watch(`${PREFIX}ns/`, all, undefined, { initialEventsEnd: true }));
    const events = await r.drain();
    assert.deepEqual(events.map((e) => e.type), ['ADDED', 'ADDED', 'BOOKMARK']);
    assert.deepEqual(events[2], { type: 'BOOKMARK', object: { initialEventsEnd: true }, revision: 10 });
    store.apply(11, [put('ns', 'x', 11)]);
    assert.deepEqual(summary(await r.drain()), ['ADDED x@11']);
  });

  it('sends no initial-events bookmark unless asked', async () => {
    const store = seeded();
    const events = await reader(store.watch(PREFIX, all, undefined)).drain();
    assert.ok(events.every((e) => e.type === 'ADDED'));
  });

  it('marks the end even when nothing matches', async () => {
    const store = seeded();
    const events = await reader(store.watch(PREFIX, () => false, undefined, { initialEventsEnd: true })).drain();
    assert.deepEqual(events, [{ type: 'BOOKMARK', object: { initialEventsEnd: true }, revision: 10 }]);
  });

  it('queues a progress bookmark behind the events already queued, at the current revision', async () => {
    const store = seeded();
    const ch = store.watch(PREFIX, all, 10);
    store.apply(11, [put('ns', 'x', 11)]);
    store.advance(15);
    store.bookmark(ch);
    const events = await reader(ch).drain();
    assert.deepEqual(events.map((e) => [e.type, e.revision]), [
      ['ADDED', 11],
      ['BOOKMARK', 15],
    ]);
  });
});

describe('WatchStore.unwatch', () => {
  it('stops delivery and ends the channel', async () => {
    const store = seeded();
    const ch = store.watch(PREFIX, all, 10);
    store.unwatch(ch);
    assert.equal(store.watcherCount, 0);
    assert.equal(ch.isClosed, true);
    store.apply(11, [put('ns', 'x', 11)]);
    const r = await reader(ch).next();
    assert.equal(r.done, true);
  });
});

describe('WatchStore bookmarks for a watch that started ahead of the cache', () => {
  it('never bookmark a revision older than the one the watch started from', async () => {
    const store = new WatchStore();
    store.reset([], 10);
    const channel = store.watch('/registry/configmaps/', () => true, 20);
    store.bookmark(channel);
    const iterator = channel[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.equal(first.value?.type, 'BOOKMARK');
    assert.equal(first.value?.revision, 20);
  });
});

describe('WatchStore.listAt', () => {
  const names = (items: { object: Record<string, any> }[] | undefined) => items?.map((i) => `${i.object.metadata.name}@${i.object.metadata.resourceVersion}`);

  it('answers the state at an earlier revision of the window by undoing later events', () => {
    const store = seeded();
    store.apply(11, [put('ns', 'new', 11)]);
    store.apply(12, [put('ns', 'a', 12, { app: 'web' }, {}, 3)]);
    store.apply(13, [del('ns', 'b', 13)]);
    assert.deepEqual(names(store.listAt(PREFIX, all, 13)), ['a@12', 'new@11', 'c@5']);
    assert.deepEqual(names(store.listAt(PREFIX, all, 12)), ['a@12', 'b@4', 'new@11', 'c@5']);
    assert.deepEqual(names(store.listAt(PREFIX, all, 11)), ['a@3', 'b@4', 'new@11', 'c@5']);
    assert.deepEqual(names(store.listAt(PREFIX, all, 10)), ['a@3', 'b@4', 'c@5']);
    assert.deepEqual(store.listAt(PREFIX, all, 10)?.map((i) => i.modRevision), [3, 4, 5]);
  });

  it('applies the selector to each object as it was then', () => {
    const store = seeded();
    store.apply(11, [put('ns', 'a', 11, { app: 'web' }, {}, 3)]);
    assert.deepEqual(names(store.listAt(PREFIX, appWeb, 10)), ['b@4', 'c@5']);
    assert.deepEqual(names(store.listAt(PREFIX, appWeb, 11)), ['a@11', 'b@4', 'c@5']);
    assert.deepEqual(names(store.listAt(`${PREFIX}other/`, all, 10)), ['c@5']);
  });

  it('cannot answer before the window or after the cache\'s revision', () => {
    const store = seeded(2);
    store.apply(11, [put('ns', 'x', 11)]);
    store.apply(12, [put('ns', 'y', 12)]);
    store.apply(13, [put('ns', 'z', 13)]);
    assert.equal(store.oldestResumableRevision, 11);
    assert.equal(store.listAt(PREFIX, all, 10), undefined);
    assert.deepEqual(names(store.listAt(PREFIX, all, 11))?.length, 4);
    assert.equal(store.listAt(PREFIX, all, 14), undefined);
  });
});
