import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RbacIndex, type RbacObject } from './rbac-index.js';
import { RbacReflector, type RbacListWatch, type RbacWatchEvent } from './reflector.js';
import type { RbacResource } from './types.js';

/** A list-and-watch source driven by the test: each watch is a queue the test pushes into. */
class FakeSource implements RbacListWatch {
  lists: Record<string, number> = {};
  watches: { resource: RbacResource; rv: string; push: (e: RbacWatchEvent | 'end') => void }[] = [];
  items: Partial<Record<RbacResource, RbacObject[]>> = {};
  failLists = 0;

  async list(resource: RbacResource) {
    this.lists[resource] = (this.lists[resource] ?? 0) + 1;
    if (this.failLists > 0) {
      this.failLists--;
      throw new Error('watch cache unavailable');
    }
    return { items: this.items[resource] ?? [], resourceVersion: '10' };
  }

  async *watch(resource: RbacResource, rv: string, signal: AbortSignal): AsyncIterable<RbacWatchEvent> {
    const queue: (RbacWatchEvent | 'end')[] = [];
    let wake: (() => void) | undefined;
    this.watches.push({ resource, rv, push: (e) => (queue.push(e), wake?.()) });
    signal.addEventListener('abort', () => wake?.());
    while (!signal.aborted) {
      if (!queue.length) await new Promise<void>((r) => (wake = r));
      const e = queue.shift();
      if (e === undefined) continue;
      if (e === 'end') return;
      yield e;
    }
  }

  watchOf(resource: RbacResource) {
    return this.watches.filter((w) => w.resource === resource).at(-1)!;
  }
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const binding = (name: string): RbacObject => ({ metadata: { name, namespace: 'x' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [] });

describe('RbacReflector', () => {
  it('lists every resource, then applies watch events from the list\'s resourceVersion', async () => {
    const source = new FakeSource();
    source.items.rolebindings = [binding('a')];
    const index = new RbacIndex();
    const reflector = new RbacReflector(index, source, { retryMs: 5 });
    reflector.start();
    assert.equal(await reflector.waitUntilSynced(1000), true);
    assert.deepEqual(reflector.pending, []);
    assert.deepEqual(index.roleBindings('x').map((b) => b.metadata?.name), ['a']);
    await until(() => source.watches.length === 4);
    assert.ok(source.watches.every((w) => w.rv === '10'));
    source.watchOf('rolebindings').push({ type: 'ADDED', object: binding('b') });
    source.watchOf('rolebindings').push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '12' } } as RbacObject });
    source.watchOf('rolebindings').push({ type: 'DELETED', object: binding('a') });
    await until(() => reflector.eventsApplied === 2);
    assert.deepEqual(index.roleBindings('x').map((b) => b.metadata?.name), ['b']);
    await reflector.stop();
  });

  it('says how far each resource has been read: its list, then its events and bookmarks; a list says it afresh', async () => {
    const source = new FakeSource();
    const reflector = new RbacReflector(new RbacIndex(), source, { retryMs: 5 });
    assert.equal(reflector.revision('clusterroles'), 0);
    assert.deepEqual(reflector.behind({ clusterroles: 5 }), ['clusterroles at 0 of 5']);
    reflector.start();
    await reflector.waitUntilSynced(1000);
    await until(() => source.watches.length === 4);
    assert.equal(reflector.revision('clusterroles'), 10);
    assert.deepEqual(reflector.behind({ clusterroles: 10, clusterrolebindings: 9 }), []);
    assert.deepEqual(reflector.behind({ clusterroles: 12, clusterrolebindings: 14 }), ['clusterroles at 10 of 12', 'clusterrolebindings at 10 of 14']);

    const role = (name: string, rv: string): RbacObject => ({ metadata: { name, resourceVersion: rv }, rules: [] });
    source.watchOf('clusterroles').push({ type: 'ADDED', object: role('a', '12') });
    source.watchOf('clusterrolebindings').push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '14' } } as RbacObject });
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
    const index = new RbacIndex();
    const reflector = new RbacReflector(index, source, { retryMs: 5 });
    reflector.start();
    await reflector.waitUntilSynced(1000);
    await until(() => source.watches.length === 4);
    source.items.rolebindings = [binding('fresh')];
    source.watchOf('rolebindings').push({ type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old resource version' } });
    await until(() => source.lists.rolebindings === 2 && index.roleBindings('x').length === 1);
    source.items.rolebindings = [];
    await until(() => source.watches.filter((w) => w.resource === 'rolebindings').length === 2);
    source.watchOf('rolebindings').push('end');
    await until(() => source.lists.rolebindings === 3 && index.roleBindings('x').length === 0);
    await reflector.stop();
  });

  it('retries failed lists and is not synced until every resource was listed', async () => {
    const source = new FakeSource();
    source.failLists = 6;
    const reflector = new RbacReflector(new RbacIndex(), source, { retryMs: 5, maxRetryMs: 20 });
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
    const reflector = new RbacReflector(new RbacIndex(), source, { retryMs: 5 });
    reflector.start();
    const waiting = reflector.waitUntilSynced(5000);
    await reflector.stop();
    assert.equal(await waiting, false);
  });
});
