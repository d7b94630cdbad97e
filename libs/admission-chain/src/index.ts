export * from './plugin.js';
export type { UserInfoLike } from './types.js';
