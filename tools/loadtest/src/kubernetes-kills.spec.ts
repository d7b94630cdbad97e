import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isReady, podAnnotationSetting, ROLLOUT_ANNOTATION } from './kubernetes-kills.js';

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

describe('the rolling upgrade', () => {
  it('sets one pod annotation, its key escaped for helm --set', () => {
    assert.equal(podAnnotationSetting(ROLLOUT_ANNOTATION, '2026-12-08T01:02:03.000Z'), 'podAnnotations.loadtest\\.kapi/rollout=2026-12-08T01:02:03.000Z');
  });
});
