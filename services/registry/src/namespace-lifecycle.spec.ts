import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { namespaceOfKey } from './namespace-lifecycle.js';

describe('namespaceOfKey', () => {
  const terminating = new Set(['team', 'gone']);

  it('names the Terminating namespace a deleted object was in, for core, grouped and custom resources', () => {
    assert.equal(namespaceOfKey('/registry/configmaps/team/settings', terminating), 'team');
    assert.equal(namespaceOfKey('/registry/apps/deployments/gone/web', terminating), 'gone');
    assert.equal(namespaceOfKey('/registry/example.com/widgets/team/w1', terminating), 'team');
  });

  it('ignores what is in no Terminating namespace', () => {
    assert.equal(namespaceOfKey('/registry/configmaps/other/settings', terminating), undefined);
    assert.equal(namespaceOfKey('/registry/clusterroles/team', terminating), undefined);
  });
});
