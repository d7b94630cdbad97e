import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { invalid, renderFieldError, isValidPathSegmentName } from '@kapi/api-machinery';
import { defaultBinding, goRoleRef, normalizeRules, subjectsStrings, validateAggregationRule, validateBinding, validateBindingUpdate, validatePolicyRule, type BindingObject, type RoleObject } from './validation.js';
import { goStringSlice } from '../go-syntax.js';

const G = 'rbac.authorization.k8s.io';
const rendered = (errs: ReturnType<typeof validatePolicyRule>) => errs.map(renderFieldError);

describe('isValidPathSegmentName', () => {
  it('refuses . and .. and names with / or %, as kube does for RBAC names', () => {
    assert.deepEqual(isValidPathSegmentName('system:masters'), []);
    assert.deepEqual(isValidPathSegmentName('Any_Thing at all'), []);
    assert.deepEqual(isValidPathSegmentName('.'), ["may not be '.'"]);
    assert.deepEqual(isValidPathSegmentName('..'), ["may not be '..'"]);
    assert.deepEqual(isValidPathSegmentName('a/b%c'), ["may not contain '/'", "may not contain '%'"]);
  });
});

describe('validatePolicyRule', () => {
  it('accepts resource rules and non-resource rules', () => {
    assert.deepEqual(validatePolicyRule({ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, true, 'rules[0]'), []);
    assert.deepEqual(validatePolicyRule({ verbs: ['get'], nonResourceURLs: ['/healthz'] }, false, 'rules[0]'), []);
  });

  it('requires verbs, api groups and resources with kube\'s messages', () => {
    assert.deepEqual(rendered(validatePolicyRule({}, true, 'rules[1]')), [
      'rules[1].verbs: Required value: verbs must contain at least one value',
      'rules[1].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[1].resources: Required value: resource rules must supply at least one resource',
    ]);
  });

  it('keeps non-resource URLs out of namespaced roles and apart from resources', () => {
    assert.deepEqual(rendered(validatePolicyRule({ verbs: ['get'], nonResourceURLs: ['/logs', '/metrics'] }, true, 'rules[0]')), [
      'rules[0].nonResourceURLs: Invalid value: []string{"/logs", "/metrics"}: namespaced rules cannot apply to non-resource URLs',
    ]);
    assert.deepEqual(rendered(validatePolicyRule({ verbs: ['get'], nonResourceURLs: ['/logs'], resources: ['pods'] }, false, 'rules[0]')), [
      'rules[0].nonResourceURLs: Invalid value: []string{"/logs"}: rules cannot apply to both regular resources and non-resource URLs',
    ]);
  });
});

describe('validateAggregationRule', () => {
  it('needs at least one selector, and valid ones', () => {
    assert.deepEqual(validateAggregationRule({}), []);
    assert.deepEqual(validateAggregationRule({ aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] } }), []);
    assert.deepEqual(rendered(validateAggregationRule({ aggregationRule: {} })), [
      'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
    ]);
    const errs = validateAggregationRule({
      aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'In' }, { key: 'b', operator: 'Exists', values: ['x'] }, { key: 'c', operator: 'Near' }] }] },
    });
    assert.deepEqual(rendered(errs), [
      "aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "aggregationRule.clusterRoleSelectors[0].matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      'aggregationRule.clusterRoleSelectors[0].matchExpressions[2].operator: Invalid value: "Near": not a valid selector operator',
    ]);
  });
});

describe('bindings', () => {
  const binding = (over: Partial<BindingObject> = {}): BindingObject => ({ metadata: { name: 'b', namespace: 'x' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'view' }, subjects: [], ...over });

  it('accepts the subjects kube knows', () => {
    const subjects = [
      { kind: 'User', apiGroup: G, name: 'jane' },
      { kind: 'Group', apiGroup: G, name: 'devs' },
      { kind: 'ServiceAccount', apiGroup: '', name: 'builder', namespace: 'ci' },
      { kind: 'ServiceAccount', name: 'local' },
    ];
    assert.deepEqual(validateBinding(binding({ subjects }), true), []);
  });

  it('checks the role reference', () => {
    assert.deepEqual(rendered(validateBinding(binding({ roleRef: { apiGroup: 'rbac', kind: 'Thing', name: '' } }), true)), [
      'roleRef.apiGroup: Unsupported value: "rbac": supported values: "rbac.authorization.k8s.io"',
      'roleRef.kind: Unsupported value: "Thing": supported values: "Role", "ClusterRole"',
      'roleRef.name: Required value',
    ]);
    assert.deepEqual(rendered(validateBinding(binding({ roleRef: { apiGroup: G, kind: 'Role', name: 'a/b' } }), false)), [
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      `roleRef.name: Invalid value: "a/b": may not contain '/'`,
    ]);
  });

  it('checks subjects with kube\'s rules per kind', () => {
    const errs = validateBinding(
      binding({
        subjects: [
          { kind: 'User', name: 'jane' },
          { kind: 'ServiceAccount', apiGroup: G, name: 'Bad_Name' },
          { kind: 'Robot', name: 'r2' },
          { kind: 'Group', apiGroup: G },
        ],
      }),
      false,
    );
    assert.deepEqual(rendered(errs).map((e) => e.replace(/ \(e\.g\..*$/, '')), [
      'subjects[0].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"',
      'subjects[1].name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character',
      'subjects[1].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: ""',
      'subjects[1].namespace: Required value',
      'subjects[2].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
      'subjects[3].name: Required value',
    ]);
  });

  it('defaults roleRef and User/Group subjects to the RBAC group, service accounts to the core group', () => {
    const b: BindingObject = { roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'jane' }, { kind: 'Group', name: 'g' }, { kind: 'ServiceAccount', name: 's' }, { kind: 'User', apiGroup: 'other', name: 'o' }] };
    defaultBinding(b);
    assert.deepEqual(b.roleRef, { kind: 'ClusterRole', name: 'view', apiGroup: G });
    assert.deepEqual(b.subjects!.map((s) => s.apiGroup), [G, G, undefined, 'other']);
    assert.equal('apiGroup' in b.subjects![2], false);
    const empty: BindingObject = {};
    defaultBinding(empty);
    assert.deepEqual(empty.roleRef, { apiGroup: G });
  });

  it('refuses a changed roleRef with the message kube gives', () => {
    const errs = validateBindingUpdate(binding({ roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'edit' } }), binding());
    assert.equal(
      invalid('ClusterRoleBinding', G, 'b', errs).message,
      'ClusterRoleBinding.rbac.authorization.k8s.io "b" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef',
    );
    assert.deepEqual(validateBindingUpdate(binding({ subjects: [{ kind: 'User', apiGroup: G, name: 'x' }] }), binding()), []);
  });

  it('lists subjects as kube prints them', () => {
    assert.deepEqual(subjectsStrings([{ kind: 'User', name: 'a' }, { kind: 'ServiceAccount', name: 's', namespace: 'n' }, { kind: 'Group', name: 'g' }, { kind: 'User', name: 'b' }]), {
      users: ['a', 'b'],
      groups: ['g'],
      serviceAccounts: ['n/s'],
    });
  });
});

describe('normalizeRules', () => {
  it('drops empty optional lists, as kube\'s JSON leaves them out', () => {
    const role: RoleObject = { rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: [], nonResourceURLs: [] }] };
    normalizeRules(role);
    assert.deepEqual(role.rules, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]);
  });
});

describe('Go value rendering', () => {
  it('renders slices and role references as %#v does', () => {
    assert.equal(goStringSlice(['a', 'b"c']), '[]string{"a", "b\\"c"}');
    assert.equal(goStringSlice(undefined), '[]string(nil)');
    assert.equal(goRoleRef({ apiGroup: G, kind: 'Role', name: 'r' }), 'rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"r"}');
  });
});
