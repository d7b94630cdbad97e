export * from './types.js';
export { MutatingAdmissionWebhook, MutatingWebhookDispatcher, MUTATING_PLUGIN_NAME } from './mutating.js';
export { ValidatingAdmissionWebhook, ValidatingWebhookDispatcher, VALIDATING_PLUGIN_NAME } from './validating.js';
export { WebhookAdmission, DEFAULT_EXEMPT_NAMESPACES, type WebhookAdmissionOptions } from './webhook.js';
export type { WebhookConfigurationSource } from './webhook-source.js';
export type { EquivalentResourceMapper, ObjectConverter, ObjectDefaulter } from './versions.js';
export { apiVersionConverter } from './versions.js';
export type { MatchConditionEvaluator, MatchConditionInput, MatchConditionResult } from './match-conditions.js';
export { admissionRequest, type AdmissionRequest, type Invocation } from './admission-review.js';
export { admitWithReinvocation, RequestReinvocationContext, type ReinvocationContext, type WebhookAdmissionAttributes } from './reinvocation.js';
export { firstSeenDeadline, REQUEST_TIMEOUT_MS, DEADLINE_RESERVE_MS, type RequestDeadline } from './budget.js';
export { AdmissionWebhookMetrics } from './metrics.js';
// The request matching admission policies share with webhooks (kube's predicates).
export { ruleMatches, requestNamespace, isExemptAdmissionConfigurationResource, type RuleTarget } from './rules.js';
export { compileSelector, type CompiledSelector } from './webhook-source.js';
