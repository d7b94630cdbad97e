// The four RBAC kinds as discovery, kubectl's table printing and its protobuf create generators see them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew, prepareChanged } from '../strategy.js';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { buildTable, decodeProtobufObject, type KubeObject } from '@kapi/api-machinery';
import { STANDARD_VERBS } from '../strategy.js';
import { clusterRoleBindingStrategy } from './cluster-role-binding.js';
import { clusterRoleStrategy } from './cluster-role.js';
import { roleBindingStrategy } from './role-binding.js';
import { roleStrategy } from './role.js';

const G = 'rbac.authorization.k8s.io';
const LD = WireType.LengthDelimited;

function protobufBody(kind: string, raw: Uint8Array): Buffer {
  const unknown = new BinaryWriter().tag(1, LD).fork().tag(1, LD).string(`${G}/v1`).tag(2, LD).string(kind).join().tag(2, LD).bytes(raw).finish();
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]);
}

describe('RBAC kinds: resource info', () => {
  it('serves the four rbac.authorization.k8s.io/v1 resources with the standard verbs', () => {
    const infos = [roleStrategy, clusterRoleStrategy, roleBindingStrategy, clusterRoleBindingStrategy].map((s) => s.info);
    assert.deepEqual(
      infos.map((i) => [i.group, i.version, i.resource, i.kind, i.namespaced, i.singularName, i.listKind]),
      [
        [G, 'v1', 'roles', 'Role', true, 'role', 'RoleList'],
        [G, 'v1', 'clusterroles', 'ClusterRole', false, 'clusterrole', 'ClusterRoleList'],
        [G, 'v1', 'rolebindings', 'RoleBinding', true, 'rolebinding', 'RoleBindingList'],
        [G, 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false, 'clusterrolebinding', 'ClusterRoleBindingList'],
      ],
    );
    for (const i of infos) {
      assert.deepEqual(i.verbs, STANDARD_VERBS);
      assert.deepEqual(i.shortNames, []);
    }
  });

  it('accepts names that are not DNS names, as kube does for RBAC', () => {
    for (const s of [roleStrategy, clusterRoleStrategy, roleBindingStrategy, clusterRoleBindingStrategy]) {
      assert.deepEqual(s.validateName('system:controller:job-controller'), []);
      assert.notDeepEqual(s.validateName('a/b'), []);
    }
  });
});

describe('RBAC kinds: tables', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');

  it('prints roles and cluster roles as NAME CREATED AT', () => {
    const role: KubeObject = { metadata: { name: 'r', creationTimestamp: '2024-04-30T12:00:00Z' }, rules: [] };
    for (const s of [roleStrategy, clusterRoleStrategy]) {
      const table = buildTable([role], s.tableColumns, { include: 'None', now });
      assert.deepEqual(table.columnDefinitions.map((c) => [c.name, c.type, c.priority]), [['Name', 'string', 0], ['Created At', 'date', 0]]);
      assert.deepEqual(table.rows[0].cells, ['r', '2024-04-30T12:00:00Z']);
    }
  });

  it('prints bindings as NAME ROLE AGE, with users, groups and service accounts for -o wide', () => {
    const binding: KubeObject = {
      metadata: { name: 'b', creationTimestamp: '2024-04-30T12:00:00Z' },
      roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'view' },
      subjects: [
        { kind: 'User', name: 'jane' },
        { kind: 'User', name: 'joe' },
        { kind: 'Group', name: 'devs' },
        { kind: 'ServiceAccount', name: 'builder', namespace: 'ci' },
      ],
    };
    for (const s of [roleBindingStrategy, clusterRoleBindingStrategy]) {
      const table = buildTable([binding], s.tableColumns, { include: 'None', now });
      assert.deepEqual(table.columnDefinitions.map((c) => [c.name, c.priority]), [
        ['Name', 0],
        ['Role', 0],
        ['Age', 0],
        ['Users', 1],
        ['Groups', 1],
        ['ServiceAccounts', 1],
      ]);
      assert.deepEqual(table.rows[0].cells, ['b', 'ClusterRole/view', '24h', 'jane, joe', 'devs', 'ci/builder']);
    }
    assert.equal(roleBindingStrategy.tableColumns[3].description, 'Users in the roleBinding');
    assert.equal(clusterRoleBindingStrategy.tableColumns[3].description, 'Users in the clusterRoleBinding');
  });
});

describe('RBAC kinds: protobuf', () => {
  it('decodes a Role with rules, keeping the core group ""', () => {
    const rule = new BinaryWriter().tag(1, LD).string('get').tag(1, LD).string('list').tag(2, LD).string('').tag(3, LD).string('configmaps').tag(4, LD).string('a').finish();
    const raw = new BinaryWriter().tag(1, LD).fork().tag(1, LD).string('reader').tag(3, LD).string('x').join().tag(2, LD).bytes(rule).finish();
    assert.deepEqual(decodeProtobufObject(protobufBody('Role', raw), roleStrategy.protobuf!), {
      apiVersion: `${G}/v1`,
      kind: 'Role',
      metadata: { name: 'reader', namespace: 'x' },
      rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }],
    });
  });

  it('decodes a ClusterRole with non-resource URLs and an aggregation rule', () => {
    const rule = new BinaryWriter().tag(1, LD).string('get').tag(5, LD).string('/logs/*').finish();
    const entry = new BinaryWriter().tag(1, LD).string('tier').tag(2, LD).string('a').finish();
    const expr = new BinaryWriter().tag(1, LD).string('env').tag(2, LD).string('In').tag(3, LD).string('prod').finish();
    const selector = new BinaryWriter().tag(1, LD).bytes(entry).tag(2, LD).bytes(expr).finish();
    const aggregation = new BinaryWriter().tag(1, LD).bytes(selector).finish();
    const raw = new BinaryWriter().tag(1, LD).fork().tag(1, LD).string('c').join().tag(2, LD).bytes(rule).tag(3, LD).bytes(aggregation).finish();
    assert.deepEqual(decodeProtobufObject(protobufBody('ClusterRole', raw), clusterRoleStrategy.protobuf!), {
      apiVersion: `${G}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'c' },
      rules: [{ verbs: ['get'], nonResourceURLs: ['/logs/*'] }],
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { tier: 'a' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }] },
    });
  });

  it('decodes a RoleBinding as `kubectl create rolebinding` sends it', () => {
    const subject = new BinaryWriter().tag(1, LD).string('User').tag(2, LD).string(G).tag(3, LD).string('jane').finish();
    const sa = new BinaryWriter().tag(1, LD).string('ServiceAccount').tag(3, LD).string('builder').tag(4, LD).string('ci').finish();
    const ref = new BinaryWriter().tag(1, LD).string(G).tag(2, LD).string('ClusterRole').tag(3, LD).string('view').finish();
    const raw = new BinaryWriter().tag(1, LD).fork().tag(1, LD).string('jane-view').join().tag(2, LD).bytes(subject).tag(2, LD).bytes(sa).tag(3, LD).bytes(ref).finish();
    for (const s of [roleBindingStrategy, clusterRoleBindingStrategy]) {
      assert.deepEqual(decodeProtobufObject(protobufBody('RoleBinding', raw), s.protobuf!), {
        apiVersion: `${G}/v1`,
        kind: 'RoleBinding',
        metadata: { name: 'jane-view' },
        subjects: [
          { kind: 'User', apiGroup: G, name: 'jane' },
          { kind: 'ServiceAccount', name: 'builder', namespace: 'ci' },
        ],
        roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'view' },
      });
    }
  });
});

describe('RBAC kinds: writes', () => {
  it('defaults bindings on create and update, and keeps roleRef', () => {
    const obj: KubeObject = { metadata: { name: 'b', namespace: 'x' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', name: 'jane' }] };
    prepareNew(roleBindingStrategy, obj);
    assert.deepEqual(obj.roleRef, { kind: 'Role', name: 'r', apiGroup: G });
    assert.deepEqual(roleBindingStrategy.validate(obj), []);
    const changed = structuredClone(obj);
    changed.roleRef = { kind: 'ClusterRole', name: 'r' };
    prepareChanged(roleBindingStrategy, changed, obj);
    assert.equal(roleBindingStrategy.validateUpdate(changed, obj).length, 1);
  });

  it('validates role rules as namespaced or not', () => {
    const urls: KubeObject = { metadata: { name: 'r' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/logs'] }] };
    assert.equal(roleStrategy.validate(urls).length, 1);
    assert.deepEqual(clusterRoleStrategy.validate(urls), []);
    assert.equal(clusterRoleStrategy.validate({ ...urls, aggregationRule: { clusterRoleSelectors: [] } }).length, 1);
  });

  it('lets a ClusterRoleBinding bind only ClusterRoles', () => {
    const obj: KubeObject = { metadata: { name: 'b' }, roleRef: { apiGroup: G, kind: 'Role', name: 'r' } };
    assert.equal(clusterRoleBindingStrategy.validate(obj).length, 1);
    assert.deepEqual(roleBindingStrategy.validate(obj), []);
  });
});
