// Runs a webhook on a review and reads its answer as the API server would: allowed, the Status,
// the patch applied to the object.
import assert from 'node:assert/strict';
import { applyPatch, type Operation as PatchOperation } from 'fast-json-patch';
import { answer, type AdmissionReview, type KubernetesObject, type Webhook } from '@kapi/admission-webhook-kit';

export interface Outcome {
  allowed: boolean;
  status?: { code?: number; reason?: string; message?: string; status?: string };
  operations?: PatchOperation[];
  /** The object with the patch applied (the object sent when there is none). */
  object?: KubernetesObject;
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

export function outcomeOf(review: AdmissionReview, body: string): Outcome {
  const parsed = JSON.parse(body) as AdmissionReview;
  const response = parsed.response!;
  assert.equal(parsed.apiVersion, review.apiVersion);
  assert.equal(response.uid, review.request!.uid);
  const operations = response.patch ? (JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as PatchOperation[]) : undefined;
  if (operations) assert.equal(response.patchType, 'JSONPatch');
  const sent = review.request!.object ?? undefined;
  const object = operations && sent ? (applyPatch(structuredClone(sent), operations, true).newDocument as KubernetesObject) : sent;
  return { allowed: response.allowed, status: response.status, operations, object, warnings: response.warnings, auditAnnotations: response.auditAnnotations };
}

export async function run(webhook: Webhook, review: AdmissionReview): Promise<Outcome> {
  const reply = await answer(webhook, JSON.stringify(review), new AbortController().signal);
  assert.equal(reply.statusCode, 200, reply.body);
  return outcomeOf(review, reply.body);
}
