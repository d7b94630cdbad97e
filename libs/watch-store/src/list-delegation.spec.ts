import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readsStorageWhileCacheInitializes } from './list-delegation.js';

describe('readsStorageWhileCacheInitializes', () => {
  it('sends a limited list without selectors to etcd', () => {
    assert.equal(readsStorageWhileCacheInitializes({ limit: 500, labelSelector: '', fieldSelector: '' }), true);
  });

  it('refuses a whole list, or a filtered one, rather than read it from etcd', () => {
    assert.equal(readsStorageWhileCacheInitializes({ limit: 0, labelSelector: '', fieldSelector: '' }), false);
    assert.equal(readsStorageWhileCacheInitializes({ limit: 500, labelSelector: 'app=web', fieldSelector: '' }), false);
    assert.equal(readsStorageWhileCacheInitializes({ limit: 500, labelSelector: '', fieldSelector: 'metadata.name=x' }), false);
  });
});
