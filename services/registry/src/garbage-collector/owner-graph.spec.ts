import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OwnerGraph } from './owner-graph.js';

const obj = (uid: string, owners: string[] = [], extra: Record<string, unknown> = {}) => ({
  metadata: { uid, name: uid, namespace: 'ns', ownerReferences: owners.map((o) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: o, uid: o })), ...extra },
});

describe('OwnerGraph', () => {
  it('indexes dependents by owner and forgets removed objects', () => {
    const g = new OwnerGraph();
    g.put('/registry/configmaps/ns/a', obj('a'));
    g.put('/registry/configmaps/ns/b', obj('b', ['a']));
    g.put('/registry/configmaps/ns/c', obj('c', ['a']));
    assert.deepEqual(g.dependents('a').map((n) => n.uid).sort(), ['b', 'c']);
    assert.deepEqual(g.remove('/registry/configmaps/ns/b'), ['b', 'a']);
    assert.deepEqual(g.dependents('a').map((n) => n.uid), ['c']);
    assert.equal(g.size, 2);
  });

  it('reports the owners an object dropped, so an orphaning owner is looked at again', () => {
    const g = new OwnerGraph();
    g.put('/k/a', obj('a'));
    g.put('/k/b', obj('b', ['a']));
    assert.deepEqual(g.put('/k/b', obj('b')), ['b', 'a']);
    assert.deepEqual(g.dependents('a'), []);
  });

  it('finds objects with an absent owner', () => {
    const g = new OwnerGraph();
    g.put('/k/a', obj('a'));
    g.put('/k/b', obj('b', ['a']));
    g.put('/k/c', obj('c', ['ghost']));
    assert.deepEqual([...g.withAbsentOwners()].map((n) => n.uid), ['c']);
  });

  it('records deletion state and finalizers', () => {
    const g = new OwnerGraph();
    g.put('/k/a', obj('a', [], { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['orphan'] }));
    assert.equal(g.node('a')?.deleting, true);
    assert.deepEqual(g.node('a')?.finalizers, ['orphan']);
  });
});
