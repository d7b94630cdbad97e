// autoscaling/v1 ↔ autoscaling/v2 HorizontalPodAutoscaler, as kube's conversion through its internal
// type maps them. v1 knows one metric, a CPU utilization target (targetCPUUtilizationPercentage ↔ the
// first Resource cpu Utilization metric); what v1 cannot say rides in annotations: the other metrics
// (autoscaling.alpha.kubernetes.io/metrics, in v1's old metric shapes), the current metrics
// (.../current-metrics), the conditions (.../conditions) and the scaling behavior (.../behavior, in the
// internal type's Go field names, as kube writes it). Reading v1 into v2 takes them back out and, with
// no metric at all, sets CPU at 80% (v1's old implicit default).
import { badRequest, deepClone, type KubeObject } from '@kapi/api-machinery';

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP_ANNOTATIONS = [METRICS_ANNOTATION, BEHAVIOR_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION];

/** kube's DefaultCPUUtilization. */
const DEFAULT_CPU_UTILIZATION = 80;

type Obj = Record<string, any>;

/** Drops undefined entries, so a conversion writes only what the object has. */
function defined<T extends Obj>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

const isCpuUtilization = (m: Obj | undefined) => m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.averageUtilization != null;

/** A Go resource.Quantity that is not a pointer: its zero value marshals as "0". */
const quantity = (q: unknown) => (q == null ? '0' : q);

// --- one metric, v2 → v1's shapes (the annotation's) and back ---

function metricToV1(m: Obj): Obj {
  const t = (s: Obj | undefined) => (s?.target ?? {}) as Obj;
  switch (m.type) {
    case 'Object':
      return defined({
        type: m.type,
        object: m.object && defined({ target: m.object.describedObject ?? {}, metricName: m.object.metric?.name ?? '', targetValue: quantity(t(m.object).value), selector: m.object.metric?.selector, averageValue: t(m.object).averageValue }),
      });
    case 'Pods':
      return defined({ type: m.type, pods: m.pods && defined({ metricName: m.pods.metric?.name ?? '', targetAverageValue: quantity(t(m.pods).averageValue), selector: m.pods.metric?.selector }) });
    case 'Resource':
      return defined({ type: m.type, resource: m.resource && defined({ name: m.resource.name ?? '', targetAverageUtilization: t(m.resource).averageUtilization, targetAverageValue: t(m.resource).averageValue }) });
    case 'ContainerResource':
      return defined({
        type: m.type,
        containerResource: m.containerResource && defined({ name: m.containerResource.name ?? '', targetAverageUtilization: t(m.containerResource).averageUtilization, targetAverageValue: t(m.containerResource).averageValue, container: m.containerResource.container ?? '' }),
      });
    case 'External':
      return defined({ type: m.type, external: m.external && defined({ metricName: m.external.metric?.name ?? '', metricSelector: m.external.metric?.selector, targetValue: t(m.external).value, targetAverageValue: t(m.external).averageValue }) });
    default:
      return { type: m.type ?? '' };
  }
}

const identifier = (name: string | undefined, selector: unknown) => defined({ name: name ?? '', selector });

function metricFromV1(m: Obj): Obj {
  const { type } = m;
  if (type === 'Object' && m.object) {
    const o = m.object;
    return { type, object: { describedObject: o.target ?? {}, target: defined({ type: o.averageValue == null ? 'Value' : 'AverageValue', value: quantity(o.targetValue), averageValue: o.averageValue }), metric: identifier(o.metricName, o.selector) } };
  }
  if (type === 'Pods' && m.pods) return { type, pods: { metric: identifier(m.pods.metricName, m.pods.selector), target: { type: 'AverageValue', averageValue: quantity(m.pods.targetAverageValue) } } };
  const resourceTarget = (r: Obj) => defined({ type: r.targetAverageUtilization == null ? 'AverageValue' : 'Utilization', averageUtilization: r.targetAverageUtilization, averageValue: r.targetAverageValue });
  if (type === 'Resource' && m.resource) return { type, resource: { name: m.resource.name ?? '', target: resourceTarget(m.resource) } };
  if (type === 'ContainerResource' && m.containerResource) {
    const r = m.containerResource;
    return { type, containerResource: { name: r.name ?? '', container: r.container ?? '', target: resourceTarget(r) } };
  }
  if (type === 'External' && m.external) {
    const e = m.external;
    return { type, external: { metric: identifier(e.metricName, e.metricSelector), target: defined({ type: e.targetValue == null ? 'AverageValue' : 'Value', value: e.targetValue, averageValue: e.targetAverageValue }) } };
  }
  return { type: type ?? '' };
}

function metricStatusToV1(m: Obj): Obj {
  const c = (s: Obj | undefined) => (s?.current ?? {}) as Obj;
  switch (m.type) {
    case 'Object':
      return defined({
        type: m.type,
        object: m.object && defined({ target: m.object.describedObject ?? {}, metricName: m.object.metric?.name ?? '', currentValue: quantity(c(m.object).value), selector: m.object.metric?.selector, averageValue: c(m.object).averageValue }),
      });
    case 'Pods':
      return defined({ type: m.type, pods: m.pods && defined({ metricName: m.pods.metric?.name ?? '', currentAverageValue: quantity(c(m.pods).averageValue), selector: m.pods.metric?.selector }) });
    case 'Resource':
      return defined({ type: m.type, resource: m.resource && defined({ name: m.resource.name ?? '', currentAverageUtilization: c(m.resource).averageUtilization, currentAverageValue: quantity(c(m.resource).averageValue) }) });
    case 'ContainerResource':
      return defined({
        type: m.type,
        containerResource: m.containerResource && defined({ name: m.containerResource.name ?? '', currentAverageUtilization: c(m.containerResource).averageUtilization, currentAverageValue: quantity(c(m.containerResource).averageValue), container: m.containerResource.container ?? '' }),
      });
    case 'External':
      return defined({ type: m.type, external: m.external && defined({ metricName: m.external.metric?.name ?? '', metricSelector: m.external.metric?.selector, currentValue: quantity(c(m.external).value), currentAverageValue: c(m.external).averageValue }) });
    default:
      return { type: m.type ?? '' };
  }
}

function metricStatusFromV1(m: Obj): Obj {
  const { type } = m;
  if (type === 'Object' && m.object) {
    const o = m.object;
    return { type, object: { metric: identifier(o.metricName, o.selector), current: defined({ value: quantity(o.currentValue), averageValue: o.averageValue }), describedObject: o.target ?? {} } };
  }
  if (type === 'Pods' && m.pods) return { type, pods: { metric: identifier(m.pods.metricName, m.pods.selector), current: { averageValue: quantity(m.pods.currentAverageValue) } } };
  const resourceCurrent = (r: Obj) => defined({ averageValue: quantity(r.currentAverageValue), averageUtilization: r.currentAverageUtilization });
  if (type === 'Resource' && m.resource) return { type, resource: { name: m.resource.name ?? '', current: resourceCurrent(m.resource) } };
  if (type === 'ContainerResource' && m.containerResource) {
    const r = m.containerResource;
    return { type, containerResource: { name: r.name ?? '', container: r.container ?? '', current: resourceCurrent(r) } };
  }
  if (type === 'External' && m.external) {
    const e = m.external;
    return { type, external: { metric: identifier(e.metricName, e.metricSelector), current: defined({ value: quantity(e.currentValue), averageValue: e.currentAverageValue }) } };
  }
  return { type: type ?? '' };
}

// --- the scaling behavior, in the internal type's field names (what kube's annotation holds) ---

function rulesToInternal(r: Obj | undefined): Obj | null {
  if (!r) return null;
  return {
    StabilizationWindowSeconds: r.stabilizationWindowSeconds ?? null,
    SelectPolicy: r.selectPolicy ?? null,
    Policies: (r.policies ?? null) && (r.policies as Obj[]).map((p) => ({ Type: p.type ?? '', Value: p.value ?? 0, PeriodSeconds: p.periodSeconds ?? 0 })),
    Tolerance: r.tolerance ?? null,
  };
}

/** Go's encoding/json matches field names case-insensitively; so does this. */
function field(obj: Obj | null | undefined, name: string): any {
  if (!obj || typeof obj !== 'object') return undefined;
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
}

function rulesFromInternal(r: Obj | null | undefined): Obj | undefined {
  if (!r || typeof r !== 'object') return undefined;
  const policies = field(r, 'policies') as Obj[] | null | undefined;
  return defined({
    stabilizationWindowSeconds: field(r, 'stabilizationWindowSeconds') ?? undefined,
    selectPolicy: field(r, 'selectPolicy') ?? undefined,
    policies: Array.isArray(policies) ? policies.map((p) => ({ type: field(p, 'type') ?? '', value: field(p, 'value') ?? 0, periodSeconds: field(p, 'periodSeconds') ?? 0 })) : undefined,
    tolerance: field(r, 'tolerance') ?? undefined,
  });
}

// --- the whole object ---

/** A JSON annotation as kube's conversion decodes it: malformed is the request's fault. */
function parseAnnotation(annotations: Record<string, string>, key: string): unknown {
  try {
    return JSON.parse(annotations[key]);
  } catch (err) {
    throw badRequest(`annotation ${key}: ${(err as Error).message}`);
  }
}

const asArray = (value: unknown): Obj[] => (Array.isArray(value) ? (value as Obj[]).filter((v) => v && typeof v === 'object') : []);

/** An autoscaling/v2 HorizontalPodAutoscaler as autoscaling/v1 serves it. */
export function hpaV2ToV1(obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as Obj;
  const status = obj.status as Obj | undefined;
  const metrics = asArray(spec.metrics);
  const cpu = metrics.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
  const otherMetrics = metrics.filter((m) => !isCpuUtilization(m)).map(metricToV1);
  const currentMetrics = asArray(status?.currentMetrics);
  const conditions = asArray(status?.conditions);

  const metadata = deepClone(obj.metadata ?? {}) as Obj;
  const annotations: Record<string, string> = { ...(metadata.annotations ?? {}) };
  for (const key of ROUND_TRIP_ANNOTATIONS) delete annotations[key];
  if (spec.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify({ ScaleUp: rulesToInternal(spec.behavior.scaleUp), ScaleDown: rulesToInternal(spec.behavior.scaleDown) });
  if (otherMetrics.length) annotations[METRICS_ANNOTATION] = JSON.stringify(otherMetrics);
  if (currentMetrics.length) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(currentMetrics.map(metricStatusToV1));
  if (conditions.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(conditions.map((c) => defined({ type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message })));
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;

  const currentCpu = currentMetrics.filter((m) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.current?.averageUtilization != null).at(-1);
  return defined({
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: defined({
      scaleTargetRef: spec.scaleTargetRef ?? {},
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas ?? 0,
      targetCPUUtilizationPercentage: cpu?.resource?.target?.averageUtilization ?? undefined,
    }),
    status:
      status &&
      defined({
        observedGeneration: status.observedGeneration,
        lastScaleTime: status.lastScaleTime,
        currentReplicas: status.currentReplicas ?? 0,
        desiredReplicas: status.desiredReplicas ?? 0,
        currentCPUUtilizationPercentage: currentCpu?.resource?.current?.averageUtilization,
      }),
  }) as KubeObject;
}

/** An autoscaling/v1 HorizontalPodAutoscaler in autoscaling/v2, its annotations taken back into the fields. */
export function hpaV1ToV2(obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as Obj;
  const status = obj.status as Obj | undefined;
  const metadata = deepClone(obj.metadata ?? {}) as Obj;
  const annotations: Record<string, string> = { ...(metadata.annotations ?? {}) };
  const taken = (key: string): unknown => {
    if (!(key in annotations)) return undefined;
    const value = parseAnnotation(annotations, key);
    delete annotations[key];
    return value;
  };

  const metrics: Obj[] = asArray(taken(METRICS_ANNOTATION)).map(metricFromV1);
  if (spec.targetCPUUtilizationPercentage != null) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  if (!metrics.length) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } });

  const behaviorValue = taken(BEHAVIOR_ANNOTATION) as Obj | null | undefined;
  const behavior = behaviorValue && typeof behaviorValue === 'object' ? defined({ scaleUp: rulesFromInternal(field(behaviorValue, 'scaleUp')), scaleDown: rulesFromInternal(field(behaviorValue, 'scaleDown')) }) : undefined;

  const currentMetricsValue = taken(CURRENT_METRICS_ANNOTATION);
  const currentMetrics =
    currentMetricsValue !== undefined
      ? asArray(currentMetricsValue).map(metricStatusFromV1)
      : status?.currentCPUUtilizationPercentage != null
        ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }]
        : undefined;
  const conditionsValue = taken(CONDITIONS_ANNOTATION);
  const conditions = conditionsValue !== undefined ? asArray(conditionsValue).map((c) => defined({ type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message })) : undefined;

  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;
  return defined({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: defined({ scaleTargetRef: spec.scaleTargetRef ?? {}, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas ?? 0, metrics, behavior }),
    status:
      status &&
      defined({
        observedGeneration: status.observedGeneration,
        lastScaleTime: status.lastScaleTime,
        currentReplicas: status.currentReplicas || undefined,
        desiredReplicas: status.desiredReplicas ?? 0,
        currentMetrics: currentMetrics?.length ? currentMetrics : undefined,
        conditions: conditions?.length ? conditions : undefined,
      }),
  }) as KubeObject;
}
