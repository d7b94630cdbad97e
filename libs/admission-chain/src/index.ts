export * from './plugin.js';
export { AdmissionChainMetrics, type AdmissionStep } from './metrics.js';
export type { UserInfoLike } from './types.js';
