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

/** The kinds of subresources whose bodies are not their resource's kind, as kube registers them. */
const SUBRESOURCE_KINDS: Record<string, GroupVersionKind> = {
  scale: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  binding: { group: '', version: 'v1', kind: 'Binding' },
  eviction: { group: 'policy', version: 'v1', kind: 'Eviction' },
  token: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
  exec: { group: '', version: 'v1', kind: 'PodExecOptions' },
  attach: { group: '', version: 'v1', kind: 'PodAttachOptions' },
  portforward: { group: '', version: 'v1', kind: 'PodPortForwardOptions' },
};

/** The kind admission is told an object of `resource`'s `subresource` is. */
export function subresourceKind(own: GroupVersionKind & { resource: string }, subresource: string): GroupVersionKind {
  if (subresource === 'proxy') {
    const kind = own.resource === 'nodes' ? 'NodeProxyOptions' : own.resource === 'services' ? 'ServiceProxyOptions' : 'PodProxyOptions';
    return { group: '', version: 'v1', kind };
  }
  return SUBRESOURCE_KINDS[subresource] ?? { group: own.group, version: own.version, kind: own.kind };
}
