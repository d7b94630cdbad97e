// kube-apiserver's admission policy metrics, with its names, labels and buckets
// (admission/plugin/policy/validating/metrics and policy/mutating/metrics).
import { metrics, type MetricsRegistry } from '@kapi/telemetry';

/** The `error_type` label: kube's ValidationErrorType. */
export type PolicyErrorType = 'no_error' | 'compile_error' | 'invalid_error' | 'out_of_budget';
/** The `enforcement_action` label. */
export type EnforcementAction = 'allow' | 'deny' | 'warn' | 'audit';

/** kube's ErrorType(decision): what kind of failure a decision reports. */
export function errorType(decision: { error: boolean; message: string }): PolicyErrorType {
  if (!decision.error && decision.message === '') return 'no_error';
  if (decision.message.startsWith('compilation')) return 'compile_error';
  if (decision.message.startsWith('validation failed due to running out of cost budget')) return 'out_of_budget';
  return 'invalid_error';
}

const BUCKETS = [0.0000005, 0.001, 0.01, 0.1, 1.0];

export class ValidatingPolicyMetrics {
  private readonly checks;
  private readonly latency;

  constructor(registry: MetricsRegistry = metrics) {
    this.checks = registry.counter('apiserver_validating_admission_policy_check_total', 'Validation admission policy check total, labeled by policy and further identified by binding and enforcement action taken.');
    this.latency = registry.histogram('apiserver_validating_admission_policy_check_duration_seconds', 'Validation admission latency for individual validation expressions in seconds, labeled by policy and further including binding and enforcement action taken.', BUCKETS);
  }

  observe(policy: string, binding: string, action: EnforcementAction, error: PolicyErrorType, elapsedMs: number): void {
    const labels = { policy, policy_binding: binding, error_type: error, enforcement_action: action };
    this.checks.inc(labels);
    this.latency.observe(elapsedMs / 1000, labels);
  }
}

export class MutatingPolicyMetrics {
  private readonly checks;
  private readonly latency;

  constructor(registry: MetricsRegistry = metrics) {
    this.checks = registry.counter('apiserver_mutating_admission_policy_check_total', 'Mutation admission policy check total, labeled by policy and further identified by binding.');
    this.latency = registry.histogram('apiserver_mutating_admission_policy_check_duration_seconds', 'Mutation admission latency for individual mutation expressions in seconds, labeled by policy and binding.', BUCKETS);
  }

  observe(policy: string, binding: string, error: PolicyErrorType, elapsedMs: number): void {
    const labels = { policy, policy_binding: binding, error_type: error };
    this.checks.inc(labels);
    this.latency.observe(elapsedMs / 1000, labels);
  }
}
