export type { KubeObject } from '@kapi/api-machinery';

export interface UserInfoLike {
  username: string;
  groups: string[];
}
