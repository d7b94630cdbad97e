// The bootstrap policy is kube's (generated from its bootstrappolicy package): these check facts of
// kube v1.34.2's policy, and that the authorizer, given it, answers for kube's own components as
// kube-apiserver does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestAttributes } from '../authorizer.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapNamespaceRoleBindings, bootstrapNamespaceRoles } from './bootstrap-roles.js';
import { RbacAuthorizer, serviceAccountUsername } from './rbac-authorizer.js';
import { RbacIndex } from './rbac-index.js';
import type { UserInfo } from './types.js';

const roles = bootstrapClusterRoles();
const bindings = bootstrapClusterRoleBindings();
const namespaceRoles = bootstrapNamespaceRoles();
const namespaceBindings = bootstrapNamespaceRoleBindings();
const names = (objects: { metadata: { name: string; namespace?: string } }[]) => objects.map((o) => (o.metadata.namespace ? `${o.metadata.namespace}/` : '') + o.metadata.name);

describe('the bootstrap policy', () => {
  it("has as many objects as kube's (its testdata golden files at the default gates: 31 + 37 roles, 12 + 37 bindings, 7 and 7 in namespaces)", () => {
    assert.equal(roles.length, 68);
    assert.equal(bindings.length, 49);
    assert.equal(namespaceRoles.length, 7);
    assert.equal(namespaceBindings.length, 7);
    for (const list of [names(roles), names(bindings), names(namespaceRoles), names(namespaceBindings)]) assert.equal(new Set(list).size, list.length);
  });

  it("holds kube's system roles and the controllers' roles, each bound", () => {
    const boundRoles = new Set(bindings.map((b) => b.roleRef.name));
    for (const name of [
      'cluster-admin',
      'system:kube-controller-manager',
      'system:kube-scheduler',
      'system:volume-scheduler',
      'system:node',
      'system:node-proxier',
      'system:kube-dns',
      'system:monitoring',
      'system:service-account-issuer-discovery',
      'system:controller:deployment-controller',
      'system:controller:replicaset-controller',
      'system:controller:generic-garbage-collector',
      'system:controller:namespace-controller',
    ]) {
      assert.ok(names(roles).includes(name), name);
      assert.ok(boundRoles.has(name), `${name} is bound`);
    }
    // Roles kube creates for installers to bind (kubeadm binds the node-client approver).
    assert.ok(names(roles).includes('system:certificates.k8s.io:certificatesigningrequests:nodeclient'));
    assert.ok(!boundRoles.has('system:certificates.k8s.io:certificatesigningrequests:nodeclient'));
    const binding = (name: string) => bindings.find((b) => b.metadata.name === name)!;
    assert.deepEqual(binding('system:kube-controller-manager').subjects, [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:kube-controller-manager' }]);
    assert.deepEqual(binding('system:volume-scheduler').subjects, [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:kube-scheduler' }]);
    assert.deepEqual(binding('system:controller:deployment-controller').subjects, [{ kind: 'ServiceAccount', name: 'deployment-controller', namespace: 'kube-system' }]);
    // kube keeps system:node bound to nobody (the Node authorizer decides for kubelets).
    assert.equal(binding('system:node').subjects, undefined);
    assert.deepEqual(binding('system:public-info-viewer').subjects?.map((s) => s.name), ['system:authenticated', 'system:unauthenticated']);
    assert.deepEqual(roles.find((r) => r.metadata.name === 'system:public-info-viewer')?.rules, [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] }]);
  });

  it("holds kube's Roles and RoleBindings of kube-system and kube-public", () => {
    assert.deepEqual(names(namespaceRoles).sort(), [
      'kube-public/system:controller:bootstrap-signer',
      'kube-system/extension-apiserver-authentication-reader',
      'kube-system/system::leader-locking-kube-controller-manager',
      'kube-system/system::leader-locking-kube-scheduler',
      'kube-system/system:controller:bootstrap-signer',
      'kube-system/system:controller:cloud-provider',
      'kube-system/system:controller:token-cleaner',
    ]);
    assert.ok(names(namespaceBindings).includes('kube-system/system::extension-apiserver-authentication-reader'));
    assert.deepEqual(namespaceRoles.find((r) => r.metadata.name === 'extension-apiserver-authentication-reader')?.rules, [
      { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['extension-apiserver-authentication'] },
    ]);
  });

  it('labels every object as kube does and marks it for auto-update', () => {
    for (const o of [...roles, ...bindings, ...namespaceRoles, ...namespaceBindings]) {
      assert.equal(o.metadata.labels['kubernetes.io/bootstrapping'], 'rbac-defaults', o.metadata.name);
      assert.deepEqual(o.metadata.annotations, { 'rbac.authorization.kubernetes.io/autoupdate': 'true' }, o.metadata.name);
    }
  });

  it('hands out copies: a caller changing one does not change the next', () => {
    bootstrapClusterRoles()[0].rules!.length = 0;
    assert.notEqual(bootstrapClusterRoles()[0].rules!.length, 0);
  });
});

describe("kube's components under the bootstrap policy", () => {
  const index = new RbacIndex();
  index.replace('clusterroles', roles);
  index.replace('clusterrolebindings', bindings);
  index.replace('roles', namespaceRoles);
  index.replace('rolebindings', namespaceBindings);
  const authorizer = new RbacAuthorizer(index);
  const authenticated = (username: string): UserInfo => ({ username, groups: ['system:authenticated'] });
  const scheduler = authenticated('system:kube-scheduler');
  const controllerManager = authenticated('system:kube-controller-manager');
  const deploymentController: UserInfo = { username: serviceAccountUsername('kube-system', 'deployment-controller'), groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] };

  const can = (user: UserInfo, verb: string, group: string, resource: string, namespace = '', subresource = '', name = '') => {
    const a: RequestAttributes = { user, verb, resourceRequest: true, apiGroup: group, apiVersion: 'v1', resource, subresource, namespace, name, path: '' };
    return authorizer.decide(a).decision === 'Allow';
  };

  it('lets the scheduler bind pods, read what it schedules against and hold its lease', () => {
    assert.ok(can(scheduler, 'create', '', 'pods', 'default', 'binding'));
    assert.ok(can(scheduler, 'list', '', 'nodes'));
    assert.ok(can(scheduler, 'patch', '', 'pods', 'default', 'status'));
    assert.ok(can(scheduler, 'create', 'coordination.k8s.io', 'leases', 'kube-system'));
    assert.ok(can(scheduler, 'update', 'coordination.k8s.io', 'leases', 'kube-system', '', 'kube-scheduler'));
    assert.ok(can(scheduler, 'get', '', 'configmaps', 'kube-system', '', 'extension-apiserver-authentication'));
    // Any lease of kube-system (system::leader-locking-kube-scheduler), none elsewhere.
    assert.ok(can(scheduler, 'update', 'coordination.k8s.io', 'leases', 'kube-system', '', 'some-lease'));
    assert.ok(!can(scheduler, 'update', 'coordination.k8s.io', 'leases', 'default', '', 'some-lease'));
    assert.ok(can(scheduler, 'delete', '', 'pods', 'default')); // preemption
    assert.ok(!can(scheduler, 'create', '', 'pods', 'default'));
    assert.ok(!can(scheduler, 'list', '', 'secrets'));
  });

  it('lets kube-controller-manager hold its lease and create service account tokens, and no more', () => {
    assert.ok(can(controllerManager, 'create', 'coordination.k8s.io', 'leases', 'kube-system'));
    assert.ok(can(controllerManager, 'update', 'coordination.k8s.io', 'leases', 'kube-system', '', 'kube-controller-manager'));
    assert.ok(can(controllerManager, 'create', '', 'serviceaccounts', 'kube-system', 'token'));
    assert.ok(can(controllerManager, 'list', '', 'secrets'));
    assert.ok(!can(controllerManager, 'create', 'apps', 'replicasets', 'default'));
  });

  it('lets the deployment controller manage replica sets and deployments, not pods', () => {
    assert.ok(can(deploymentController, 'create', 'apps', 'replicasets', 'default'));
    assert.ok(can(deploymentController, 'delete', 'apps', 'replicasets', 'default'));
    assert.ok(can(deploymentController, 'update', 'apps', 'deployments', 'default', 'status'));
    assert.ok(!can(deploymentController, 'create', '', 'pods', 'default'));
    assert.ok(!can(deploymentController, 'list', '', 'secrets', 'default'));
  });
});
