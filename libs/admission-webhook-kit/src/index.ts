export * from './types.js';
export { AdmissionReviewError, decodeAdmissionReview, deepFreeze } from './review.js';
export type { DecodedAdmissionReview } from './review.js';
export { VerdictError, admissionResponse, admissionReview, allow, deny, difference, mutate, patch } from './responses.js';
export type { DenyOptions, JsonPatchOperation, ResponseOptions, Verdict, VerdictExtras } from './responses.js';
export { answer, mutating, statusReply, validating } from './webhook.js';
export type { AdmissionHandler, HandlerContext, Reply, Webhook } from './webhook.js';
export { parseGoDuration } from './duration.js';
export { DEFAULT_TLS_RELOAD_INTERVAL_MS, readKeyPair, watchKeyPair } from './tls-files.js';
export type { KeyPair, TlsFiles, TlsReloadOptions } from './tls-files.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_PORT,
  DEFAULT_TIMEOUT_MS,
  HEALTH_PATHS,
  MAX_TIMEOUT_MS,
  WebhookServer,
  createWebhookServer,
} from './server.js';
export type { Logger, WebhookServerOptions } from './server.js';
