// How far the RBAC cache must read to hold kube's bootstrap policy, as the registry that wrote it says.
import { RBAC_RESOURCES, type BootstrapRevisions, type RbacRevisions } from '@kapi/authorization';
import { unary } from '@kapi/grpc';
import type { registryV1 } from '@kapi/proto';

export function registryBootstrapRevisions(client: registryV1.RegistryClient): BootstrapRevisions {
  return async () => {
    const reply = await unary('registry', 'RbacBootstrap', client.rbacBootstrap.bind(client), {}, { timeoutMs: 2000, waitForReplica: false });
    if (!reply.done) throw new Error('the registry has not written the bootstrap roles and bindings yet');
    const revisions: RbacRevisions = {};
    for (const resource of RBAC_RESOURCES) if (reply.revisions[resource]) revisions[resource] = reply.revisions[resource];
    return revisions;
  };
}
