import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveClusterRoleRules } from './aggregation.js';
import { bootstrapClusterRoles } from './bootstrap-roles.js';
import { selectorMatches } from './selector.js';
import type { ClusterRole, PolicyRule } from './types.js';

const r = (verb: string, resource: string): PolicyRule => ({ verbs: [verb], apiGroups: [''], resources: [resource] });
const cr = (name: string, rules: PolicyRule[], labels?: Record<string, string>, selectors?: ClusterRole['aggregationRule']): ClusterRole => ({
  metadata: { name, labels },
  rules,
  ...(selectors ? { aggregationRule: selectors } : {}),
});

describe('effectiveClusterRoleRules', () => {
  it('takes matching roles in name order, each distinct rule once', () => {
    const rules = effectiveClusterRoleRules([
      cr('zz', [r('get', 'a'), r('get', 'b')], { agg: 'y' }),
      cr('aa', [r('get', 'b'), r('get', 'c')], { agg: 'y' }),
      cr('target', [], undefined, { clusterRoleSelectors: [{ matchLabels: { agg: 'y' } }] }),
    ]);
    assert.deepEqual(rules.get('target'), [r('get', 'b'), r('get', 'c'), r('get', 'a')]);
    assert.deepEqual(rules.get('zz'), [r('get', 'a'), r('get', 'b')]);
  });

  it('treats a rule with an empty list as equal to one without it', () => {
    const rules = effectiveClusterRoleRules([
      cr('a', [{ ...r('get', 'x'), resourceNames: [] }], { agg: 'y' }),
      cr('b', [r('get', 'x')], { agg: 'y' }),
      cr('t', [], undefined, { clusterRoleSelectors: [{ matchLabels: { agg: 'y' } }] }),
    ]);
    assert.equal(rules.get('t')?.length, 1);
  });

  it('never aggregates a role into itself', () => {
    const rules = effectiveClusterRoleRules([cr('self', [r('get', 'x')], { agg: 'y' }, { clusterRoleSelectors: [{ matchLabels: { agg: 'y' } }] })]);
    assert.deepEqual(rules.get('self'), []);
  });

  it('unions several selectors, in selector order', () => {
    const rules = effectiveClusterRoleRules([
      cr('a', [r('get', 'a')], { one: 'y' }),
      cr('b', [r('get', 'b')], { two: 'y' }),
      cr('t', [], undefined, { clusterRoleSelectors: [{ matchLabels: { two: 'y' } }, { matchLabels: { one: 'y' } }] }),
    ]);
    assert.deepEqual(rules.get('t'), [r('get', 'b'), r('get', 'a')]);
  });

  it('settles cycles instead of looping', () => {
    const rules = effectiveClusterRoleRules([
      cr('a', [], { to: 'b' }, { clusterRoleSelectors: [{ matchLabels: { to: 'a' } }] }),
      cr('b', [], { to: 'a' }, { clusterRoleSelectors: [{ matchLabels: { to: 'b' } }] }),
      cr('leaf', [r('get', 'x')], { to: 'a' }),
    ]);
    assert.deepEqual(rules.get('a'), [r('get', 'x')]);
    assert.deepEqual(rules.get('b'), [r('get', 'x')]);
  });
});

describe('selectorMatches', () => {
  const labels = { app: 'web', tier: 'front' };
  it('matches labels and every expression operator', () => {
    assert.equal(selectorMatches({}, labels), true);
    assert.equal(selectorMatches({}, undefined), true);
    assert.equal(selectorMatches({ matchLabels: { app: 'web' } }, labels), true);
    assert.equal(selectorMatches({ matchLabels: { app: 'db' } }, labels), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels), false);
    assert.equal(selectorMatches({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, labels), false);
  });

  it('matches nothing with an operator kube does not know', () => {
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Like', values: ['w'] }] }, labels), false);
  });
});

describe('bootstrapClusterRoles', () => {
  const roles = new Map(bootstrapClusterRoles().map((role) => [role.metadata.name, role]));

  it('aggregates view into edit and edit into admin, as the controller would write them', () => {
    const view = roles.get('view')!;
    const edit = roles.get('edit')!;
    const admin = roles.get('admin')!;
    assert.deepEqual(view.aggregationRule, { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] });
    assert.equal(view.metadata.labels['rbac.authorization.k8s.io/aggregate-to-edit'], 'true');
    assert.equal(edit.metadata.labels['rbac.authorization.k8s.io/aggregate-to-admin'], 'true');
    assert.deepEqual(view.rules, roles.get('system:aggregate-to-view')!.rules);
    // edit: system:aggregate-to-edit sorts before view.
    assert.deepEqual(edit.rules, [...roles.get('system:aggregate-to-edit')!.rules!, ...view.rules!]);
    // admin: edit sorts before system:aggregate-to-admin.
    assert.deepEqual(admin.rules, [...edit.rules!, ...roles.get('system:aggregate-to-admin')!.rules!]);
    assert.ok(view.rules!.some((rule) => rule.resources?.includes('configmaps') && rule.verbs?.includes('list')));
  });
});
