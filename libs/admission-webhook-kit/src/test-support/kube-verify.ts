// What kube-apiserver checks of a webhook's answer (k8s.io/apiserver's webhook/request
// VerifyAdmissionResponse, and the JSON names of k8s.io/api/admission/v1's AdmissionResponse and
// metav1.Status), written out for the tests: an answer the kit builds must pass it.
import assert from 'node:assert/strict';

const RESPONSE_FIELDS = new Set(['uid', 'allowed', 'status', 'patch', 'patchType', 'auditAnnotations', 'warnings']);
const STATUS_FIELDS = new Set(['kind', 'apiVersion', 'metadata', 'status', 'message', 'reason', 'details', 'code']);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface VerifiedResponse {
  allowed: boolean;
  /** The decoded JSONPatch, when there is one. */
  operations?: Array<{ op: string; path: string; value?: unknown; from?: string }>;
  status?: Record<string, unknown>;
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

/**
 * Asserts that kube-apiserver would take `review` (parsed JSON) as the answer to a request with
 * `uid` sent as `apiVersion` to a mutating or validating webhook, and returns what it would read.
 */
export function verifyAsKube(review: any, uid: string, mutating: boolean, apiVersion = 'admission.k8s.io/v1'): VerifiedResponse {
  assert.ok(review.response, 'webhook response was absent');
  const response = review.response;
  if (apiVersion === 'admission.k8s.io/v1') {
    assert.equal(response.uid, uid, `expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(response.uid)}`);
    assert.equal(`${review.apiVersion}, Kind=${review.kind}`, 'admission.k8s.io/v1, Kind=AdmissionReview', 'expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview');
  } else {
    // kube reads a v1beta1 answer into v1beta1's type; the kit answers in the version asked all the same.
    assert.equal(review.apiVersion, apiVersion);
    assert.equal(review.kind, 'AdmissionReview');
    assert.equal(response.uid, uid);
  }
  for (const field of Object.keys(response)) assert.ok(RESPONSE_FIELDS.has(field), `AdmissionResponse has no field ${field}`);
  assert.equal(typeof response.allowed, 'boolean', 'allowed is a bool');
  if (mutating) {
    assert.ok(!(response.patch && response.patchType === undefined), 'webhook returned response.patch but not response.patchType');
    assert.ok(!(!response.patch && response.patchType !== undefined), 'webhook returned response.patchType but not response.patch');
    if (response.patchType !== undefined) assert.equal(response.patchType, 'JSONPatch', 'the only PatchType is JSONPatch');
  } else {
    assert.equal(response.patch, undefined, 'validating webhook may not return response.patch');
    assert.equal(response.patchType, undefined, 'validating webhook may not return response.patchType');
  }
  const verified: VerifiedResponse = { allowed: response.allowed };
  if (response.patch !== undefined) {
    // Go decodes []byte from standard base64.
    assert.match(response.patch, BASE64, 'patch is standard base64');
    verified.operations = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
    assert.ok(Array.isArray(verified.operations), 'a JSONPatch is an array of operations');
  }
  if (response.status !== undefined) {
    for (const field of Object.keys(response.status)) assert.ok(STATUS_FIELDS.has(field), `metav1.Status has no field ${field}`);
    if (response.status.code !== undefined) assert.ok(Number.isInteger(response.status.code), 'status.code is an int32');
    verified.status = response.status;
  }
  if (response.warnings !== undefined) {
    assert.ok(Array.isArray(response.warnings) && response.warnings.every((w: unknown) => typeof w === 'string'), 'warnings is []string');
    verified.warnings = response.warnings;
  }
  if (response.auditAnnotations !== undefined) {
    for (const value of Object.values(response.auditAnnotations)) assert.equal(typeof value, 'string', 'auditAnnotations is map[string]string');
    verified.auditAnnotations = response.auditAnnotations;
  }
  return verified;
}

/**
 * The message kube-apiserver gives the client for a denial (k8s.io/apiserver's webhook errors
 * ToStatusErr): the webhook's message, else its reason, prefixed with the webhook's name.
 */
export function kubeDenialMessage(webhookName: string, status: Record<string, unknown> | undefined): string {
  const deniedBy = `admission webhook ${JSON.stringify(webhookName)} denied the request`;
  if (typeof status?.message === 'string' && status.message !== '') return `${deniedBy}: ${status.message}`;
  if (typeof status?.reason === 'string' && status.reason !== '') return `${deniedBy}: ${status.reason}`;
  return `${deniedBy} without explanation`;
}
