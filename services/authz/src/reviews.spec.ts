import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError, type Status } from '@kapi/api-machinery';
import {
  bootstrapClusterRoleBindings,
  bootstrapClusterRoles,
  bootstrapPolicyAuthorizer,
  mastersAuthorizer,
  RbacAuthorizer,
  RbacIndex,
  rulesResolverForModes,
  type Authorizer,
  type RequestAttributes,
} from '@kapi/authorization';
import { ReviewAnswerer } from './reviews.js';

const G = 'authorization.k8s.io';
const jane = { username: 'jane', groups: ['devs', 'system:authenticated'] };
const admin = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };

function answerer(extra: (index: RbacIndex) => void = () => {}) {
  const index = new RbacIndex();
  index.replace('clusterroles', bootstrapClusterRoles());
  index.replace('clusterrolebindings', bootstrapClusterRoleBindings());
  index.replace('roles', []);
  index.replace('rolebindings', []);
  extra(index);
  const rbac = new RbacAuthorizer(index);
  const authorizers: Authorizer[] = [mastersAuthorizer, rbac, bootstrapPolicyAuthorizer];
  return new ReviewAnswerer(authorizers, rulesResolverForModes(['RBAC'], rbac));
}

const body = (obj: unknown) => Buffer.from(JSON.stringify(obj));
const janeView = (index: RbacIndex) =>
  index.replace('rolebindings', [
    {
      metadata: { name: 'jane-view', namespace: 'x' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }],
    },
  ]);

async function refusal(p: Promise<unknown>): Promise<Status> {
  try {
    await p;
  } catch (err) {
    if (isStatusError(err)) return err.toStatus();
    throw err;
  }
  assert.fail('expected a refusal');
}

describe('ReviewAnswerer: access reviews', () => {
  it('answers a SelfSubjectAccessReview for the requesting user', async () => {
    const reviews = answerer(janeView);
    const ssar = { apiVersion: `${G}/v1`, kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'x', verb: 'list', resource: 'configmaps' } } };
    const yes = await reviews.answer('selfsubjectaccessreviews', '', body(ssar), jane);
    assert.deepEqual(yes.status, { allowed: true, reason: 'RBAC: allowed by RoleBinding "jane-view/x" of ClusterRole "view" to User "jane"' });
    assert.deepEqual(yes.spec, ssar.spec);
    const elsewhere = await reviews.answer('selfsubjectaccessreviews', '', body({ spec: { resourceAttributes: { namespace: 'y', verb: 'list', resource: 'configmaps' } } }), jane);
    // No opinion from anyone is not allowed, and not denied either.
    assert.deepEqual(elsewhere.status, { allowed: false });
    assert.equal(elsewhere.kind, 'SelfSubjectAccessReview');
    assert.equal(elsewhere.apiVersion, `${G}/v1`);
  });

  it('answers non-resource reviews', async () => {
    const reviews = answerer();
    const r = await reviews.answer('selfsubjectaccessreviews', '', body({ spec: { nonResourceAttributes: { path: '/apis/apps', verb: 'get' } } }), jane);
    assert.equal((r.status as { allowed: boolean }).allowed, true);
    const metrics = await reviews.answer('selfsubjectaccessreviews', '', body({ spec: { nonResourceAttributes: { path: '/metrics', verb: 'get' } } }), jane);
    assert.equal((metrics.status as { allowed: boolean }).allowed, false);
  });

  it('answers a SubjectAccessReview for the user it names, not the requester', async () => {
    const reviews = answerer(janeView);
    const sar = { spec: { user: 'jane', resourceAttributes: { namespace: 'x', verb: 'delete', resource: 'configmaps' } } };
    assert.equal(((await reviews.answer('subjectaccessreviews', '', body(sar), admin)).status as { allowed: boolean }).allowed, false);
    const asMaster = { spec: { user: 'someone', groups: ['system:masters'], resourceAttributes: { verb: 'delete', resource: 'nodes' } } };
    assert.deepEqual((await reviews.answer('subjectaccessreviews', '', body(asMaster), jane)).status, { allowed: true });
  });

  it('fills a LocalSubjectAccessReview\'s namespace from the path and checks it', async () => {
    const reviews = answerer(janeView);
    const lsar = { spec: { user: 'jane', resourceAttributes: { namespace: 'x', verb: 'get', resource: 'configmaps' } } };
    const r = await reviews.answer('localsubjectaccessreviews', 'x', body(lsar), admin);
    assert.equal(r.metadata?.namespace, 'x');
    assert.equal((r.status as { allowed: boolean }).allowed, true);
    const wrong = await refusal(reviews.answer('localsubjectaccessreviews', 'y', body(lsar), admin));
    assert.equal(wrong.code, 422);
    assert.equal(wrong.message, 'LocalSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "x": must match metadata.namespace');
    const mismatch = await refusal(reviews.answer('localsubjectaccessreviews', 'y', body({ ...lsar, metadata: { namespace: 'x' } }), admin));
    assert.equal(mismatch.code, 400);
  });

  it('refuses what kube refuses', async () => {
    const reviews = answerer();
    const noAttrs = await refusal(reviews.answer('selfsubjectaccessreviews', '', body({ spec: {} }), jane));
    assert.equal(noAttrs.reason, 'Invalid');
    assert.match(noAttrs.message ?? '', /exactly one of nonResourceAttributes or resourceAttributes must be specified/);
    const wrongKind = await refusal(reviews.answer('selfsubjectaccessreviews', '', body({ kind: 'SubjectAccessReview', spec: {} }), jane));
    assert.equal(wrongKind.message, 'the kind in the data (SubjectAccessReview) does not match the expected kind (SelfSubjectAccessReview)');
    assert.equal((await refusal(reviews.answer('selfsubjectaccessreviews', '', Buffer.from('{'), jane))).code, 400);
    assert.equal((await refusal(reviews.answer('tokenreviews', '', body({}), jane))).code, 404);
  });
});

describe('ReviewAnswerer: rules reviews', () => {
  it('lists what the user may do in a namespace, resource and non-resource rules apart', async () => {
    const reviews = answerer(janeView);
    const r = await reviews.answer('selfsubjectrulesreviews', '', body({ spec: { namespace: 'x' } }), jane);
    const status = r.status as { resourceRules: { verbs: string[]; apiGroups?: string[]; resources: string[] }[]; nonResourceRules: { nonResourceURLs: string[] }[]; incomplete: boolean };
    assert.equal(status.incomplete, false);
    assert.deepEqual(status.resourceRules[0], { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] });
    assert.ok(status.resourceRules.some((rule) => rule.resources.includes('configmaps') && rule.verbs.includes('list')));
    assert.ok(status.nonResourceRules.some((rule) => rule.nonResourceURLs.includes('/api/*')));
    const other = await reviews.answer('selfsubjectrulesreviews', '', body({ spec: { namespace: 'y' } }), jane);
    assert.ok(!(other.status as typeof status).resourceRules.some((rule) => rule.resources.includes('configmaps')));
  });

  it('needs a namespace and reports resolution errors', async () => {
    const reviews = answerer((index) =>
      index.replace('clusterrolebindings', [...bootstrapClusterRoleBindings(), { metadata: { name: 'broken' }, roleRef: { kind: 'ClusterRole', name: 'gone' }, subjects: [{ kind: 'User', name: 'jane' }] }]),
    );
    const missing = await refusal(reviews.answer('selfsubjectrulesreviews', '', body({ spec: {} }), jane));
    assert.deepEqual([missing.code, missing.message], [400, 'no namespace on request']);
    const r = await reviews.answer('selfsubjectrulesreviews', '', body({ spec: { namespace: 'x' } }), jane);
    assert.equal((r.status as { evaluationError?: string }).evaluationError, 'clusterrole.rbac.authorization.k8s.io "gone" not found');
  });
});

describe('ReviewAnswerer: the whole chain', () => {
  const sar = (spec: Record<string, unknown>) => body({ apiVersion: `${G}/v1`, kind: 'SubjectAccessReview', spec });

  it('reports a Deny as denied, a failure as the evaluationError, and passes uid and extra on', async () => {
    const seen: RequestAttributes['user'][] = [];
    const webhookLike: Authorizer = {
      name: 'Webhook',
      async authorize(a) {
        seen.push(a.user);
        if (a.resource === 'secrets') return { decision: 'Deny', reason: 'secrets are off limits' };
        return { decision: 'NoOpinion', reason: '', error: 'Post "https://hook": connect ECONNREFUSED' };
      },
    };
    const index = new RbacIndex();
    const rbac = new RbacAuthorizer(index);
    const reviews = new ReviewAnswerer([mastersAuthorizer, rbac, webhookLike], rulesResolverForModes(['RBAC', 'Webhook'], rbac));
    const denied = await reviews.answer('subjectaccessreviews', '', sar({ user: 'jane', uid: '42', extra: { team: ['blue'] }, resourceAttributes: { verb: 'get', resource: 'secrets' } }), admin);
    assert.deepEqual((denied as { status?: unknown }).status, { allowed: false, denied: true, reason: 'secrets are off limits' });
    assert.deepEqual(seen[0], { username: 'jane', groups: [], uid: '42', extra: { team: ['blue'] } });
    const failed = await reviews.answer('subjectaccessreviews', '', sar({ user: 'jane', resourceAttributes: { verb: 'get', resource: 'configmaps' } }), admin);
    assert.deepEqual((failed as { status?: unknown }).status, { allowed: false, evaluationError: 'Post "https://hook": connect ECONNREFUSED' });
    // The webhook cannot list its rules: the rules review says it may be incomplete.
    const rules = await reviews.answer('selfsubjectrulesreviews', '', body({ spec: { namespace: 'x' } }), jane);
    const status = rules.status as { incomplete: boolean; evaluationError?: string };
    assert.equal(status.incomplete, true);
    assert.equal(status.evaluationError, 'webhook authorizer does not support user rule resolution');
  });
});
