// kube-apiserver's admission step and controller metrics (pkg/admission/metrics), with its names,
// help texts, labels and buckets: the time each step (all mutating plugins, all validating ones)
// and each plugin took, and whether it rejected the request. The webhooks' own metrics are the
// webhook plugins'.
import { metrics, type MetricsRegistry } from '@kapi/telemetry';

/** The `type` label: kube calls the mutating step `admit` and the validating one `validate`. */
export type AdmissionStep = 'admit' | 'validate';

const BUCKETS = [0.005, 0.025, 0.1, 0.5, 1.0, 2.5];

export class AdmissionChainMetrics {
  private readonly step;
  private readonly controller;

  constructor(registry: MetricsRegistry = metrics) {
    this.step = registry.histogram(
      'apiserver_admission_step_admission_duration_seconds',
      'Admission sub-step latency histogram in seconds, broken out for each operation and API resource and step type (validate or admit).',
      BUCKETS,
    );
    this.controller = registry.histogram(
      'apiserver_admission_controller_admission_duration_seconds',
      'Admission controller latency histogram in seconds, identified by name and broken out for each operation and API resource and type (validate or admit).',
      BUCKETS,
    );
  }

  /** One step of a request: every mutating plugin (both rounds when reinvoked), or every validating one. */
  observeStep(type: AdmissionStep, operation: string, rejected: boolean, seconds: number): void {
    this.step.observe(seconds, { type, operation, rejected: String(rejected) });
  }

  /** One call of one plugin. */
  observePlugin(name: string, type: AdmissionStep, operation: string, rejected: boolean, seconds: number): void {
    this.controller.observe(seconds, { name, type, operation, rejected: String(rejected) });
  }
}
