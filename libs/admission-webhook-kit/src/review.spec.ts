import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AdmissionReviewError, decodeAdmissionReview } from './review.js';
import { KUBE_CREATE_V1, KUBE_CREATE_V1BETA1, KUBE_DELETE_V1 } from './test-support/kube-reviews.js';

function refusal(body: unknown): string {
  try {
    decodeAdmissionReview(body);
  } catch (error) {
    assert.ok(error instanceof AdmissionReviewError, `an AdmissionReviewError, got ${error}`);
    assert.equal(error.httpStatus, 400);
    return error.message;
  }
  assert.fail('the review was accepted');
}

function kubeCreate(): any {
  return JSON.parse(KUBE_CREATE_V1);
}

describe('decodeAdmissionReview', () => {
  test("reads kube-apiserver's v1 review of a create, as text, bytes or parsed JSON", () => {
    for (const body of [KUBE_CREATE_V1, Buffer.from(KUBE_CREATE_V1), kubeCreate()]) {
      const { apiVersion, request } = decodeAdmissionReview(body);
      assert.equal(apiVersion, 'admission.k8s.io/v1');
      assert.equal(request.uid, '5781e0e8-c731-4fcd-ae12-cf19210d15d1');
      assert.equal(request.operation, 'CREATE');
      assert.deepEqual(request.kind, { group: 'apps', version: 'v1', kind: 'Deployment' });
      assert.deepEqual(request.resource, { group: 'apps', version: 'v1', resource: 'deployments' });
      assert.equal(request.namespace, 'adm-kit-capture');
      assert.equal(request.userInfo.username, 'kubernetes-admin');
      assert.deepEqual(request.userInfo.groups, ['system:masters', 'system:authenticated']);
      assert.equal(request.object?.metadata?.name, 'web');
      assert.equal(request.oldObject, null);
      assert.equal(request.dryRun, false);
      assert.equal(request.options?.kind, 'CreateOptions');
    }
  });

  test('keeps the version of a v1beta1 review, which the answer must carry', () => {
    const { apiVersion, request } = decodeAdmissionReview(KUBE_CREATE_V1BETA1);
    assert.equal(apiVersion, 'admission.k8s.io/v1beta1');
    assert.equal(request.operation, 'CREATE');
  });

  test('reads a delete, whose object is null and whose old object is the one going', () => {
    const { request } = decodeAdmissionReview(KUBE_DELETE_V1);
    assert.equal(request.operation, 'DELETE');
    assert.equal(request.object, null);
    assert.equal(request.oldObject?.metadata?.name, 'web');
    assert.equal(request.options?.kind, 'DeleteOptions');
  });

  test('freezes the request, so that a handler changes a copy', () => {
    const { request } = decodeAdmissionReview(KUBE_CREATE_V1);
    const labels = request.object?.metadata?.labels as Record<string, string>;
    assert.throws(() => {
      labels.owner = 'me';
    }, TypeError);
    const copy = structuredClone(request.object) as any;
    copy.metadata.labels.owner = 'me';
    assert.equal(copy.metadata.labels.owner, 'me');
  });

  test('freezes a deeply nested object without recursing', () => {
    const review = kubeCreate();
    let deep: any = {};
    review.request.object.spec.deep = deep;
    for (let i = 0; i < 100_000; i++) deep = deep.next = {};
    const { request } = decodeAdmissionReview(review);
    assert.ok(Object.isFrozen((request.object as any).spec.deep.next.next));
  });

  test('refuses what is not an AdmissionReview, naming what is wrong', () => {
    assert.match(refusal('{"apiVersion":'), /^the request body is not JSON: /);
    assert.equal(refusal([]), 'an AdmissionReview must be a JSON object');
    assert.equal(refusal({ ...kubeCreate(), apiVersion: 'admission.k8s.io/v2' }), 'unsupported apiVersion "admission.k8s.io/v2": expected admission.k8s.io/v1 or admission.k8s.io/v1beta1');
    assert.equal(refusal({ ...kubeCreate(), kind: 'TokenReview' }), 'unsupported kind "TokenReview": expected AdmissionReview');
    assert.equal(refusal({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), 'the AdmissionReview has no request');
  });

  test("refuses a request whose fields do not have k8s.io/api/admission/v1's types", () => {
    const cases: Array<[(request: any) => void, string]> = [
      [(r) => delete r.uid, 'request.uid must be a non-empty string'],
      [(r) => (r.uid = ''), 'request.uid must be a non-empty string'],
      [(r) => (r.operation = 'PATCH'), 'request.operation must be one of CREATE, UPDATE, DELETE, CONNECT'],
      [(r) => delete r.kind, 'request.kind must be an object'],
      [(r) => (r.kind.kind = ''), 'request.kind.kind must not be empty'],
      [(r) => (r.resource.group = null), 'request.resource.group must be a string'],
      [(r) => (r.requestResource = 'apps/v1'), 'request.requestResource must be an object'],
      [(r) => (r.namespace = 7), 'request.namespace must be a string'],
      [(r) => (r.dryRun = 'true'), 'request.dryRun must be a boolean'],
      [(r) => (r.userInfo = []), 'request.userInfo must be an object'],
      [(r) => (r.userInfo.groups = [1]), 'request.userInfo.groups must be a list of strings'],
      [(r) => (r.userInfo.extra = { scopes: 'a' }), 'request.userInfo.extra["scopes"] must be a list of strings'],
      [(r) => (r.object = [r.object]), 'request.object must be an object or null'],
      [(r) => (r.oldObject = 'x'), 'request.oldObject must be an object or null'],
    ];
    for (const [change, problem] of cases) {
      const review = kubeCreate();
      change(review.request);
      assert.equal(refusal(review), `invalid AdmissionReview: ${problem}`);
    }
  });

  test('takes a request without userInfo as one of nobody', () => {
    const review = kubeCreate();
    delete review.request.userInfo;
    assert.deepEqual(decodeAdmissionReview(review).request.userInfo, {});
  });
});
