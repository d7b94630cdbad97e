import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admissionRequest, admissionReview, decodeReview, reviewVersionFor, verifyAdmissionResponse } from './admission-review.js';
import { configMap, request } from './test-support.fixture.js';

const asConfigMap = { kind: { group: '', version: 'v1', kind: 'ConfigMap' }, resource: { group: '', version: 'v1', resource: 'configmaps' }, subresource: '' };

describe('admissionRequest', () => {
  it('has the shape kube-apiserver v1.34 sends for a create', () => {
    const object = configMap('c-m6lhh', { case: 'allow' });
    const attributes = request('CREATE', object, {
      user: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'], extra: { 'authentication.kubernetes.io/credential-id': ['X509SHA256=225b'] } },
      options: { fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' },
    });
    const review = admissionReview('v1', admissionRequest(attributes, asConfigMap, { uid: '4974bab9', object, oldObject: undefined }));
    // As recorded from a reference kube-apiserver (keys in its order).
    assert.equal(
      JSON.stringify(review),
      JSON.stringify({
        kind: 'AdmissionReview',
        apiVersion: 'admission.k8s.io/v1',
        request: {
          uid: '4974bab9',
          kind: { group: '', version: 'v1', kind: 'ConfigMap' },
          resource: { group: '', version: 'v1', resource: 'configmaps' },
          requestKind: { group: '', version: 'v1', kind: 'ConfigMap' },
          requestResource: { group: '', version: 'v1', resource: 'configmaps' },
          name: 'c-m6lhh',
          namespace: 'team',
          operation: 'CREATE',
          userInfo: {
            username: 'kubernetes-admin',
            groups: ['system:masters', 'system:authenticated'],
            extra: { 'authentication.kubernetes.io/credential-id': ['X509SHA256=225b'] },
          },
          object,
          oldObject: null,
          dryRun: false,
          options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' },
        },
      }),
    );
  });

  it('sends a delete with no object, the old object and DeleteOptions', () => {
    const old = configMap('gone');
    const r = admissionRequest(request('DELETE', old, { options: { propagationPolicy: 'Background' } }), asConfigMap, { uid: 'u', object: undefined, oldObject: old });
    assert.equal(r.object, null);
    assert.deepEqual(r.oldObject, old);
    assert.deepEqual(r.options, { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', propagationPolicy: 'Background' });
    assert.equal(r.operation, 'DELETE');
  });

  it("names a Namespace's own name as its namespace, and leaves out what is empty", () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } };
    const attributes = request('CREATE', ns, {
      kind: { group: '', version: 'v1', kind: 'Namespace' },
      resource: { group: '', version: 'v1', resource: 'namespaces', namespace: '' },
      name: 'team',
      user: { username: 'bob', groups: [] },
      options: undefined,
    });
    const r = admissionRequest(attributes, { kind: attributes.kind, resource: { group: '', version: 'v1', resource: 'namespaces' }, subresource: '' });
    assert.equal(r.namespace, 'team');
    assert.deepEqual(r.userInfo, { username: 'bob' });
    assert.equal('uid' in r, false, 'a match condition sees no uid');
    assert.equal('object' in r, false, 'nor objects');
    assert.deepEqual(r.options, { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' });
  });

  it('names the kind and resource matched, and the request\'s own as requestKind, requestResource and requestSubResource', () => {
    const attributes = request('UPDATE', { apiVersion: 'apps/v1', kind: 'Scale' }, {
      kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments', namespace: 'team' },
      subresource: 'scale',
    });
    const r = admissionRequest(attributes, { kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, resource: { group: 'apps', version: 'v1beta1', resource: 'deployments' }, subresource: 'scale' }, { uid: 'u', object: undefined, oldObject: undefined });
    assert.deepEqual(r.resource, { group: 'apps', version: 'v1beta1', resource: 'deployments' });
    assert.equal(r.subResource, 'scale');
    assert.deepEqual(r.requestResource, { group: 'apps', version: 'v1', resource: 'deployments' });
    assert.equal(r.requestSubResource, 'scale');
    assert.deepEqual(r.options, { kind: 'UpdateOptions', apiVersion: 'meta.k8s.io/v1' });
  });

  it('passes a connect\'s own options as they are', () => {
    const attributes = request('CONNECT', undefined, { options: { kind: 'PodExecOptions', apiVersion: 'v1', command: ['ls'] } });
    assert.deepEqual(admissionRequest(attributes, asConfigMap).options, { kind: 'PodExecOptions', apiVersion: 'v1', command: ['ls'] });
    assert.equal(admissionRequest(request('CONNECT', undefined, { options: undefined }), asConfigMap).options, null);
  });
});

describe('reviewVersionFor', () => {
  it('takes the first version of the list kapi speaks', () => {
    assert.equal(reviewVersionFor(['v2', 'v1beta1', 'v1']), 'v1beta1');
    assert.equal(reviewVersionFor(['v1']), 'v1');
    assert.equal(reviewVersionFor(['v2']), undefined);
  });
});

const v1 = (response: unknown, extra: Record<string, unknown> = {}) => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', ...extra, response });

describe('decodeReview', () => {
  it('refuses what is not an object, in the decoder\'s words (as recorded from kube-apiserver)', () => {
    assert.throws(
      () => decodeReview('"hello"', 'v1'),
      { message: 'couldn\'t get version/kind; json parse error: json: cannot unmarshal string into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }' },
    );
    assert.throws(() => decodeReview('<html>', 'v1'), /^Error: couldn't get version\/kind; json parse error: /);
  });

  it('refuses an AdmissionReview of the other version', () => {
    assert.throws(() => decodeReview(JSON.stringify(v1({ uid: 'x' }, { apiVersion: 'admission.k8s.io/v1beta1' })), 'v1'), {
      message: 'converting (v1beta1.AdmissionReview) to (v1.AdmissionReview): unknown conversion',
    });
  });

  it('refuses a response field of the wrong type', () => {
    assert.throws(() => decodeReview(JSON.stringify(v1({ uid: 'x', allowed: 'yes' })), 'v1'), {
      message: 'json: cannot unmarshal string into Go struct field AdmissionResponse.response.allowed of type bool',
    });
    assert.throws(() => decodeReview(JSON.stringify(v1('nope')), 'v1'), { message: 'json: cannot unmarshal string into Go struct field AdmissionReview.response of type v1.AdmissionResponse' });
  });
});

describe('verifyAdmissionResponse', () => {
  const verify = (review: unknown, mutating = false, uid = 'u1') => verifyAdmissionResponse('v1', uid, mutating, review as Record<string, unknown>);
  const patch = Buffer.from('[]').toString('base64');

  it('reads an allowed answer with its warnings and audit annotations', () => {
    assert.deepEqual(verify(v1({ uid: 'u1', allowed: true, warnings: ['w'], auditAnnotations: { k: 'v' } })), { allowed: true, result: undefined, auditAnnotations: { k: 'v' }, warnings: ['w'] });
  });

  it('refuses what kube-apiserver refuses, in its words', () => {
    assert.throws(() => verify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), { message: 'webhook response was absent' });
    assert.throws(() => verify(v1({ uid: 'wrong', allowed: true }), false, 'cf06fe37'), { message: 'expected response.uid="cf06fe37", got "wrong"' });
    assert.throws(() => verify({ response: { uid: 'u1', allowed: true } }), { message: 'expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got /, Kind=' });
    assert.throws(() => verify(v1({ uid: 'u1', allowed: true, patch })), { message: 'validating webhook may not return response.patch' });
    assert.throws(() => verify(v1({ uid: 'u1', allowed: true, patchType: 'JSONPatch' })), { message: 'validating webhook may not return response.patchType' });
    assert.throws(() => verify(v1({ uid: 'u1', allowed: true, patch }), true), { message: 'webhook returned response.patch but not response.patchType' });
    assert.throws(() => verify(v1({ uid: 'u1', allowed: true, patchType: 'JSONPatch' }), true), { message: 'webhook returned response.patchType but not response.patch' });
    assert.throws(() => verify(v1({ uid: 'u1', allowed: true, patch, patchType: '' }), true), { message: 'webhook returned invalid response.patchType of ""' });
  });

  it('gives a mutating webhook its decoded patch', () => {
    const r = verify(v1({ uid: 'u1', allowed: true, patch, patchType: 'JSONPatch' }), true);
    assert.equal(r.patch?.toString(), '[]');
    assert.equal(r.patchType, 'JSONPatch');
  });

  it('refuses a patch that is not standard base64, as Go does', () => {
    assert.throws(() => verify(v1({ uid: 'u1', allowed: true, patch: 'W10', patchType: 'JSONPatch' }), true), { message: 'illegal base64 data at input byte 0' });
    assert.throws(() => verify(v1({ uid: 'u1', allowed: true, patch: 'W1*=', patchType: 'JSONPatch' }), true), { message: 'illegal base64 data at input byte 2' });
  });

  it('checks neither uid nor kind of a v1beta1 answer, and takes its patch as a JSON patch', () => {
    const r = verifyAdmissionResponse('v1beta1', 'u1', true, { response: { uid: 'other', allowed: true, patch } });
    assert.equal(r.patchType, 'JSONPatch');
    assert.equal(verifyAdmissionResponse('v1beta1', 'u1', false, { response: { allowed: false, patch } }).patch, undefined);
  });
});
