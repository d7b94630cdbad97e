import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alreadyExists, notFound, type KubeObject } from '@kapi/api-machinery';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapNamespaceRoleBindings, bootstrapNamespaceRoles } from '@kapi/authorization';
import type { Logger } from '@kapi/telemetry';
import { Bootstrap } from './bootstrap.js';
import type { Registry } from './registry.js';

/** Stores keyed by resource over one revision counter, as etcd numbers every write. */
function fakeRegistry(existing: Record<string, string[]> = {}, firstRevision = 100) {
  let revision = firstRevision;
  const objects = new Map<string, KubeObject>();
  for (const [resource, names] of Object.entries(existing)) {
    for (const name of names) objects.set(`${resource}/${name}`, { metadata: { name, resourceVersion: String(++revision) } });
  }
  const store = (group: string, resource: string) => ({
    async create(_ns: string | undefined, obj: KubeObject) {
      const key = `${resource}/${obj.metadata!.name}`;
      if (objects.has(key)) throw alreadyExists({ group, resource }, obj.metadata!.name!);
      const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++revision) } };
      objects.set(key, stored);
      return stored;
    },
    async get(_ns: string | undefined, name: string) {
      const obj = objects.get(`${resource}/${name}`);
      if (!obj) throw notFound({ group, resource }, name);
      return obj;
    },
  });
  return { registry: { store } as unknown as Registry, objects, revisionOf: (key: string) => Number(objects.get(key)!.metadata!.resourceVersion) };
}

const quiet = { info() {}, warn() {}, error() {}, debug() {} } as unknown as Logger;

describe('Bootstrap', () => {
  it('is not bootstrapped before it has written the RBAC policy', () => {
    const bootstrap = new Bootstrap(fakeRegistry().registry, quiet);
    assert.throws(() => bootstrap.checkRbacBootstrapped(), /bootstrap roles and bindings are not written yet/);
    assert.equal(bootstrap.rbacBootstrapRevisions, undefined);
  });

  it('writes the policy and answers, per resource, the newest revision among its objects', async () => {
    const { registry, revisionOf } = fakeRegistry();
    const bootstrap = new Bootstrap(registry, quiet);
    await bootstrap.onApplicationBootstrap();
    bootstrap.checkRbacBootstrapped();
    const roles = bootstrapClusterRoles().map((r) => revisionOf(`clusterroles/${r.metadata.name}`));
    const bindings = bootstrapClusterRoleBindings().map((b) => revisionOf(`clusterrolebindings/${b.metadata!.name}`));
    // kube's namespaced bootstrap Roles and RoleBindings (extension-apiserver-authentication-reader in kube-system).
    const namespaceRoles = bootstrapNamespaceRoles().map((r) => revisionOf(`roles/${r.metadata.name}`));
    const namespaceBindings = bootstrapNamespaceRoleBindings().map((b) => revisionOf(`rolebindings/${b.metadata.name}`));
    assert.deepEqual(bootstrap.rbacBootstrapRevisions, {
      clusterroles: Math.max(...roles),
      clusterrolebindings: Math.max(...bindings),
      roles: Math.max(...namespaceRoles),
      rolebindings: Math.max(...namespaceBindings),
    });
  });

  it('counts the objects another replica (or an earlier start) wrote at their own revisions', async () => {
    const roles = bootstrapClusterRoles().map((r) => r.metadata.name);
    const bindings = bootstrapClusterRoleBindings().map((b) => b.metadata!.name!);
    // Everything exists; the newest binding is not the last one this replica would write.
    const namespaceRoles = bootstrapNamespaceRoles().map((r) => r.metadata.name);
    const namespaceBindings = bootstrapNamespaceRoleBindings().map((b) => b.metadata.name);
    const { registry, objects } = fakeRegistry({ clusterroles: roles, clusterrolebindings: [...bindings.slice(1), bindings[0]], roles: namespaceRoles, rolebindings: namespaceBindings });
    const bootstrap = new Bootstrap(registry, quiet);
    const before = objects.size;
    await bootstrap.onApplicationBootstrap();
    assert.equal(objects.size, before + 4, 'only the namespaces were new');
    const clusterObjects = roles.length + bindings.length;
    assert.deepEqual(bootstrap.rbacBootstrapRevisions, {
      clusterroles: 100 + roles.length,
      clusterrolebindings: 100 + clusterObjects,
      roles: 100 + clusterObjects + namespaceRoles.length,
      rolebindings: 100 + clusterObjects + namespaceRoles.length + namespaceBindings.length,
    });
  });
});
