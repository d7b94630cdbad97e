// autoscaling/v2 HorizontalPodAutoscaler: kube's defaults (minReplicas 1, CPU at 80% when no metric
// is given, the scaling behavior's policies filled in when one is given), its validation (the target
// reference, replica bounds, metric shapes) and the columns NAME REFERENCE TARGETS MINPODS MAXPODS
// REPLICAS AGE.
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject, isValidPathSegmentName } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { column, specOf } from '../workload/replicated.js';

interface MetricTarget {
  type?: string;
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}

interface MetricSpec {
  type?: string;
  resource?: { name?: string; target?: MetricTarget };
  containerResource?: { name?: string; container?: string; target?: MetricTarget };
  pods?: { metric?: { name?: string }; target?: MetricTarget };
  object?: { metric?: { name?: string }; describedObject?: { kind?: string; name?: string }; target?: MetricTarget };
  external?: { metric?: { name?: string }; target?: MetricTarget };
}

interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: string;
  policies?: { type?: string; value?: number; periodSeconds?: number }[];
}

interface HpaSpec {
  scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string };
  minReplicas?: number;
  maxReplicas?: number;
  metrics?: MetricSpec[];
  behavior?: { scaleUp?: ScalingRules; scaleDown?: ScalingRules } | null;
}

interface MetricStatus {
  type?: string;
  [source: string]: { current?: { averageUtilization?: number; averageValue?: string; value?: string } } | string | undefined;
}

const spec = (obj: KubeObject) => (obj.spec ?? {}) as HpaSpec;

/** GenerateHPAScaleUpRules / ScaleDownRules: what an absent part of a given behavior means. */
function scaleUpRules(rules: ScalingRules | undefined): ScalingRules {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
    ...rules,
  };
}

function scaleDownRules(rules: ScalingRules | undefined): ScalingRules {
  return { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], ...rules };
}

/** SetDefaults_HorizontalPodAutoscaler (autoscaling/v2). */
function prepare(obj: KubeObject): void {
  const s = specOf<HpaSpec>(obj);
  s.minReplicas ??= 1;
  if (!s.metrics?.length) s.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  if (s.behavior) s.behavior = { scaleUp: scaleUpRules(s.behavior.scaleUp), scaleDown: scaleDownRules(s.behavior.scaleDown) };
}

const METRIC_SOURCES: Record<string, keyof MetricSpec> = { Object: 'object', Pods: 'pods', Resource: 'resource', External: 'external', ContainerResource: 'containerResource' };
const TARGET_TYPES = ['Utilization', 'Value', 'AverageValue'];

/** validateMetricTarget. */
function validateTarget(target: MetricTarget, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = target.type ?? '';
  if (!type) errs.push(field.required(`${path}.type`, 'must specify a metric target type'));
  if (!TARGET_TYPES.includes(type)) errs.push(field.invalid(`${path}.type`, type, 'must be either Utilization, Value, or AverageValue'));
  if (target.averageUtilization != null && target.averageUtilization < 1) errs.push(field.invalid(`${path}.averageUtilization`, target.averageUtilization, 'must be greater than 0'));
  return errs;
}

/** What each kind of metric source needs of its target. */
function validateSourceTarget(key: keyof MetricSpec, target: MetricTarget, path: string): FieldError[] {
  if (key === 'resource' || key === 'containerResource') {
    if (target.averageUtilization == null && target.averageValue == null) return [field.required(`${path}.averageUtilization`, 'must set either a target raw value or a target utilization')];
    if (target.averageUtilization != null && target.averageValue != null) return [field.forbidden(`${path}.averageValue`, 'may not set both a target raw value and a target utilization')];
    return [];
  }
  if (key === 'pods') return target.averageValue == null ? [field.required(`${path}.averageValue`, 'must specify a positive target averageValue')] : [];
  return target.value == null && target.averageValue == null ? [field.required(`${path}.averageValue`, 'must set either a target value or averageValue')] : [];
}

function validateMetric(metric: MetricSpec, path: string): FieldError[] {
  const type = metric.type ?? '';
  if (!type) return [field.required(`${path}.type`, 'must specify a metric source type')];
  const key = METRIC_SOURCES[type];
  if (!key) return [field.notSupported(`${path}.type`, type, Object.keys(METRIC_SOURCES).sort())];
  const source = metric[key] as { name?: string; metric?: { name?: string }; target?: MetricTarget } | undefined;
  if (!source) return [field.required(`${path}.${key}`, 'must populate information for the given metric source')];
  const errs: FieldError[] = [];
  if ((key === 'resource' || key === 'containerResource') && !source.name) errs.push(field.required(`${path}.${key}.name`, 'must specify a resource name'));
  if (key !== 'resource' && key !== 'containerResource' && !source.metric?.name) errs.push(field.required(`${path}.${key}.metric.name`, 'must specify a metric name'));
  const target = source.target ?? {};
  errs.push(...validateTarget(target, `${path}.${key}.target`), ...validateSourceTarget(key, target, `${path}.${key}.target`));
  return errs;
}

/** ValidateHorizontalPodAutoscalerSpec, for the fields above. */
function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs: FieldError[] = [];
  if (s.minReplicas != null && s.minReplicas < 1) errs.push(field.invalid('spec.minReplicas', s.minReplicas, 'must be greater than or equal to 1'));
  if ((s.maxReplicas ?? 0) < 1) errs.push(field.invalid('spec.maxReplicas', s.maxReplicas ?? 0, 'must be greater than 0'));
  if (s.minReplicas != null && (s.maxReplicas ?? 0) < s.minReplicas) errs.push(field.invalid('spec.maxReplicas', s.maxReplicas ?? 0, 'must be greater than or equal to `minReplicas`'));
  // ValidateCrossVersionObjectReference: kind and name are path segments.
  const ref = s.scaleTargetRef ?? {};
  for (const key of ['kind', 'name'] as const) {
    const value = ref[key] ?? '';
    if (!value) errs.push(field.required(`spec.scaleTargetRef.${key}`));
    else for (const msg of isValidPathSegmentName(value)) errs.push(field.invalid(`spec.scaleTargetRef.${key}`, value, msg));
  }
  (s.metrics ?? []).forEach((m, i) => errs.push(...validateMetric(m ?? {}, `spec.metrics[${i}]`)));
  return errs;
}

/**
 * One TARGETS entry: `cpu: 40%/80%`, `<unknown>` where nothing was measured yet. As kube's printer,
 * the status at the same index counts only when it is of the metric's type.
 */
function formatMetric(metric: MetricSpec, current: MetricStatus | undefined): string {
  const key = METRIC_SOURCES[metric.type ?? ''] ?? 'resource';
  const target = (metric[key] as { target?: MetricTarget } | undefined)?.target ?? {};
  const source = current && current.type === metric.type ? current[key] : undefined;
  const measured = typeof source === 'object' ? source.current : undefined;
  const name = metric.resource?.name ?? metric.containerResource?.name ?? '';
  if ((metric.type === 'Resource' || metric.type === 'ContainerResource') && target.averageUtilization != null) {
    const now = measured?.averageUtilization;
    return `${name}: ${now ?? '<unknown>'}${now != null ? '%' : ''}/${target.averageUtilization}%`;
  }
  const wanted = target.averageValue ?? target.value ?? '';
  const now = target.averageValue != null ? measured?.averageValue : measured?.value;
  return `${name ? `${name}: ` : ''}${now ?? '<unknown>'}/${wanted}`;
}

/** formatHPAMetrics: the first metrics, then "+ N more...". */
function targets(obj: KubeObject): string {
  const metrics = spec(obj).metrics ?? [];
  if (!metrics.length) return '<none>';
  const current = ((obj.status as { currentMetrics?: MetricStatus[] } | undefined)?.currentMetrics ?? []);
  const shown = metrics.slice(0, 2).map((m, i) => formatMetric(m, current[i]));
  return metrics.length > 2 ? `${shown.join(', ')} + ${metrics.length - 2} more...` : shown.join(', ');
}

export const horizontalPodAutoscalerStrategy = defineStrategy(
  {
    group: 'autoscaling',
    version: 'v2',
    resource: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    namespaced: true,
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: ['status'],
    tracksGeneration: true,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('Reference', 'string', 'reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.', (obj) => `${spec(obj).scaleTargetRef?.kind ?? ''}/${spec(obj).scaleTargetRef?.name ?? ''}`),
      column('Targets', 'string', 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).', targets),
      column('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.', (obj) => spec(obj).minReplicas ?? '<unset>'),
      column('MaxPods', 'string', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.', (obj) => spec(obj).maxReplicas ?? 0),
      column('Replicas', 'string', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.', (obj) => (obj.status as { currentReplicas?: number } | undefined)?.currentReplicas ?? 0),
      ageColumn,
    ],
    defaults: prepare,
    prepareForCreate: (obj) => {
      obj.status = { desiredReplicas: 0 };
    },
    validate,
  },
);
