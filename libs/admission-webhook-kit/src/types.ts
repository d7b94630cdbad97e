// The AdmissionReview wire format, as k8s.io/api/admission/v1 defines it (v1beta1 has the same
// fields). Field names are the JSON names kube-apiserver sends and reads.

/** The AdmissionReview versions this kit reads, and answers in: an answer is always in the request's version. */
export const ADMISSION_REVIEW_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;
export type AdmissionReviewVersion = (typeof ADMISSION_REVIEW_VERSIONS)[number];

export const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The only patch type kube-apiserver accepts from a webhook. */
export const JSON_PATCH = 'JSONPatch';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** authentication.k8s.io/v1 UserInfo. */
export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  [field: string]: unknown;
}

/** Any Kubernetes object: what a webhook is sent is the object as the client wrote it, defaulted. */
export interface KubernetesObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** `request` of an AdmissionReview: what is being admitted. */
export interface AdmissionRequest<T extends KubernetesObject = KubernetesObject> {
  /** Copied into the response; kube-apiserver refuses an answer whose uid differs. */
  uid: string;
  /** The kind the webhook's rule matched (after conversion for `matchPolicy: Equivalent`). */
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  /** The kind, resource and subresource of the original request, when they differ from the above. */
  requestKind?: GroupVersionKind;
  requestResource?: GroupVersionResource;
  requestSubResource?: string;
  /** Empty on a CREATE whose name the server is to generate. */
  name?: string;
  namespace?: string;
  operation: Operation;
  userInfo: UserInfo;
  /** The new object: null (or absent) for DELETE and for CONNECT without a body. */
  object?: T | null;
  /** The existing object: for UPDATE and DELETE. */
  oldObject?: T | null;
  dryRun?: boolean;
  /** CreateOptions, UpdateOptions or DeleteOptions of the operation being performed. */
  options?: KubernetesObject | null;
}

/** metav1.Status: what kube-apiserver shows the client when a webhook denies. */
export interface Status {
  status?: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: StatusDetails;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: Array<{ reason?: string; message?: string; field?: string }>;
  retryAfterSeconds?: number;
}

/** `response` of an AdmissionReview. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  /** Why the request was denied; kube-apiserver does not read it when allowed. */
  status?: Status;
  /** A JSONPatch (RFC 6902), base64-encoded; only from a mutating webhook, and only with patchType. */
  patch?: string;
  patchType?: typeof JSON_PATCH;
  /** Kept in the audit log, each key prefixed with the webhook's name. */
  auditAnnotations?: Record<string, string>;
  /** Shown to the client (kubectl prints `Warning: ...`). */
  warnings?: string[];
}

export interface AdmissionReview<T extends KubernetesObject = KubernetesObject> {
  apiVersion: AdmissionReviewVersion;
  kind: 'AdmissionReview';
  request?: AdmissionRequest<T>;
  response?: AdmissionResponse;
}
