// What a webhook answers. A handler returns a verdict (allow, deny, mutate or patch, each with
// warnings and audit annotations if it likes); admissionResponse turns it into the AdmissionResponse
// kube-apiserver accepts: the request's uid, a Status it shows as the webhook's denial, a JSONPatch
// computed from the object sent and the object wanted, base64-encoded with its patchType.
import { compare, type Operation as JsonPatchOperation } from 'fast-json-patch';
import {
  JSON_PATCH,
  type AdmissionRequest,
  type AdmissionResponse,
  type AdmissionReview,
  type AdmissionReviewVersion,
  type KubernetesObject,
  type StatusDetails,
} from './types.js';

export type { JsonPatchOperation };

export interface VerdictExtras {
  /** Shown to the client; keep each under 120 characters (kube may truncate past 256). */
  warnings?: string[];
  /**
   * Kept in the audit log. Keys are the name part of a qualified name (`reason`, `matched-rule`):
   * kube-apiserver prefixes each with the webhook's name, and refuses a key that then is not one.
   */
  auditAnnotations?: Record<string, string>;
}

export interface DenyOptions extends VerdictExtras {
  /** The HTTP status the client gets: 403 unless given. */
  code?: number;
  /** The Status reason (kubectl prints it as `Error from server (<reason>)`): `Forbidden` unless given. */
  reason?: string;
  details?: StatusDetails;
}

export type Verdict =
  | ({ type: 'allow' } & VerdictExtras)
  | ({ type: 'deny'; message: string; code: number; reason: string; details?: StatusDetails } & VerdictExtras)
  | ({ type: 'mutate'; object: KubernetesObject } & VerdictExtras)
  | ({ type: 'patch'; operations: JsonPatchOperation[] } & VerdictExtras);

/** A verdict that cannot be answered (a programming error in the webhook, not the request's fault). */
export class VerdictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerdictError';
  }
}

export function allow(extras: VerdictExtras = {}): Verdict {
  return { type: 'allow', ...extras };
}

/**
 * Refuses the request. kube-apiserver answers the client with this Status, its message prefixed:
 * `admission webhook "<name>" denied the request: <message>`.
 */
export function deny(message: string, options: DenyOptions = {}): Verdict {
  const { code = 403, reason = 'Forbidden', details, ...extras } = options;
  return { type: 'deny', message, code, reason, ...(details ? { details } : {}), ...extras };
}

/**
 * Admits the request with `object` in place of the one sent: the answer carries the JSONPatch from
 * the request's object to it (none when they are equal). Change a copy (`structuredClone`): the
 * request's object is frozen.
 */
export function mutate(object: KubernetesObject, extras: VerdictExtras = {}): Verdict {
  return { type: 'mutate', object, ...extras };
}

/** Admits the request with these JSONPatch operations applied to its object. */
export function patch(operations: JsonPatchOperation[], extras: VerdictExtras = {}): Verdict {
  return { type: 'patch', operations, ...extras };
}

export interface ResponseOptions {
  /** false for a validating webhook, which kube-apiserver does not let return a patch. */
  mutating?: boolean;
}

/** The AdmissionResponse to `request` that says `verdict`. Throws a VerdictError for a verdict kube would refuse. */
export function admissionResponse(
  request: AdmissionRequest,
  verdict: Verdict,
  options: ResponseOptions = {},
): AdmissionResponse {
  const response: AdmissionResponse = { uid: request.uid, allowed: verdict.type !== 'deny' };
  switch (verdict.type) {
    case 'allow':
      break;
    case 'deny':
      if (!Number.isInteger(verdict.code) || verdict.code < 400 || verdict.code > 599) {
        throw new VerdictError(`a denial's code must be an HTTP error status (400 to 599), got ${verdict.code}`);
      }
      if (typeof verdict.message !== 'string' || verdict.message === '') throw new VerdictError('a denial needs a message');
      response.status = {
        status: 'Failure',
        code: verdict.code,
        reason: verdict.reason,
        message: verdict.message,
        ...(verdict.details ? { details: verdict.details } : {}),
      };
      break;
    case 'mutate':
    case 'patch': {
      const operations = verdict.type === 'patch' ? verdict.operations : difference(request, verdict.object);
      if (!Array.isArray(operations)) throw new VerdictError('a patch is a list of JSONPatch operations');
      if (operations.length === 0) break;
      if (options.mutating === false) throw new VerdictError('a validating webhook may not return a patch; register it as a mutating webhook');
      response.patch = Buffer.from(JSON.stringify(operations), 'utf8').toString('base64');
      response.patchType = JSON_PATCH;
      break;
    }
    default:
      throw new VerdictError(`unknown verdict ${JSON.stringify((verdict as { type?: unknown }).type)}`);
  }
  if (verdict.warnings !== undefined) {
    if (!Array.isArray(verdict.warnings) || !verdict.warnings.every((w) => typeof w === 'string')) throw new VerdictError('warnings must be a list of strings');
    const warnings = verdict.warnings.filter((warning) => warning.trim() !== '');
    if (warnings.length > 0) response.warnings = warnings;
  }
  if (verdict.auditAnnotations !== undefined) {
    const entries = Object.entries(verdict.auditAnnotations);
    for (const [key, value] of entries) {
      const problem = auditAnnotationKeyProblem(key);
      if (problem) throw new VerdictError(`audit annotation key ${JSON.stringify(key)} ${problem}`);
      if (typeof value !== 'string') throw new VerdictError(`audit annotation ${JSON.stringify(key)} must have a string value`);
    }
    if (entries.length > 0) response.auditAnnotations = { ...verdict.auditAnnotations };
  }
  return response;
}

/** The AdmissionReview that carries `response`, in the version the request came in. */
export function admissionReview(apiVersion: AdmissionReviewVersion, response: AdmissionResponse): AdmissionReview {
  return { apiVersion, kind: 'AdmissionReview', response };
}

/** The JSONPatch operations that turn the request's object into `wanted`. */
export function difference(request: Pick<AdmissionRequest, 'object' | 'operation'>, wanted: KubernetesObject): JsonPatchOperation[] {
  if (typeof request.object !== 'object' || request.object === null) {
    throw new VerdictError(`a ${request.operation} request has no object to mutate`);
  }
  if (typeof wanted !== 'object' || wanted === null || Array.isArray(wanted)) throw new VerdictError('the mutated object must be an object');
  return compare(request.object as object, wanted);
}

/** The name part of a qualified name: kube-apiserver keeps `<webhook name>/<key>` only when that is one. */
const QUALIFIED_NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function auditAnnotationKeyProblem(key: string): string | undefined {
  if (key.includes('/')) return 'must not contain "/": kube-apiserver prefixes it with the webhook\'s name';
  if (key.length > 63) return 'must be no more than 63 characters';
  if (!QUALIFIED_NAME_PART.test(key)) return "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  return undefined;
}
