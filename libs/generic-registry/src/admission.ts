// How the engine reaches the admission chain. The registry service implements this over gRPC; tests
// may implement it with a function.
import type { KubeObject } from '@kapi/api-machinery';
import type { ResourceInfo } from '@kapi/kinds';

export interface UserInfo {
  username: string;
  uid: string;
  groups: string[];
  extra: Record<string, { values: string[] }>;
}

export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  info: ResourceInfo;
  namespace: string;
  name: string;
  subresource: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  user: UserInfo;
  dryRun: boolean;
  options?: unknown;
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
