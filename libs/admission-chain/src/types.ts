export type { KubeObject } from '@kapi/api-machinery';

/** The user a request acts as, as kube's user.Info (and authentication.k8s.io/v1 UserInfo). */
export interface UserInfoLike {
  username: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}
