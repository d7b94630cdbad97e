import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { registryV1 } from '@kapi/proto';
import { registryBootstrapRevisions } from './registry-bootstrap.js';

/** A registry client whose RbacBootstrap answers what the test gives it. */
function registryAnswering(reply: registryV1.RbacBootstrapReply): registryV1.RegistryClient {
  const rbacBootstrap = (_req: unknown, _md: unknown, _opts: unknown, cb: (err: null, res: registryV1.RbacBootstrapReply) => void) => cb(null, reply);
  return { rbacBootstrap } as unknown as registryV1.RegistryClient;
}

describe('registryBootstrapRevisions', () => {
  it('fails while the registry has not written the bootstrap policy', async () => {
    await assert.rejects(registryBootstrapRevisions(registryAnswering({ done: false, revisions: {} }))(), /has not written the bootstrap roles and bindings yet/);
  });

  it('answers the revisions of the RBAC resources the registry names', async () => {
    const revisions = await registryBootstrapRevisions(registryAnswering({ done: true, revisions: { clusterroles: 40, clusterrolebindings: 45, configmaps: 9 } }))();
    assert.deepEqual(revisions, { clusterroles: 40, clusterrolebindings: 45 });
  });
});
