// AdmissionReview, the body of every webhook call (webhook/request/admissionreview.go): the request
// in kube-apiserver's exact shape, sent in the first version of admissionReviewVersions kapi
// speaks, and the checks kube makes of the answer before using it.
import type { AdmissionAttributes } from '@kapi/admission-chain';
import type { Status } from '@kapi/api-machinery';
import { requestNamespace } from './rules.js';
import type { GroupVersionKind, GroupVersionResource, KubeObject } from './types.js';

export type AdmissionReviewVersion = 'v1' | 'v1beta1';

const ADMISSION_GROUP = 'admission.k8s.io';

/** The first version in the webhook's list that kapi speaks. */
export function reviewVersionFor(accepted: readonly string[] | undefined): AdmissionReviewVersion | undefined {
  return (accepted ?? []).find((v): v is AdmissionReviewVersion => v === 'v1' || v === 'v1beta1');
}

export const NO_KNOWN_REVIEW_VERSION = 'webhook does not accept known AdmissionReview versions (v1, v1beta1)';

export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** admission.k8s.io/v1 AdmissionRequest, keys in kube's order, empty optional fields left out as Go's encoder does. */
export interface AdmissionRequest {
  uid?: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind: GroupVersionKind;
  requestResource: GroupVersionResource;
  requestSubResource?: string;
  name?: string;
  namespace?: string;
  operation: string;
  userInfo: UserInfo;
  object?: KubeObject | null;
  oldObject?: KubeObject | null;
  dryRun: boolean;
  options: Record<string, unknown> | null;
}

/** Who a webhook is called for: the kind and resource it matched, which may be an equivalent of the request's. */
export interface Invocation {
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subresource: string;
}

const OPTIONS_KINDS: Record<string, string> = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions' };

/** The operation's options as kube sends them: a typed meta.k8s.io/v1 object. */
function operationOptions(attributes: AdmissionAttributes): Record<string, unknown> | null {
  const kind = OPTIONS_KINDS[attributes.operation];
  const given = attributes.options;
  if (!kind) return given ?? null;
  const { kind: _k, apiVersion: _a, ...rest } = given ?? {};
  return { kind: (given?.kind as string | undefined) ?? kind, apiVersion: (given?.apiVersion as string | undefined) ?? 'meta.k8s.io/v1', ...rest };
}

function userInfo(user: AdmissionAttributes['user']): UserInfo {
  const out: UserInfo = {};
  if (user.username) out.username = user.username;
  if (user.uid) out.uid = user.uid;
  if (user.groups?.length) out.groups = [...user.groups];
  if (user.extra && Object.keys(user.extra).length) out.extra = Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]]));
  return out;
}

/**
 * The request a webhook (or a match condition, which sees no uid, object or oldObject) is given.
 * `object`/`oldObject` are the request's objects as the invocation's kind.
 */
export function admissionRequest(
  attributes: AdmissionAttributes,
  invocation: Invocation,
  objects?: { uid: string; object: KubeObject | undefined; oldObject: KubeObject | undefined },
): AdmissionRequest {
  const { group, version, resource } = attributes.resource;
  const namespace = requestNamespace(attributes);
  return {
    ...(objects ? { uid: objects.uid } : {}),
    kind: { ...invocation.kind },
    resource: { ...invocation.resource },
    ...(invocation.subresource ? { subResource: invocation.subresource } : {}),
    requestKind: { group: attributes.kind.group, version: attributes.kind.version, kind: attributes.kind.kind },
    requestResource: { group, version, resource },
    ...(attributes.subresource ? { requestSubResource: attributes.subresource } : {}),
    ...(attributes.name ? { name: attributes.name } : {}),
    ...(namespace ? { namespace } : {}),
    operation: attributes.operation,
    userInfo: userInfo(attributes.user),
    ...(objects ? { object: objects.object ?? null, oldObject: objects.oldObject ?? null } : {}),
    dryRun: attributes.dryRun,
    options: operationOptions(attributes),
  };
}

export function admissionReview(version: AdmissionReviewVersion, request: AdmissionRequest): Record<string, unknown> {
  return { kind: 'AdmissionReview', apiVersion: `${ADMISSION_GROUP}/${version}`, request };
}

/** What kube takes from a webhook's answer. */
export interface AdmissionResponse {
  allowed: boolean;
  result?: Partial<Status>;
  /** The decoded JSON patch bytes, mutating webhooks only. */
  patch?: Buffer;
  patchType?: string;
  auditAnnotations: Record<string, string>;
  warnings: string[];
}

/** An answer kube's decoder cannot read, worded as Go's encoding/json and the apimachinery decoder word it. */
export class UndecodableReviewError extends Error {}

const goJsonType = (value: unknown) => (Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value === 'object' ? 'object' : typeof value);

const REVIEW_TYPE_META_GO_TYPE = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

/** Go's base64.StdEncoding, which refuses what Node's lenient decoder would guess at. */
function decodeBase64(text: string): Buffer {
  const bad = text.search(/[^A-Za-z0-9+/=]/);
  const padding = text.indexOf('=');
  if (bad >= 0) throw new UndecodableReviewError(`illegal base64 data at input byte ${bad}`);
  if (text.length % 4 !== 0 || (padding >= 0 && !/^=={0,1}$|^=$/.test(text.slice(padding)))) {
    throw new UndecodableReviewError(`illegal base64 data at input byte ${padding >= 0 ? padding : text.length - (text.length % 4)}`);
  }
  return Buffer.from(text, 'base64');
}

const RESPONSE_FIELDS: Record<string, { goType: string; check: (v: unknown) => boolean }> = {
  uid: { goType: 'types.UID', check: (v) => typeof v === 'string' },
  allowed: { goType: 'bool', check: (v) => typeof v === 'boolean' },
  status: { goType: 'v1.Status', check: (v) => typeof v === 'object' && !Array.isArray(v) },
  patch: { goType: '[]uint8', check: (v) => typeof v === 'string' },
  patchType: { goType: 'v1.PatchType', check: (v) => typeof v === 'string' },
  auditAnnotations: { goType: 'map[string]string', check: (v) => typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).every((x) => typeof x === 'string' || x === null) },
  warnings: { goType: '[]string', check: (v) => Array.isArray(v) && v.every((x) => typeof x === 'string' || x === null) },
};

/**
 * The webhook's answer read as kube reads it into the AdmissionReview of the version it sent:
 * anything else fails here with kube's decoder's words (a `failed to call webhook` error).
 */
export function decodeReview(text: string, version: AdmissionReviewVersion): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new UndecodableReviewError(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    if (body === null) return {};
    throw new UndecodableReviewError(`couldn't get version/kind; json parse error: json: cannot unmarshal ${goJsonType(body)} into Go value of type ${REVIEW_TYPE_META_GO_TYPE}`);
  }
  const review = body as Record<string, unknown>;
  const apiVersion = typeof review.apiVersion === 'string' ? review.apiVersion : '';
  const kind = typeof review.kind === 'string' ? review.kind : '';
  const otherVersion = version === 'v1' ? 'v1beta1' : 'v1';
  if (kind === 'AdmissionReview' && apiVersion === `${ADMISSION_GROUP}/${otherVersion}`) {
    throw new UndecodableReviewError(`converting (${otherVersion}.AdmissionReview) to (${version}.AdmissionReview): unknown conversion`);
  }
  const response = review.response;
  if (response !== undefined && response !== null) {
    if (typeof response !== 'object' || Array.isArray(response)) {
      throw new UndecodableReviewError(`json: cannot unmarshal ${goJsonType(response)} into Go struct field AdmissionReview.response of type ${version}.AdmissionResponse`);
    }
    for (const [field, value] of Object.entries(response)) {
      const spec = RESPONSE_FIELDS[field];
      if (!spec || value === null || spec.check(value)) continue;
      throw new UndecodableReviewError(`json: cannot unmarshal ${goJsonType(value)} into Go struct field AdmissionResponse.response.${field} of type ${spec.goType}`);
    }
  }
  return review;
}

/** kube's VerifyAdmissionResponse; throws the reason an answer cannot be used (a `received invalid webhook response` error). */
export function verifyAdmissionResponse(version: AdmissionReviewVersion, uid: string, mutating: boolean, review: Record<string, unknown>): AdmissionResponse {
  const response = review.response as Record<string, unknown> | null | undefined;
  if (response === undefined || response === null) throw new Error('webhook response was absent');
  const rawPatch = typeof response.patch === 'string' ? decodeBase64(response.patch) : undefined;
  const patch = rawPatch?.length ? rawPatch : undefined;
  const hasPatchType = typeof response.patchType === 'string';
  const common = {
    allowed: response.allowed === true,
    result: (response.status ?? undefined) as Partial<Status> | undefined,
    auditAnnotations: Object.fromEntries(Object.entries((response.auditAnnotations ?? {}) as Record<string, string | null>).map(([k, v]) => [k, v ?? ''])),
    warnings: ((response.warnings ?? []) as (string | null)[]).map((w) => w ?? ''),
  };
  if (version === 'v1beta1') {
    // v1beta1 answers were never checked for uid or kind; a patch is always a JSON patch.
    return { ...common, ...(mutating && patch ? { patch, patchType: 'JSONPatch' } : {}) };
  }
  const responseUid = typeof response.uid === 'string' ? response.uid : '';
  if (responseUid !== uid) throw new Error(`expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(responseUid)}`);
  const apiVersion = typeof review.apiVersion === 'string' ? review.apiVersion : '';
  const kind = typeof review.kind === 'string' ? review.kind : '';
  if (apiVersion !== `${ADMISSION_GROUP}/v1` || kind !== 'AdmissionReview') {
    const slash = apiVersion.indexOf('/');
    const gv = slash < 0 ? `/${apiVersion}` : apiVersion;
    throw new Error(`expected webhook response of ${ADMISSION_GROUP}/v1, Kind=AdmissionReview, got ${gv}, Kind=${kind}`);
  }
  if (!mutating) {
    if (patch) throw new Error('validating webhook may not return response.patch');
    if (hasPatchType) throw new Error('validating webhook may not return response.patchType');
    return common;
  }
  if (patch && !hasPatchType) throw new Error('webhook returned response.patch but not response.patchType');
  if (!patch && hasPatchType) throw new Error('webhook returned response.patchType but not response.patch');
  if (hasPatchType && !response.patchType) throw new Error(`webhook returned invalid response.patchType of ""`);
  return { ...common, ...(patch ? { patch, patchType: response.patchType as string } : {}) };
}
