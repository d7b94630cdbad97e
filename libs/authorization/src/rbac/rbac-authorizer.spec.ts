// A conformance table for the RBAC authorizer: each case is a set of RBAC objects, a request and the
// decision kube's RBAC authorizer gives for it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestAttributes } from '../authorizer.js';
import { RbacAuthorizer, aggregateMessages, serviceAccountUsername } from './rbac-authorizer.js';
import { RbacIndex } from './rbac-index.js';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject, UserInfo } from './types.js';

const G = 'rbac.authorization.k8s.io';
const jane: UserInfo = { username: 'jane', groups: ['devs', 'system:authenticated'] };

interface World {
  roles?: Role[];
  clusterRoles?: ClusterRole[];
  roleBindings?: RoleBinding[];
  clusterRoleBindings?: ClusterRoleBinding[];
}

function indexOf(world: World): RbacIndex {
  const index = new RbacIndex();
  index.replace('roles', world.roles ?? []);
  index.replace('clusterroles', world.clusterRoles ?? []);
  index.replace('rolebindings', world.roleBindings ?? []);
  index.replace('clusterrolebindings', world.clusterRoleBindings ?? []);
  return index;
}

const clusterRole = (name: string, rules: PolicyRule[], extra: Partial<ClusterRole> = {}): ClusterRole => ({ ...extra, metadata: { name, ...extra.metadata }, rules });
const role = (namespace: string, name: string, rules: PolicyRule[]): Role => ({ metadata: { namespace, name }, rules });
const user = (name: string): Subject => ({ kind: 'User', apiGroup: G, name });
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: G, name });
const sa = (name: string, namespace?: string): Subject => ({ kind: 'ServiceAccount', name, ...(namespace ? { namespace } : {}) });
const crb = (name: string, roleName: string, subjects: Subject[]): ClusterRoleBinding => ({ metadata: { name }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: roleName }, subjects });
const rb = (namespace: string, name: string, kind: 'Role' | 'ClusterRole', roleName: string, subjects: Subject[]): RoleBinding => ({
  metadata: { namespace, name },
  roleRef: { apiGroup: G, kind, name: roleName },
  subjects,
});

function res(verb: string, resource: string, over: Partial<RequestAttributes> = {}): RequestAttributes {
  const [r, sub = ''] = resource.split('/');
  return { user: jane, verb, resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource: r, subresource: sub, namespace: 'x', name: '', path: '', ...over };
}
function url(verb: string, path: string, over: Partial<RequestAttributes> = {}): RequestAttributes {
  return { user: jane, verb, resourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '', path, ...over };
}

/** One cluster role bound to jane cluster-wide. */
const granting = (...rules: PolicyRule[]): World => ({ clusterRoles: [clusterRole('r', rules)], clusterRoleBindings: [crb('b', 'r', [user('jane')])] });

interface Case {
  name: string;
  world: World;
  request: RequestAttributes;
  allowed: boolean;
  reason?: string | RegExp;
}

const cases: Case[] = [
  // --- verbs, groups, resources and their wildcards ---
  { name: 'an exact rule allows', world: granting({ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }), request: res('get', 'configmaps'), allowed: true },
  { name: 'another verb is not allowed', world: granting({ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }), request: res('list', 'configmaps'), allowed: false },
  { name: 'verb * allows every verb', world: granting({ verbs: ['*'], apiGroups: [''], resources: ['configmaps'] }), request: res('deletecollection', 'configmaps'), allowed: true },
  { name: 'another API group is not allowed', world: granting({ verbs: ['get'], apiGroups: [''], resources: ['deployments'] }), request: res('get', 'deployments', { apiGroup: 'apps' }), allowed: false },
  { name: 'apiGroups * allows every group', world: granting({ verbs: ['get'], apiGroups: ['*'], resources: ['deployments'] }), request: res('get', 'deployments', { apiGroup: 'apps' }), allowed: true },
  { name: 'resources * allows every resource', world: granting({ verbs: ['get'], apiGroups: [''], resources: ['*'] }), request: res('get', 'secrets'), allowed: true },
  { name: 'resources * allows subresources too', world: granting({ verbs: ['get'], apiGroups: [''], resources: ['*'] }), request: res('get', 'pods/log'), allowed: true },
  { name: 'a rule with no apiGroups matches no group', world: granting({ verbs: ['get'], resources: ['configmaps'] }), request: res('get', 'configmaps'), allowed: false },
  // --- subresources ---
  { name: 'a resource does not cover its subresources', world: granting({ verbs: ['get'], apiGroups: [''], resources: ['pods'] }), request: res('get', 'pods/log'), allowed: false },
  { name: 'resource/subresource covers that subresource', world: granting({ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }), request: res('get', 'pods/log'), allowed: true },
  { name: 'resource/subresource does not cover the resource', world: granting({ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }), request: res('get', 'pods'), allowed: false },
  { name: '*/subresource covers that subresource of any resource', world: granting({ verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] }), request: res('update', 'deployments/scale', { apiGroup: 'apps' }), allowed: true },
  { name: '*/subresource does not cover other subresources', world: granting({ verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] }), request: res('update', 'deployments/status', { apiGroup: 'apps' }), allowed: false },
  { name: '*/subresource does not cover the resource itself', world: granting({ verbs: ['get'], apiGroups: [''], resources: ['*/log'] }), request: res('get', 'pods'), allowed: false },
  // kube has no resource/* wildcard: `pods/*` only ever matches a literal resource "pods/*".
  { name: 'resource/* does not cover subresources (no such wildcard in kube)', world: granting({ verbs: ['get'], apiGroups: [''], resources: ['pods/*'] }), request: res('get', 'pods/log'), allowed: false },
  { name: 'resource/* does not cover the resource', world: granting({ verbs: ['get'], apiGroups: [''], resources: ['pods/*'] }), request: res('get', 'pods'), allowed: false },
  // --- resourceNames ---
  { name: 'resourceNames allow the named object', world: granting({ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }), request: res('get', 'configmaps', { name: 'a' }), allowed: true },
  { name: 'resourceNames refuse another name', world: granting({ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }), request: res('get', 'configmaps', { name: 'b' }), allowed: false },
  { name: 'resourceNames refuse a list (no name)', world: granting({ verbs: ['list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }), request: res('list', 'configmaps'), allowed: false },
  { name: 'resourceNames allow a list narrowed to the name', world: granting({ verbs: ['list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }), request: res('list', 'configmaps', { name: 'a' }), allowed: true },
  { name: 'resourceNames refuse a create (no name yet)', world: granting({ verbs: ['create'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }), request: res('create', 'configmaps'), allowed: false },
  { name: 'resourceNames apply to subresources', world: granting({ verbs: ['get'], apiGroups: [''], resources: ['pods/log'], resourceNames: ['p'] }), request: res('get', 'pods/log', { name: 'p' }), allowed: true },
  // --- nonResourceURLs ---
  { name: 'a non-resource URL allows exactly that path', world: granting({ verbs: ['get'], nonResourceURLs: ['/healthz'] }), request: url('get', '/healthz'), allowed: true },
  { name: 'a non-resource URL is not a prefix', world: granting({ verbs: ['get'], nonResourceURLs: ['/healthz'] }), request: url('get', '/healthz/etcd'), allowed: false },
  { name: 'a trailing * makes a prefix', world: granting({ verbs: ['get'], nonResourceURLs: ['/healthz/*'] }), request: url('get', '/healthz/etcd'), allowed: true },
  { name: 'a trailing * matches the bare prefix with its slash', world: granting({ verbs: ['get'], nonResourceURLs: ['/healthz/*'] }), request: url('get', '/healthz/'), allowed: true },
  { name: 'a trailing * prefix does not match the path without its slash', world: granting({ verbs: ['get'], nonResourceURLs: ['/healthz/*'] }), request: url('get', '/healthz'), allowed: false },
  { name: 'a * inside a word is a prefix too', world: granting({ verbs: ['get'], nonResourceURLs: ['/hea*'] }), request: url('get', '/healthz'), allowed: true },
  { name: 'nonResourceURLs * allows every path', world: granting({ verbs: ['get'], nonResourceURLs: ['*'] }), request: url('get', '/metrics'), allowed: true },
  { name: 'non-resource verbs must match', world: granting({ verbs: ['get'], nonResourceURLs: ['*'] }), request: url('post', '/metrics'), allowed: false },
  { name: 'resource rules never allow non-resource paths', world: granting({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }), request: url('get', '/metrics'), allowed: false },
  { name: 'non-resource rules never allow resources', world: granting({ verbs: ['*'], nonResourceURLs: ['*'] }), request: res('get', 'configmaps'), allowed: false },
  // --- subjects ---
  {
    name: 'a group binding applies to members',
    world: { clusterRoles: [clusterRole('r', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }])], clusterRoleBindings: [crb('b', 'r', [group('devs')])] },
    request: res('get', 'configmaps'),
    allowed: true,
  },
  {
    name: 'a user binding does not apply to a group of the same name',
    world: { clusterRoles: [clusterRole('r', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }])], clusterRoleBindings: [crb('b', 'r', [user('devs')])] },
    request: res('get', 'configmaps'),
    allowed: false,
  },
  {
    name: 'a service account subject applies to system:serviceaccount:<ns>:<name>',
    world: { clusterRoles: [clusterRole('r', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }])], clusterRoleBindings: [crb('b', 'r', [sa('builder', 'ci')])] },
    request: res('get', 'configmaps', { user: { username: 'system:serviceaccount:ci:builder', groups: [] } }),
    allowed: true,
    reason: 'RBAC: allowed by ClusterRoleBinding "b" of ClusterRole "r" to ServiceAccount "builder/ci"',
  },
  {
    name: 'a service account in a cluster binding without namespace applies to nobody',
    world: { clusterRoles: [clusterRole('r', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }])], clusterRoleBindings: [crb('b', 'r', [sa('builder')])] },
    request: res('get', 'configmaps', { user: { username: 'system:serviceaccount::builder', groups: [] } }),
    allowed: false,
  },
  {
    name: 'a role binding defaults a service account to its own namespace',
    world: { roles: [role('x', 'r', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }])], roleBindings: [rb('x', 'b', 'Role', 'r', [sa('builder')])] },
    request: res('get', 'configmaps', { user: { username: serviceAccountUsername('x', 'builder'), groups: [] } }),
    allowed: true,
    reason: 'RBAC: allowed by RoleBinding "b/x" of Role "r" to ServiceAccount "builder/x"',
  },
  // --- role bindings and scope ---
  {
    name: 'a role binding to a cluster role grants it in the binding namespace',
    world: { clusterRoles: [clusterRole('view', [{ verbs: ['list'], apiGroups: [''], resources: ['configmaps'] }])], roleBindings: [rb('x', 'jane-view', 'ClusterRole', 'view', [user('jane')])] },
    request: res('list', 'configmaps'),
    allowed: true,
    reason: 'RBAC: allowed by RoleBinding "jane-view/x" of ClusterRole "view" to User "jane"',
  },
  {
    name: 'a role binding grants nothing in another namespace',
    world: { clusterRoles: [clusterRole('view', [{ verbs: ['list'], apiGroups: [''], resources: ['configmaps'] }])], roleBindings: [rb('x', 'jane-view', 'ClusterRole', 'view', [user('jane')])] },
    request: res('list', 'configmaps', { namespace: 'y' }),
    allowed: false,
  },
  {
    name: 'a role binding grants nothing at the cluster scope',
    world: { clusterRoles: [clusterRole('view', [{ verbs: ['list'], apiGroups: [''], resources: ['configmaps'] }])], roleBindings: [rb('x', 'jane-view', 'ClusterRole', 'view', [user('jane')])] },
    request: res('list', 'configmaps', { namespace: '' }),
    allowed: false,
  },
  {
    name: 'a role binding uses the Role of its own namespace, not a same-named one elsewhere',
    world: { roles: [role('y', 'r', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }])], roleBindings: [rb('x', 'b', 'Role', 'r', [user('jane')])] },
    request: res('get', 'configmaps'),
    allowed: false,
    reason: 'RBAC: role.rbac.authorization.k8s.io "r" not found',
  },
  {
    name: 'a cluster role binding grants everywhere',
    world: granting({ verbs: ['list'], apiGroups: [''], resources: ['configmaps'] }),
    request: res('list', 'configmaps', { namespace: 'anything' }),
    allowed: true,
    reason: 'RBAC: allowed by ClusterRoleBinding "b" of ClusterRole "r" to User "jane"',
  },
  // --- missing roles: the reasons kube gives ---
  {
    name: 'a binding to a missing cluster role says so',
    world: { clusterRoleBindings: [crb('b', 'gone', [user('jane')])] },
    request: res('get', 'configmaps'),
    allowed: false,
    reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found',
  },
  {
    name: 'several resolution errors are listed once each',
    world: { clusterRoleBindings: [crb('a', 'gone', [user('jane')]), crb('b', 'gone', [group('devs')]), crb('c', 'other', [user('jane')])] },
    request: res('get', 'configmaps'),
    allowed: false,
    reason: 'RBAC: [clusterrole.rbac.authorization.k8s.io "gone" not found, clusterrole.rbac.authorization.k8s.io "other" not found]',
  },
  {
    name: 'a missing role does not stop another binding from allowing',
    world: { clusterRoles: [clusterRole('r', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }])], clusterRoleBindings: [crb('a', 'gone', [user('jane')]), crb('b', 'r', [user('jane')])] },
    request: res('get', 'configmaps'),
    allowed: true,
  },
  {
    name: 'bindings of other subjects say nothing about missing roles',
    world: { clusterRoleBindings: [crb('b', 'gone', [user('joe')])] },
    request: res('get', 'configmaps'),
    allowed: false,
    reason: '',
  },
  // --- aggregation ---
  {
    name: 'an aggregated role has the rules of the roles its selector matches',
    world: {
      clusterRoles: [
        clusterRole('view', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] } }),
        clusterRole('cm-reader', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }], { metadata: { labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } } }),
      ],
      clusterRoleBindings: [crb('b', 'view', [user('jane')])],
    },
    request: res('get', 'configmaps'),
    allowed: true,
    reason: 'RBAC: allowed by ClusterRoleBinding "b" of ClusterRole "view" to User "jane"',
  },
  {
    name: 'an aggregated role ignores the rules written in it',
    world: {
      clusterRoles: [clusterRole('view', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { agg: 'view' } }] } })],
      clusterRoleBindings: [crb('b', 'view', [user('jane')])],
    },
    request: res('get', 'configmaps'),
    allowed: false,
  },
  {
    name: 'aggregation follows chains (admin ← edit ← view)',
    world: {
      clusterRoles: [
        clusterRole('admin', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'to-admin': 'true' } }] } }),
        clusterRole('edit', [], { metadata: { labels: { 'to-admin': 'true' } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'to-edit': 'true' } }] } }),
        clusterRole('view', [], { metadata: { labels: { 'to-edit': 'true' } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'to-view': 'true' } }] } }),
        clusterRole('leaf', [{ verbs: ['watch'], apiGroups: [''], resources: ['configmaps'] }], { metadata: { labels: { 'to-view': 'true' } } }),
      ],
      roleBindings: [rb('x', 'b', 'ClusterRole', 'admin', [user('jane')])],
    },
    request: res('watch', 'configmaps'),
    allowed: true,
  },
  {
    name: 'aggregation selectors may use matchExpressions',
    world: {
      clusterRoles: [
        clusterRole('agg', [], { aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] }] } }),
        clusterRole('one', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }], { metadata: { labels: { tier: 'b' } } }),
      ],
      clusterRoleBindings: [crb('b', 'agg', [user('jane')])],
    },
    request: res('get', 'configmaps'),
    allowed: true,
  },
  {
    name: 'roles the selector does not match add nothing',
    world: {
      clusterRoles: [
        clusterRole('agg', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { tier: 'a' } }] } }),
        clusterRole('one', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }], { metadata: { labels: { tier: 'b' } } }),
      ],
      clusterRoleBindings: [crb('b', 'agg', [user('jane')])],
    },
    request: res('get', 'configmaps'),
    allowed: false,
  },
];

describe('RbacAuthorizer: conformance table', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const result = await new RbacAuthorizer(indexOf(c.world)).authorize(c.request);
      assert.equal(result.decision, c.allowed ? 'Allow' : 'NoOpinion');
      if (typeof c.reason === 'string') assert.equal(result.reason, c.reason);
      else if (c.reason) assert.match(result.reason, c.reason);
    });
  }
});

describe('RbacAuthorizer: the index moves', () => {
  it('follows bindings as they come and go, and aggregation as labels change', async () => {
    const index = indexOf({ clusterRoles: [clusterRole('view', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { v: 'y' } }] } })] });
    const rbac = new RbacAuthorizer(index);
    const binding = rb('x', 'jane-view', 'ClusterRole', 'view', [user('jane')]);
    const req = res('list', 'configmaps');
    assert.equal((await rbac.authorize(req)).decision, 'NoOpinion');
    index.apply('rolebindings', 'ADDED', binding);
    assert.equal((await rbac.authorize(req)).decision, 'NoOpinion');
    const reader = clusterRole('reader', [{ verbs: ['list'], apiGroups: [''], resources: ['configmaps'] }], { metadata: { labels: { v: 'y' } } });
    index.apply('clusterroles', 'ADDED', reader);
    assert.equal((await rbac.authorize(req)).decision, 'Allow');
    index.apply('clusterroles', 'MODIFIED', { ...reader, metadata: { name: 'reader', labels: { v: 'n' } } });
    assert.equal((await rbac.authorize(req)).decision, 'NoOpinion');
    index.apply('clusterroles', 'MODIFIED', reader);
    assert.equal((await rbac.authorize(req)).decision, 'Allow');
    index.apply('rolebindings', 'DELETED', binding);
    assert.equal((await rbac.authorize(req)).decision, 'NoOpinion');
    assert.deepEqual(index.roleBindings('x'), []);
  });
});

describe('RbacAuthorizer.rulesFor', () => {
  it('lists cluster-wide rules, then the namespace\'s, with resolution errors', () => {
    const index = indexOf({
      clusterRoles: [clusterRole('basic', [{ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'] }]), clusterRole('view', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }])],
      clusterRoleBindings: [crb('basic', 'basic', [group('system:authenticated')]), crb('broken', 'gone', [user('jane')])],
      roleBindings: [rb('x', 'v', 'ClusterRole', 'view', [user('jane')])],
    });
    const result = new RbacAuthorizer(index).rulesFor(jane, 'x');
    assert.deepEqual(result.rules, [
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'] },
      { verbs: ['get'], apiGroups: [''], resources: ['configmaps'] },
    ]);
    assert.deepEqual(result.errors, ['clusterrole.rbac.authorization.k8s.io "gone" not found']);
    assert.equal(new RbacAuthorizer(index).rulesFor(jane, 'y').rules.length, 1);
  });
});

describe('aggregateMessages', () => {
  it('formats as k8s.io/apimachinery aggregates do', () => {
    assert.equal(aggregateMessages(['a']), 'a');
    assert.equal(aggregateMessages(['a', 'b', 'a']), '[a, b]');
    assert.equal(aggregateMessages(['a', 'a']), 'a');
  });
});
