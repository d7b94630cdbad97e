import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { garbageCollectionFinalizers } from './store.js';

describe('the finalizers a delete leaves for the garbage collector', () => {
  it('follows the request first: orphanDependents, then propagationPolicy, each dropping the other finalizer', () => {
    assert.deepEqual(garbageCollectionFinalizers(['x'], { orphanDependents: true, propagationPolicy: 'Foreground' }, undefined), ['x', 'orphan']);
    assert.deepEqual(garbageCollectionFinalizers(['orphan'], { orphanDependents: false }, undefined), []);
    assert.deepEqual(garbageCollectionFinalizers(['orphan'], { propagationPolicy: 'Foreground' }, undefined), ['foregroundDeletion']);
    assert.equal(garbageCollectionFinalizers([], { propagationPolicy: 'Background' }, 'OrphanDependents'), undefined);
  });

  it('keeps a GC finalizer the object has, else applies the kind\'s default policy', () => {
    assert.equal(garbageCollectionFinalizers(['foregroundDeletion'], {}, 'OrphanDependents'), undefined);
    assert.deepEqual(garbageCollectionFinalizers([], {}, 'OrphanDependents'), ['orphan']);
    assert.equal(garbageCollectionFinalizers([], {}, undefined), undefined);
    assert.equal(garbageCollectionFinalizers([], {}, 'DeleteDependents'), undefined);
  });

  it('never touches the finalizers of a kind that takes no part in garbage collection', () => {
    assert.equal(garbageCollectionFinalizers([], { propagationPolicy: 'Orphan' }, 'Unsupported'), undefined);
  });
});
