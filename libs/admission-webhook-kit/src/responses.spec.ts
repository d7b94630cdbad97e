import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyPatch } from 'fast-json-patch';
import { decodeAdmissionReview } from './review.js';
import { VerdictError, admissionResponse, admissionReview, allow, deny, mutate, patch, type Verdict } from './responses.js';
import { kubeDenialMessage, verifyAsKube } from './test-support/kube-verify.js';
import { KUBE_CREATE_V1, KUBE_CREATE_V1BETA1, KUBE_DELETE_V1 } from './test-support/kube-reviews.js';

const create = decodeAdmissionReview(KUBE_CREATE_V1);
const UID = create.request.uid;

/** The answer as kube-apiserver receives it: the review, serialised and parsed. */
function onTheWire(verdict: Verdict, mutating: boolean, decoded = create): any {
  const response = admissionResponse(decoded.request, verdict, { mutating });
  return JSON.parse(JSON.stringify(admissionReview(decoded.apiVersion, response)));
}

describe('admission responses, as kube-apiserver reads them', () => {
  test('allow: the uid and allowed, nothing else', () => {
    for (const mutating of [false, true]) {
      const review = onTheWire(allow(), mutating);
      assert.deepEqual(review, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: UID, allowed: true } });
      assert.deepEqual(verifyAsKube(review, UID, mutating), { allowed: true });
    }
  });

  test('deny: a Failure Status, 403 Forbidden unless told otherwise, which kube prefixes with the webhook name', () => {
    const review = onTheWire(deny('Deployment "web" has no "owner" label'), false);
    const verified = verifyAsKube(review, UID, false);
    assert.equal(verified.allowed, false);
    assert.deepEqual(verified.status, { status: 'Failure', code: 403, reason: 'Forbidden', message: 'Deployment "web" has no "owner" label' });
    assert.equal(
      kubeDenialMessage('owner.kapi.example', verified.status),
      'admission webhook "owner.kapi.example" denied the request: Deployment "web" has no "owner" label',
    );
  });

  test('deny with a code, reason and details of its own', () => {
    const details = { name: 'web', group: 'apps', kind: 'deployments', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'metadata.labels.owner' }] };
    const review = onTheWire(deny('metadata.labels.owner: Required value', { code: 422, reason: 'Invalid', details }), true);
    assert.deepEqual(verifyAsKube(review, UID, true).status, { status: 'Failure', code: 422, reason: 'Invalid', message: 'metadata.labels.owner: Required value', details });
  });

  test('deny refuses what kube would turn into something else: a non-error code, no message', () => {
    assert.throws(() => admissionResponse(create.request, deny('no', { code: 200 })), new VerdictError("a denial's code must be an HTTP error status (400 to 599), got 200"));
    assert.throws(() => admissionResponse(create.request, deny('')), new VerdictError('a denial needs a message'));
  });

  test('mutate: the JSONPatch from the object sent to the object wanted, base64, with patchType JSONPatch', () => {
    const wanted = structuredClone(create.request.object) as any;
    wanted.metadata.labels['kapi.example/owner'] = 'team-a';
    wanted.spec.template.spec.containers[0].resources = { requests: { cpu: '100m', memory: '128Mi' } };
    const review = onTheWire(mutate(wanted), true);
    assert.equal(review.response.patchType, 'JSONPatch');
    const verified = verifyAsKube(review, UID, true);
    assert.equal(verified.allowed, true);
    // A "/" in a key is escaped as JSON Pointer says (~1), which kube's JSONPatch reads.
    assert.deepEqual(verified.operations, [
      { op: 'add', path: '/spec/template/spec/containers/0/resources/requests', value: { cpu: '100m', memory: '128Mi' } },
      { op: 'add', path: '/metadata/labels/kapi.example~1owner', value: 'team-a' },
    ]);
    const patched = applyPatch(structuredClone(create.request.object), verified.operations as any).newDocument;
    assert.deepEqual(patched, wanted);
  });

  test('mutate with nothing changed: allowed, and neither patch nor patchType (kube refuses one without the other)', () => {
    const review = onTheWire(mutate(structuredClone(create.request.object) as any), true);
    assert.deepEqual(review.response, { uid: UID, allowed: true });
    verifyAsKube(review, UID, true);
  });

  test('patch: the operations given', () => {
    const operations = [{ op: 'remove' as const, path: '/spec/template/spec/containers/0/terminationMessagePath' }];
    const verified = verifyAsKube(onTheWire(patch(operations), true), UID, true);
    assert.deepEqual(verified.operations, operations);
  });

  test('a validating webhook may not patch, as kube says', () => {
    const wanted = structuredClone(create.request.object) as any;
    wanted.metadata.labels.owner = 'me';
    for (const verdict of [mutate(wanted), patch([{ op: 'add', path: '/metadata/labels/owner', value: 'me' }])]) {
      assert.throws(() => admissionResponse(create.request, verdict, { mutating: false }), /a validating webhook may not return a patch/);
    }
  });

  test('a delete has no object to mutate', () => {
    const deletion = decodeAdmissionReview(KUBE_DELETE_V1);
    assert.throws(() => admissionResponse(deletion.request, mutate({ kind: 'Deployment' })), new VerdictError('a DELETE request has no object to mutate'));
  });

  test('warnings and audit annotations ride on every verdict', () => {
    const extras = { warnings: ['container "nginx" got default resource requests', ' '], auditAnnotations: { 'defaulted-containers': 'nginx' } };
    for (const [verdict, mutating] of [[allow(extras), false], [deny('no', extras), false], [mutate(structuredClone(create.request.object) as any, extras), true]] as const) {
      const verified = verifyAsKube(onTheWire(verdict, mutating), UID, mutating);
      // A blank warning says nothing and is left out.
      assert.deepEqual(verified.warnings, ['container "nginx" got default resource requests']);
      assert.deepEqual(verified.auditAnnotations, { 'defaulted-containers': 'nginx' });
    }
  });

  test('audit annotation keys are what kube keeps once it prefixes them with the webhook name', () => {
    for (const key of ['a/b', '-x', 'x'.repeat(64), 'with space']) {
      assert.throws(() => admissionResponse(create.request, allow({ auditAnnotations: { [key]: 'v' } })), VerdictError, key);
    }
    assert.throws(() => admissionResponse(create.request, allow({ auditAnnotations: { ok: 7 as unknown as string } })), /must have a string value/);
  });

  test('a v1beta1 review is answered in v1beta1, with the uid', () => {
    const beta = decodeAdmissionReview(KUBE_CREATE_V1BETA1);
    const review = onTheWire(deny('no'), false, beta);
    assert.equal(review.apiVersion, 'admission.k8s.io/v1beta1');
    assert.equal(verifyAsKube(review, beta.request.uid, false, 'admission.k8s.io/v1beta1').allowed, false);
  });
});
