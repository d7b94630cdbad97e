// How the engine reaches the admission chain. The registry service implements this over gRPC; tests
// may implement it with a function.
import type { GroupVersionKind, GroupVersionResource, KubeObject } from '@kapi/api-machinery';

export interface UserInfo {
  username: string;
  uid: string;
  groups: string[];
  extra: Record<string, { values: string[] }>;
}

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/**
 * What a request leaves for its answer besides the object: warnings for the client (Warning
 * headers) and annotations for its audit event. Admission and the engine add to it as the write runs.
 */
export interface WriteRecorder {
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

export function newWriteRecorder(): WriteRecorder {
  return { warnings: [], auditAnnotations: {} };
}

/** kube's admission.Attributes, as the engine hands them to admission. */
export interface AdmissionRequest {
  operation: AdmissionOperation;
  /** The object's kind: the resource's own, or a subresource's (autoscaling/v1 Scale, v1 Binding, …). */
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  namespace: string;
  /** '' on a create whose name is still to be generated. */
  name: string;
  subresource: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  user: UserInfo;
  dryRun: boolean;
  /** The operation's options with kind and apiVersion (CreateOptions, UpdateOptions, DeleteOptions). */
  options?: Record<string, unknown>;
  /** The request's id (the front door's Audit-Id). */
  uid?: string;
  /** Where admission's warnings and audit annotations go. */
  recorder?: WriteRecorder;
  /** When the request must be answered (epoch milliseconds), for the calls admission makes. */
  deadline?: number;
}

export interface AdmissionHook {
  /** Resolves to the object after mutation (the same one when nothing changed); throws a StatusError to deny. */
  mutate(request: AdmissionRequest): Promise<KubeObject | undefined>;
  /** Throws a StatusError to deny. */
  validate(request: AdmissionRequest): Promise<void>;
}

export const allowAll: AdmissionHook = {
  mutate: async (r) => r.object,
  validate: async () => {},
};

/**
 * The options admission sees, as kube builds them from the request's query: `CreateOptions` on a
 * create (also a create through an update or an apply), `UpdateOptions` on an update or a patch.
 */
export function writeOptions(kind: 'CreateOptions' | 'UpdateOptions', query: Record<string, unknown> | undefined): Record<string, unknown> {
  const { dryRun, fieldManager, fieldValidation } = query ?? {};
  return {
    kind,
    apiVersion: 'meta.k8s.io/v1',
    ...(Array.isArray(dryRun) && dryRun.length ? { dryRun } : {}),
    ...(fieldManager ? { fieldManager } : {}),
    ...(fieldValidation ? { fieldValidation } : {}),
  };
}

/** A request's DeleteOptions as admission sees them. */
export function deleteOptionsForAdmission(options: object): Record<string, unknown> {
  return { ...options, kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1' };
}

