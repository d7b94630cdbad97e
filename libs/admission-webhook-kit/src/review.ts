// Reading an AdmissionReview as kube-apiserver sends it: version and kind checked, the request's
// fields checked for the types k8s.io/api/admission/v1 gives them, and the request frozen so that a
// handler changes a copy (a mutation is computed as the difference between the two).
import {
  ADMISSION_REVIEW_VERSIONS,
  OPERATIONS,
  type AdmissionRequest,
  type AdmissionReviewVersion,
  type KubernetesObject,
} from './types.js';

/** A review that cannot be admitted: answered with `httpStatus` and the message, never with a verdict. */
export class AdmissionReviewError extends Error {
  constructor(
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = 'AdmissionReviewError';
  }
}

export interface DecodedAdmissionReview<T extends KubernetesObject = KubernetesObject> {
  /** The version the review came in, which the answer must carry. */
  apiVersion: AdmissionReviewVersion;
  /** Frozen all the way down (changing it throws a TypeError): a handler changes a copy, `structuredClone(request.object)`. */
  request: AdmissionRequest<T>;
}

/**
 * Parses and checks an AdmissionReview (the body as text or bytes, or already parsed). Throws an
 * AdmissionReviewError naming the first field that is wrong.
 */
export function decodeAdmissionReview<T extends KubernetesObject = KubernetesObject>(body: string | Uint8Array | unknown): DecodedAdmissionReview<T> {
  let review: unknown = body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
    try {
      review = JSON.parse(text);
    } catch (error) {
      throw new AdmissionReviewError(`the request body is not JSON: ${(error as Error).message}`);
    }
  }
  if (!isPlainObject(review)) throw new AdmissionReviewError('an AdmissionReview must be a JSON object');
  const { apiVersion, kind, request } = review;
  if (!ADMISSION_REVIEW_VERSIONS.includes(apiVersion as AdmissionReviewVersion)) {
    throw new AdmissionReviewError(`unsupported apiVersion ${JSON.stringify(apiVersion)}: expected ${ADMISSION_REVIEW_VERSIONS.join(' or ')}`);
  }
  if (kind !== 'AdmissionReview') throw new AdmissionReviewError(`unsupported kind ${JSON.stringify(kind)}: expected AdmissionReview`);
  if (request === undefined || request === null) throw new AdmissionReviewError('the AdmissionReview has no request');
  checkRequest(request);
  return { apiVersion: apiVersion as AdmissionReviewVersion, request: deepFreeze(request) as AdmissionRequest<T> };
}

function checkRequest(request: unknown): asserts request is AdmissionRequest {
  if (!isPlainObject(request)) fail('request', 'must be an object');
  if (typeof request.uid !== 'string' || request.uid === '') fail('request.uid', 'must be a non-empty string');
  if (!OPERATIONS.includes(request.operation as never)) fail('request.operation', `must be one of ${OPERATIONS.join(', ')}`);
  checkStrings(request.kind, 'request.kind', ['group', 'version', 'kind']);
  checkStrings(request.resource, 'request.resource', ['group', 'version', 'resource']);
  if (request.requestKind !== undefined && request.requestKind !== null) checkStrings(request.requestKind, 'request.requestKind', ['group', 'version', 'kind']);
  if (request.requestResource !== undefined && request.requestResource !== null) {
    checkStrings(request.requestResource, 'request.requestResource', ['group', 'version', 'resource']);
  }
  for (const field of ['subResource', 'requestSubResource', 'name', 'namespace'] as const) {
    if (request[field] !== undefined && typeof request[field] !== 'string') fail(`request.${field}`, 'must be a string');
  }
  if (request.dryRun !== undefined && typeof request.dryRun !== 'boolean') fail('request.dryRun', 'must be a boolean');
  if (request.userInfo === undefined) request.userInfo = {};
  checkUserInfo(request.userInfo);
  for (const field of ['object', 'oldObject', 'options'] as const) {
    const value = request[field];
    if (value !== undefined && value !== null && !isPlainObject(value)) fail(`request.${field}`, 'must be an object or null');
  }
}

function checkUserInfo(userInfo: unknown): void {
  if (!isPlainObject(userInfo)) fail('request.userInfo', 'must be an object');
  for (const field of ['username', 'uid'] as const) {
    if (userInfo[field] !== undefined && typeof userInfo[field] !== 'string') fail(`request.userInfo.${field}`, 'must be a string');
  }
  if (userInfo.groups !== undefined && userInfo.groups !== null && !isStringArray(userInfo.groups)) fail('request.userInfo.groups', 'must be a list of strings');
  if (userInfo.extra !== undefined && userInfo.extra !== null) {
    if (!isPlainObject(userInfo.extra)) fail('request.userInfo.extra', 'must be an object');
    for (const [key, values] of Object.entries(userInfo.extra)) {
      if (!isStringArray(values)) fail(`request.userInfo.extra[${JSON.stringify(key)}]`, 'must be a list of strings');
    }
  }
}

function checkStrings(value: unknown, path: string, fields: string[]): void {
  if (!isPlainObject(value)) fail(path, 'must be an object');
  for (const field of fields) {
    // kube omits nothing here, but the core group is the empty string.
    if (typeof value[field] !== 'string') fail(`${path}.${field}`, 'must be a string');
  }
  for (const field of fields.filter((f) => f !== 'group')) {
    if (value[field] === '') fail(`${path}.${field}`, 'must not be empty');
  }
}

function fail(path: string, problem: string): never {
  throw new AdmissionReviewError(`invalid AdmissionReview: ${path} ${problem}`);
}

function isPlainObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Freezes a parsed JSON value in place, all the way down (without recursion: nesting is the sender's to choose). */
export function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== 'object' || next === null || Object.isFrozen(next)) continue;
    Object.freeze(next);
    for (const child of Object.values(next)) pending.push(child);
  }
  return value;
}
