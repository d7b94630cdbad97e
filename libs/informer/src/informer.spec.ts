import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ListWatch, ObjectLike, ResourceRef, WatchEvent } from './list-watch.js';
import { Informer, SharedInformers } from './informer.js';

const namespaces: ResourceRef = { group: '', version: 'v1', resource: 'namespaces' };
const limitRanges: ResourceRef = { group: '', version: 'v1', resource: 'limitranges' };
const obj = (name: string, namespace?: string): ObjectLike => ({ metadata: { name, namespace } });

/** Lists what `items` holds per resource; watches stay open until stopped, with events the test pushes. */
function source(items: Record<string, ObjectLike[]>) {
  const pushers: Record<string, (e: WatchEvent) => void> = {};
  const listed: string[] = [];
  const lw: ListWatch = {
    async list(ref) {
      listed.push(ref.resource);
      return { items: items[ref.resource] ?? [], resourceVersion: '5' };
    },
    async *watch(ref, _rv, signal) {
      const queue: WatchEvent[] = [];
      let wake: (() => void) | undefined;
      pushers[ref.resource] = (e) => (queue.push(e), wake?.());
      signal.addEventListener('abort', () => wake?.());
      while (!signal.aborted) {
        if (!queue.length) await new Promise<void>((r) => (wake = r));
        const e = queue.shift();
        if (e) yield e;
      }
    },
  };
  return { lw, pushers, listed };
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Informer', () => {
  it('answers by namespace and name, lists per namespace, and tells its listeners what changed', () => {
    const informer = new Informer(limitRanges, { synced: true, waitUntilSynced: async () => true });
    const seen: string[] = [];
    informer.subscribe((type, o, old) => seen.push(`${type} ${o.metadata?.namespace}/${o.metadata?.name}${old ? ' (had it)' : ''}`));
    informer.replace('limitranges', [obj('a', 'ns1'), obj('b', 'ns1'), obj('c', 'ns2')]);
    assert.equal(informer.get('ns1', 'a')?.metadata?.name, 'a');
    assert.equal(informer.get('ns2', 'a'), undefined);
    assert.deepEqual(informer.list('ns1').map((o) => o.metadata?.name), ['a', 'b']);
    assert.equal(informer.list().length, 3);
    informer.apply('limitranges', 'DELETED', obj('b', 'ns1'));
    informer.apply('limitranges', 'MODIFIED', obj('c', 'ns2'));
    assert.deepEqual(informer.list('ns1').map((o) => o.metadata?.name), ['a']);
    informer.replace('limitranges', [obj('a', 'ns1')]);
    assert.deepEqual(informer.list('ns2'), []);
    assert.deepEqual(seen, [
      'ADDED ns1/a',
      'ADDED ns1/b',
      'ADDED ns2/c',
      'DELETED ns1/b (had it)',
      'MODIFIED ns2/c (had it)',
      'MODIFIED ns1/a (had it)',
      'DELETED ns2/c (had it)',
    ]);
  });
});

describe('SharedInformers', () => {
  it('shares one informer per resource, lists only what was asked for, and follows its watch', async () => {
    const { lw, pushers, listed } = source({ namespaces: [obj('default'), obj('kube-system')] });
    const informers = new SharedInformers(lw, { retryMs: 5 });
    const ns = informers.informerFor(namespaces);
    assert.equal(informers.informerFor(namespaces), ns);
    assert.equal(ns.synced, false);
    assert.deepEqual(informers.pending, ['namespaces']);
    informers.start();
    assert.equal(await ns.waitUntilSynced(1000), true);
    assert.equal(informers.synced, true);
    assert.deepEqual(listed, ['namespaces']);
    assert.ok(ns.get('', 'kube-system'));
    await until(() => !!pushers.namespaces);
    pushers.namespaces({ type: 'ADDED', object: obj('new') });
    await until(() => !!ns.get('', 'new'));

    // Asked for after the start: listed at once.
    const lr = informers.informerFor(limitRanges);
    assert.equal(await lr.waitUntilSynced(1000), true);
    assert.deepEqual(listed, ['namespaces', 'limitranges']);
    await informers.stop();
  });
});
