import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ListWatch, ObjectLike, ResourceRef, WatchEvent } from './list-watch.js';
import { Reflector, type ReflectorSink } from './reflector.js';

type Obj = ObjectLike & { data?: string };
const ref = (resource: string): ResourceRef => ({ group: 'rbac.authorization.k8s.io', version: 'v1', resource });
const RESOURCES = ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'].map(ref);
const byName = { keyOf: (r: ResourceRef) => r.resource };

/** A list-and-watch source driven by the test: each watch is a queue the test pushes into. */
class FakeSource implements ListWatch<Obj> {
  lists: Record<string, number> = {};
  watches: { resource: string; rv: string; push: (e: WatchEvent<Obj> | 'end') => void }[] = [];
  items: Record<string, Obj[]> = {};
  failLists = 0;

  async list(resource: ResourceRef) {
    this.lists[resource.resource] = (this.lists[resource.resource] ?? 0) + 1;
    if (this.failLists > 0) {
      this.failLists--;
      throw new Error('watch cache unavailable');
    }
    return { items: this.items[resource.resource] ?? [], resourceVersion: '10' };
  }

  async *watch(resource: ResourceRef, rv: string, signal: AbortSignal): AsyncIterable<WatchEvent<Obj>> {
    const queue: (WatchEvent<Obj> | 'end')[] = [];
    let wake: (() => void) | undefined;
    this.watches.push({ resource: resource.resource, rv, push: (e) => (queue.push(e), wake?.()) });
    signal.addEventListener('abort', () => wake?.());
    while (!signal.aborted) {
      if (!queue.length) await new Promise<void>((r) => (wake = r));
      const e = queue.shift();
      if (e === undefined) continue;
      if (e === 'end') return;
      yield e;
    }
  }

  watchOf(resource: string) {
    return this.watches.filter((w) => w.resource === resource).at(-1)!;
  }
}

/** A sink that keeps objects by resource and name. */
class MapSink implements ReflectorSink<Obj> {
  readonly held = new Map<string, Map<string, Obj>>();
  replace(resource: string, items: Obj[]) {
    this.held.set(resource, new Map(items.map((i) => [i.metadata?.name ?? '', i])));
  }
  apply(resource: string, type: string, object: Obj) {
    const names = this.held.get(resource) ?? new Map();
    if (type === 'DELETED') names.delete(object.metadata?.name ?? '');
    else names.set(object.metadata?.name ?? '', object);
    this.held.set(resource, names);
  }
  names(resource: string) {
    return [...(this.held.get(resource)?.keys() ?? [])];
  }
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const obj = (name: string, resourceVersion?: string): Obj => ({ metadata: { name, namespace: 'x', resourceVersion } });

describe('Reflector', () => {
  it('lists every resource, then applies watch events from the list\'s resourceVersion', async () => {
    const source = new FakeSource();
    source.items.rolebindings = [obj('a')];
    const sink = new MapSink();
    const reflector = new Reflector(RESOURCES, source, sink, { retryMs: 5, ...byName });
    reflector.start();
    assert.equal(await reflector.waitUntilSynced(1000), true);
    assert.deepEqual(reflector.pending, []);
    assert.deepEqual(sink.names('rolebindings'), ['a']);
    await until(() => source.watches.length === 4);
    assert.ok(source.watches.every((w) => w.rv === '10'));
    source.watchOf('rolebindings').push({ type: 'ADDED', object: obj('b') });
    source.watchOf('rolebindings').push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '12' } } });
    source.watchOf('rolebindings').push({ type: 'DELETED', object: obj('a') });
    await until(() => reflector.eventsApplied === 2);
    assert.deepEqual(sink.names('rolebindings'), ['b']);
    await reflector.stop();
  });

  it('names resources by their GroupResource unless told otherwise', async () => {
    const source = new FakeSource();
    const reflector = new Reflector([ref('roles'), { group: '', version: 'v1', resource: 'namespaces' }], source, new MapSink(), { retryMs: 5 });
    assert.deepEqual(reflector.pending, ['roles.rbac.authorization.k8s.io', 'namespaces']);
    reflector.start();
    await reflector.waitUntilSynced(1000);
    assert.equal(reflector.revision('namespaces'), 10);
    await reflector.stop();
  });

  it('says how far each resource has been read: its list, then its events and bookmarks; a list says it afresh', async () => {
    const source = new FakeSource();
    const reflector = new Reflector(RESOURCES, source, new MapSink(), { retryMs: 5, ...byName });
    assert.equal(reflector.revision('clusterroles'), 0);
    assert.deepEqual(reflector.behind({ clusterroles: 5 }), ['clusterroles at 0 of 5']);
    reflector.start();
    await reflector.waitUntilSynced(1000);
    await until(() => source.watches.length === 4);
    assert.equal(reflector.revision('clusterroles'), 10);
    assert.deepEqual(reflector.behind({ clusterroles: 10, clusterrolebindings: 9 }), []);
    assert.deepEqual(reflector.behind({ clusterroles: 12, clusterrolebindings: 14 }), ['clusterroles at 10 of 12', 'clusterrolebindings at 10 of 14']);

    source.watchOf('clusterroles').push({ type: 'ADDED', object: obj('a', '12') });
    source.watchOf('clusterrolebindings').push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '14' } } });
    await until(() => reflector.revision('clusterroles') === 12 && reflector.revision('clusterrolebindings') === 14);
    assert.deepEqual(reflector.behind({ clusterroles: 12, clusterrolebindings: 14 }), []);
    // Another resource's progress says nothing about this one.
    assert.equal(reflector.revision('roles'), 10);

    source.watchOf('clusterroles').push({ type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old resource version' } });
    await until(() => source.lists.clusterroles === 2);
    assert.equal(reflector.revision('clusterroles'), 10);
    await reflector.stop();
  });

  it('lists again after an ERROR event (e.g. 410 Expired) and after the stream ends', async () => {
    const source = new FakeSource();
    const sink = new MapSink();
    const reflector = new Reflector(RESOURCES, source, sink, { retryMs: 5, ...byName });
    reflector.start();
    await reflector.waitUntilSynced(1000);
    await until(() => source.watches.length === 4);
    source.items.rolebindings = [obj('fresh')];
    source.watchOf('rolebindings').push({ type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old resource version' } });
    await until(() => source.lists.rolebindings === 2 && sink.names('rolebindings').length === 1);
    source.items.rolebindings = [];
    await until(() => source.watches.filter((w) => w.resource === 'rolebindings').length === 2);
    source.watchOf('rolebindings').push('end');
    await until(() => source.lists.rolebindings === 3 && sink.names('rolebindings').length === 0);
    await reflector.stop();
  });

  it('retries failed lists and is not synced until every resource was listed', async () => {
    const source = new FakeSource();
    source.failLists = 6;
    const reflector = new Reflector(RESOURCES, source, new MapSink(), { retryMs: 5, maxRetryMs: 20, ...byName });
    reflector.start();
    assert.equal(reflector.synced, false);
    assert.equal(await reflector.waitUntilSynced(2000), true);
    const total = Object.values(source.lists).reduce((a, b) => a + b, 0);
    assert.equal(total, 10);
    await reflector.stop();
  });

  it('stops cleanly while waiting, and reports not synced to a waiter', async () => {
    const source = new FakeSource();
    source.failLists = 1000;
    const reflector = new Reflector(RESOURCES, source, new MapSink(), { retryMs: 5, ...byName });
    reflector.start();
    const waiting = reflector.waitUntilSynced(5000);
    await reflector.stop();
    assert.equal(await waiting, false);
  });
});
