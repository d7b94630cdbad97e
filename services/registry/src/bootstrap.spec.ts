import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alreadyExists, conflict, notFound, type KubeObject } from '@kapi/api-machinery';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapNamespaceRoleBindings, bootstrapNamespaceRoles } from '@kapi/authorization';
import type { Logger } from '@kapi/telemetry';
import { Bootstrap } from './bootstrap.js';
import type { Registry } from './registry.js';

/** `resource/name`, or `resource/namespace/name`, as the fake registry keys its objects. */
const keyOf = (resource: string, namespace: string | undefined, name: string) => `${resource}/${namespace ? `${namespace}/` : ''}${name}`;
const nameOf = (o: { metadata: { name: string; namespace?: string } }) => (o.metadata.namespace ? `${o.metadata.namespace}/` : '') + o.metadata.name;

/** Stores keyed by resource (and namespace) over one revision counter, as etcd numbers every write. */
function fakeRegistry(existing: Record<string, object[]> = {}, firstRevision = 100) {
  let revision = firstRevision;
  const objects = new Map<string, KubeObject>();
  const writes: string[] = [];
  const put = (key: string, obj: KubeObject) => {
    const stored = { ...obj, metadata: { ...obj.metadata, uid: key, resourceVersion: String(++revision) } };
    objects.set(key, stored);
    return stored;
  };
  for (const [resource, list] of Object.entries(existing)) {
    for (const obj of list as KubeObject[]) put(keyOf(resource, obj.metadata!.namespace, obj.metadata!.name!), obj);
  }
  const store = (group: string, resource: string) => ({
    async create(ns: string | undefined, obj: KubeObject) {
      const key = keyOf(resource, ns, obj.metadata!.name!);
      if (objects.has(key)) throw alreadyExists({ group, resource }, obj.metadata!.name!);
      writes.push(`create ${key}`);
      return put(key, obj);
    },
    async get(ns: string | undefined, name: string) {
      const obj = objects.get(keyOf(resource, ns, name));
      if (!obj) throw notFound({ group, resource }, name);
      return structuredClone(obj);
    },
    async update(ns: string | undefined, name: string, obj: KubeObject) {
      const key = keyOf(resource, ns, name);
      if (objects.get(key)?.metadata?.resourceVersion !== obj.metadata?.resourceVersion) throw conflict({ group, resource }, name, 'the object has been modified');
      writes.push(`update ${key}`);
      return put(key, obj);
    },
    async delete(ns: string | undefined, name: string) {
      const key = keyOf(resource, ns, name);
      writes.push(`delete ${key}`);
      objects.delete(key);
      return {};
    },
  });
  return { registry: { store } as unknown as Registry, objects, writes, revisionOf: (key: string) => Number(objects.get(key)!.metadata!.resourceVersion) };
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
    const roles = bootstrapClusterRoles();
    const bindings = bootstrapClusterRoleBindings();
    // Everything exists; the newest binding is not the last one this replica would write.
    const namespaceRoles = bootstrapNamespaceRoles();
    const namespaceBindings = bootstrapNamespaceRoleBindings();
    const { registry, objects, writes } = fakeRegistry({ clusterroles: roles, clusterrolebindings: [...bindings.slice(1), bindings[0]], roles: namespaceRoles, rolebindings: namespaceBindings });
    const bootstrap = new Bootstrap(registry, quiet);
    const before = objects.size;
    await bootstrap.onApplicationBootstrap();
    assert.equal(objects.size, before + 4, 'only the namespaces were new');
    assert.deepEqual(writes.filter((w) => !w.startsWith('create namespaces/')), [], 'nothing to reconcile');
    const clusterObjects = roles.length + bindings.length;
    assert.deepEqual(bootstrap.rbacBootstrapRevisions, {
      clusterroles: 100 + roles.length,
      clusterrolebindings: 100 + clusterObjects,
      roles: 100 + clusterObjects + namespaceRoles.length,
      rolebindings: 100 + clusterObjects + namespaceRoles.length + namespaceBindings.length,
    });
  });

  it("reconciles stored objects as kube-apiserver does: adds what they lack, leaves autoupdate=false alone, recreates a binding to another role", async () => {
    const scheduler = bootstrapClusterRoles().find((r) => r.metadata.name === 'system:kube-scheduler')!;
    const controllerManager = bootstrapClusterRoles().find((r) => r.metadata.name === 'system:kube-controller-manager')!;
    const view = bootstrapClusterRoleBindings().find((b) => b.metadata.name === 'system:basic-user')!;
    const dns = bootstrapClusterRoleBindings().find((b) => b.metadata.name === 'system:kube-dns')!;
    const extra = { apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] };
    const { registry, objects, writes } = fakeRegistry({
      // An older policy: one rule fewer, an operator's rule more, and no bootstrapping label.
      clusterroles: [
        { ...scheduler, metadata: { name: scheduler.metadata.name, annotations: scheduler.metadata.annotations }, rules: [...scheduler.rules!.slice(1), extra] },
        { ...controllerManager, metadata: { ...controllerManager.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, rules: [] },
      ],
      clusterrolebindings: [
        { ...view, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }] },
        { ...dns, roleRef: { ...dns.roleRef, name: 'cluster-admin' } },
      ],
    });
    await new Bootstrap(registry, quiet).onApplicationBootstrap();
    const stored = (key: string) => objects.get(key) as unknown as typeof scheduler;
    const storedBinding = (key: string) => objects.get(key) as unknown as typeof view;
    assert.deepEqual(
      writes.filter((w) => !w.startsWith('create ')),
      ['update clusterroles/system:kube-scheduler', 'update clusterrolebindings/system:basic-user', 'delete clusterrolebindings/system:kube-dns'],
    );
    // The missing rule comes back broken down to kube's atomic rules, the operator's stays.
    assert.deepEqual(stored('clusterroles/system:kube-scheduler').rules!.slice(0, scheduler.rules!.length), [...scheduler.rules!.slice(1), extra]);
    assert.equal(stored('clusterroles/system:kube-scheduler').metadata.labels['kubernetes.io/bootstrapping'], 'rbac-defaults');
    assert.ok(stored('clusterroles/system:kube-scheduler').rules!.some((r) => r.verbs?.length === 1 && r.verbs[0] === scheduler.rules![0].verbs![0]));
    assert.deepEqual(stored('clusterroles/system:kube-controller-manager').rules, []);
    assert.deepEqual(storedBinding('clusterrolebindings/system:basic-user').subjects!.map((s) => s.name), ['jane', 'system:authenticated']);
    assert.equal(storedBinding('clusterrolebindings/system:kube-dns').roleRef.name, 'system:kube-dns');
  });
});
