import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isReady } from './kubernetes-kills.js';

describe('a pod counts as back', () => {
  it('when it is Ready and not being deleted', () => {
    const pod = (ready: string, deleting = false) => ({
      metadata: { name: 'p', uid: 'u', ...(deleting ? { deletionTimestamp: '2026-12-07T00:00:00Z' } : {}) },
      status: { conditions: [{ type: 'Ready', status: ready }] },
    });
    assert.equal(isReady(pod('True')), true);
    assert.equal(isReady(pod('False')), false);
    assert.equal(isReady(pod('True', true)), false);
    assert.equal(isReady({ metadata: { name: 'p', uid: 'u' } }), false);
  });
});
