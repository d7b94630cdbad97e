import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alreadyExists, notFound, type KubeObject } from '@kapi/api-machinery';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapNamespaceRoleBindings, bootstrapNamespaceRoles } from '@kapi/authorization';
import type { Logger } from '@kapi/telemetry';
import { Bootstrap } from './bootstrap.js';
import type { Registry } from './registry.js';

/** `resource/name`, or `resource/namespace/name`, as the fake registry keys its objects. */
const keyOf = (resource: string, namespace: string | undefined, name: string) => `${resource}/${namespace ? `${namespace}/` : ''}${name}`;
const nameOf = (o: { metadata: { name: string; namespace?: string } }) => (o.metadata.namespace ? `${o.metadata.namespace}/` : '') + o.metadata.name;

/** Stores keyed by resource (and namespace) over one revision counter, as etcd numbers every write. */
function fakeRegistry(existing: Record<string, string[]> = {}, firstRevision = 100) {
  let revision = firstRevision;
  const objects = new Map<string, KubeObject>();
  for (const [resource, names] of Object.entries(existing)) {
    for (const name of names) objects.set(`${resource}/${name}`, { metadata: { name, resourceVersion: String(++revision) } });
  }
  const store = (group: string, resource: string) => ({
    async create(ns: string | undefined, obj: KubeObject) {
      const key = keyOf(resource, ns, obj.metadata!.name!);
      if (objects.has(key)) throw alreadyExists({ group, resource }, obj.metadata!.name!);
      const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++revision) } };
      objects.set(key, stored);
      return stored;
    },
    async get(ns: string | undefined, name: string) {
      const obj = objects.get(keyOf(resource, ns, name));
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
    const roles = bootstrapClusterRoles().map((r) => revisionOf(`clusterroles/${nameOf(r)}`));
    const bindings = bootstrapClusterRoleBindings().map((b) => revisionOf(`clusterrolebindings/${nameOf(b)}`));
    // kube's namespaced bootstrap Roles and RoleBindings (of kube-system and kube-public; two share a name).
    const namespaceRoles = bootstrapNamespaceRoles().map((r) => revisionOf(`roles/${nameOf(r)}`));
    const namespaceBindings = bootstrapNamespaceRoleBindings().map((b) => revisionOf(`rolebindings/${nameOf(b)}`));
    assert.deepEqual(bootstrap.rbacBootstrapRevisions, {
      clusterroles: Math.max(...roles),
      clusterrolebindings: Math.max(...bindings),
      roles: Math.max(...namespaceRoles),
      rolebindings: Math.max(...namespaceBindings),
    });
  });

  it('counts the objects another replica (or an earlier start) wrote at their own revisions', async () => {
    const roles = bootstrapClusterRoles().map(nameOf);
    const bindings = bootstrapClusterRoleBindings().map(nameOf);
    // Everything exists; the newest binding is not the last one this replica would write.
    const namespaceRoles = bootstrapNamespaceRoles().map(nameOf);
    const namespaceBindings = bootstrapNamespaceRoleBindings().map(nameOf);
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
