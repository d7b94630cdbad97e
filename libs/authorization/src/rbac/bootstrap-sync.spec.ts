import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BootstrapRolesSync } from './bootstrap-sync.js';
import type { RbacRevisions } from './reflector.js';
import { RBAC_RESOURCES } from './types.js';

/** A cache whose progress the test sets, judged as the reflector judges it. */
function cacheAt(read: RbacRevisions) {
  return {
    read,
    behind: (targets: RbacRevisions) => RBAC_RESOURCES.filter((r) => (read[r] ?? 0) < (targets[r] ?? 0)).map((r) => `${r} at ${read[r] ?? 0} of ${targets[r]}`),
  };
}

describe('BootstrapRolesSync', () => {
  it('is not ready while the writer has not written the policy, and says so', async () => {
    const sync = new BootstrapRolesSync(cacheAt({ clusterroles: 100, clusterrolebindings: 100 }), async () => {
      throw new Error('the registry has not written the bootstrap roles and bindings yet');
    });
    await assert.rejects(sync.check(), /not written the bootstrap roles/);
  });

  it('is not ready until the cache has read each resource as far as its newest bootstrap object', async () => {
    const cache = cacheAt({ clusterroles: 50, clusterrolebindings: 30 });
    const sync = new BootstrapRolesSync(cache, async () => ({ clusterroles: 40, clusterrolebindings: 45 }));
    await assert.rejects(sync.check(), { message: 'the RBAC cache has not read the bootstrap policy yet: clusterrolebindings at 30 of 45' });
    cache.read.clusterrolebindings = 45;
    await sync.check();
  });

  it('asks the writer until it answers, then keeps its answer; once ready it stays ready', async () => {
    const cache = cacheAt({});
    let asked = 0;
    let written = false;
    const sync = new BootstrapRolesSync(cache, async () => {
      asked++;
      if (!written) throw new Error('not written yet');
      return { clusterroles: 7 };
    });
    await assert.rejects(sync.check(), /not written yet/);
    written = true;
    await assert.rejects(sync.check(), /clusterroles at 0 of 7/);
    await assert.rejects(sync.check(), /clusterroles at 0 of 7/);
    assert.equal(asked, 2);
    cache.read.clusterroles = 7;
    await sync.check();
    // A later relist that has not caught up again does not make the replica unready: it held the policy.
    cache.read.clusterroles = 3;
    await sync.check();
    assert.equal(asked, 2);
  });
});
