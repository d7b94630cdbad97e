// kube-apiserver's admission webhook and match-condition metrics (pkg/admission/metrics), with its
// names, help texts, labels and buckets, so existing dashboards read kapi's unchanged.
import { metrics, type MetricsRegistry } from '@kapi/telemetry';

/** The `type` label of the webhook metrics: kube calls the mutating step `admit`. */
export type WebhookStep = 'admit' | 'validating';
/**
 * The `type` label of the match-condition metrics. kube labels a webhook's evaluation errors and
 * time with its matcher's type (`admit` or `validating`), and the webhooks its conditions excluded
 * with the webhook's step (`admit` or `validate`): the names kube-apiserver v1.34 reports.
 */
export type MatchConditionStep = 'admit' | 'validate' | 'validating';

/** Why a webhook rejected a request: kube's WebhookRejectionErrorType. */
export type RejectionErrorType = 'calling_webhook_error' | 'apiserver_internal_error' | 'no_error';

// Codes above 600 are counted as 600, keeping the metrics' cardinality bounded as kube does.
const boundedCode = (code: number) => String(Math.min(code, 600));

export class AdmissionWebhookMetrics {
  private readonly latency;
  private readonly requests;
  private readonly rejections;
  private readonly failOpen;
  private readonly matchConditionErrors;
  private readonly matchConditionExclusions;
  private readonly matchConditionSeconds;

  constructor(registry: MetricsRegistry = metrics) {
    this.latency = registry.histogram(
      'apiserver_admission_webhook_admission_duration_seconds',
      'Admission webhook latency histogram in seconds, identified by name and broken out for each operation and API resource and type (validate or admit).',
      [0.005, 0.025, 0.1, 0.5, 1.0, 2.5, 10, 25],
    );
    this.requests = registry.counter(
      'apiserver_admission_webhook_request_total',
      'Admission webhook request total, identified by name and broken out for each admission type (validating or mutating) and operation. Additional labels specify whether the request was rejected or not and an HTTP status code. Codes greater than 600 are truncated to 600, to keep the metrics cardinality bounded.',
    );
    this.rejections = registry.counter(
      'apiserver_admission_webhook_rejection_count',
      'Admission webhook rejection count, identified by name and broken out for each admission type (validating or admit) and operation. Additional labels specify an error type (calling_webhook_error or apiserver_internal_error if an error occurred; no_error otherwise) and optionally a non-zero rejection code if the webhook rejects the request with an HTTP status code (honored by the apiserver when the code is greater or equal to 400). Codes greater than 600 are truncated to 600, to keep the metrics cardinality bounded.',
    );
    this.failOpen = registry.counter(
      'apiserver_admission_webhook_fail_open_count',
      'Admission webhook fail open count, identified by name and broken out for each admission type (validating or admit).',
    );
    this.matchConditionErrors = registry.counter(
      'apiserver_admission_match_condition_evaluation_errors_total',
      'Admission match condition evaluation errors count, identified by name of resource containing the match condition and broken out for each kind containing matchConditions (webhook or policy), operation and admission type (validate or admit).',
    );
    this.matchConditionExclusions = registry.counter(
      'apiserver_admission_match_condition_exclusions_total',
      'Admission match condition evaluation exclusions count, identified by name of resource containing the match condition and broken out for each kind containing matchConditions (webhook or policy), operation and admission type (validate or admit).',
    );
    this.matchConditionSeconds = registry.histogram(
      'apiserver_admission_match_condition_evaluation_seconds',
      'Admission match condition evaluation time in seconds, identified by name and broken out for each kind containing matchConditions (webhook or policy), operation and type (validate or admit).',
      [0.001, 0.005, 0.01, 0.025, 0.1, 0.2, 0.25],
    );
  }

  /** One call of a webhook: its latency and its count, by the HTTP code it ended with (0 for kapi's own error). */
  observeWebhook(name: string, type: WebhookStep, operation: string, seconds: number, rejected: boolean, code: number): void {
    this.requests.inc({ name, type, operation, code: boundedCode(code), rejected: String(rejected) });
    this.latency.observe(seconds, { name, type, operation, rejected: String(rejected) });
  }

  observeRejection(name: string, type: WebhookStep, operation: string, errorType: RejectionErrorType, code: number): void {
    this.rejections.inc({ name, type, operation, error_type: errorType, rejection_code: boundedCode(code) });
  }

  observeFailOpen(name: string, type: WebhookStep): void {
    this.failOpen.inc({ name, type });
  }

  observeMatchConditionError(name: string, type: MatchConditionStep, operation: string): void {
    this.matchConditionErrors.inc({ name, kind: 'webhook', type, operation });
  }

  observeMatchConditionExclusion(name: string, type: MatchConditionStep, operation: string): void {
    this.matchConditionExclusions.inc({ name, kind: 'webhook', type, operation });
  }

  observeMatchConditionSeconds(name: string, type: MatchConditionStep, operation: string, seconds: number): void {
    this.matchConditionSeconds.observe(seconds, { name, kind: 'webhook', type, operation });
  }
}
