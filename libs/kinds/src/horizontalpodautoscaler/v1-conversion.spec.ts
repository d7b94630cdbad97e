import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { prepareNew } from '../strategy.js';
import { KindCatalogue } from '../catalogue.js';
import { horizontalPodAutoscalerStrategy as v2 } from './strategy.js';
import { horizontalPodAutoscalerV1Strategy as v1 } from './v1-strategy.js';
import { BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, CURRENT_METRICS_ANNOTATION, METRICS_ANNOTATION, hpaV1ToV2, hpaV2ToV1 } from './v1-conversion.js';

const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const metadata = { name: 'web', namespace: 'ns', annotations: { a: 'b' } };
const cpu = (averageUtilization: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } } });

/** A v2 HPA with what v1 cannot say: other metrics, a behavior, current metrics and conditions. */
const rich: KubeObject = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata,
  spec: {
    scaleTargetRef: ref,
    minReplicas: 2,
    maxReplicas: 5,
    metrics: [
      cpu(50),
      { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
      { type: 'External', external: { metric: { name: 'queue', selector: { matchLabels: { q: 'x' } } }, target: { type: 'Value', value: '3' } } },
      { type: 'Object', object: { describedObject: { kind: 'Service', name: 's', apiVersion: 'v1' }, metric: { name: 'hits' }, target: { type: 'Value', value: '7' } } },
    ],
    behavior: {
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    },
  },
  status: {
    observedGeneration: 1,
    currentReplicas: 3,
    desiredReplicas: 4,
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 40, averageValue: '200m' } } }],
    conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'ReadyForNewScale', message: 'ok' }],
  },
};

describe('autoscaling/v1 ↔ v2 HorizontalPodAutoscaler conversion', () => {
  it('maps the CPU utilization metric to targetCPUUtilizationPercentage and the rest to annotations', () => {
    const out = hpaV2ToV1(rich);
    assert.equal(out.apiVersion, 'autoscaling/v1');
    assert.deepEqual(out.spec, { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
    assert.deepEqual(out.status, { observedGeneration: 1, currentReplicas: 3, desiredReplicas: 4, currentCPUUtilizationPercentage: 40 });
    const annotations = out.metadata!.annotations!;
    assert.equal(annotations.a, 'b');
    // As kube writes them: v1's old metric shapes, in Go's field order.
    assert.equal(
      annotations[METRICS_ANNOTATION],
      '[{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"10"}},{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}},' +
        '{"type":"External","external":{"metricName":"queue","metricSelector":{"matchLabels":{"q":"x"}},"targetValue":"3"}},' +
        '{"type":"Object","object":{"target":{"kind":"Service","name":"s","apiVersion":"v1"},"metricName":"hits","targetValue":"7"}}]',
    );
    assert.equal(annotations[CURRENT_METRICS_ANNOTATION], '[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":40,"currentAverageValue":"200m"}}]');
    assert.equal(annotations[CONDITIONS_ANNOTATION], '[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"ReadyForNewScale","message":"ok"}]');
    // The internal type's field names, as kube-apiserver v1.34 answers.
    assert.equal(
      annotations[BEHAVIOR_ANNOTATION],
      '{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15}],"Tolerance":null},' +
        '"ScaleDown":{"StabilizationWindowSeconds":60,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":null}}',
    );
  });

  it('round-trips v2 → v1 → v2 with nothing lost (CPU target last, as kube appends it)', () => {
    const back = hpaV1ToV2(hpaV2ToV1(rich));
    const metrics = (rich.spec as { metrics: unknown[] }).metrics;
    assert.deepEqual((back.spec as { metrics: unknown[] }).metrics, [...metrics.slice(1), metrics[0]]);
    assert.deepEqual({ ...(back.spec as object), metrics: undefined }, { ...(rich.spec as object), metrics: undefined });
    assert.deepEqual(back.status, rich.status);
    assert.deepEqual(back.metadata, metadata);
  });

  it('round-trips v1 → v2 → v1', () => {
    const obj: KubeObject = {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata,
      spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 70 },
      status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 65 },
    };
    const stored = hpaV1ToV2(obj);
    assert.deepEqual((stored.spec as { metrics: unknown[] }).metrics, [cpu(70)]);
    assert.deepEqual((stored.status as { currentMetrics: unknown[] }).currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 65 } } }]);
    // The current metrics come back through the annotation, which carries the raw value too.
    const back = hpaV2ToV1(stored);
    assert.deepEqual(back.spec, obj.spec);
    assert.deepEqual(back.status, obj.status);
    // Go's v1 current metric holds the raw value as a plain Quantity: an unset one comes back as "0".
    const again = hpaV1ToV2(back);
    assert.deepEqual((again.status as { currentMetrics: unknown[] }).currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 65, averageValue: '0' } } }]);
    assert.deepEqual(again.spec, stored.spec);
  });

  it('gives a v1 HPA without a target CPU at 80%, as v1 always implied', () => {
    const stored = hpaV1ToV2({ metadata: { name: 'web' }, spec: { scaleTargetRef: ref, maxReplicas: 3 } });
    assert.deepEqual(stored.spec, { scaleTargetRef: ref, maxReplicas: 3, metrics: [cpu(80)] });
    assert.equal((hpaV2ToV1(stored).spec as { targetCPUUtilizationPercentage: number }).targetCPUUtilizationPercentage, 80);
  });

  it('answers a malformed annotation with a 400', () => {
    assert.throws(() => hpaV1ToV2({ metadata: { name: 'web', annotations: { [METRICS_ANNOTATION]: '[' } }, spec: {} }), (err: { httpCode?: number }) => err.httpCode === 400);
  });
});

describe('horizontalPodAutoscalerV1Strategy', () => {
  it('serves autoscaling/v1 from the v2 objects, v2 preferred', () => {
    assert.deepEqual([v1.info.group, v1.info.version, v1.info.resource, v1.info.subresources], ['autoscaling', 'v1', 'horizontalpodautoscalers', ['status']]);
    const catalogue = new KindCatalogue();
    assert.equal(catalogue.lookup('autoscaling', 'horizontalpodautoscalers'), v2);
    assert.equal(catalogue.lookup('autoscaling', 'horizontalpodautoscalers', 'v1'), v1);
    assert.equal(catalogue.lookup('autoscaling', 'horizontalpodautoscalers', 'v2'), v2);
    const versions = catalogue.groupVersions().filter((gv) => gv.group === 'autoscaling').map((gv) => gv.version);
    assert.deepEqual(versions, ['v2', 'v1']);
  });

  it('defaults minReplicas to 1, stores v2 with its defaults and validates as v2 does', () => {
    const obj: KubeObject = { metadata: { name: 'web', namespace: 'ns' }, spec: { scaleTargetRef: ref, maxReplicas: 3 } };
    prepareNew(v1, obj);
    assert.deepEqual(obj.spec, { scaleTargetRef: ref, maxReplicas: 3, minReplicas: 1 });
    assert.deepEqual(v1.validate(obj), []);
    const stored = v1.storageConversion!.toStorage(obj);
    assert.deepEqual(stored.spec, { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 3, metrics: [cpu(80)] });
    assert.deepEqual(stored.status, { desiredReplicas: 0 });
    assert.deepEqual(v1.storageConversion!.fromStorage(stored).status, { currentReplicas: 0, desiredReplicas: 0 });
    const bad = v1.validate({ metadata: { name: 'web' }, spec: { scaleTargetRef: ref, minReplicas: 4, maxReplicas: 3 } });
    assert.deepEqual(bad.map((e) => e.field), ['spec.maxReplicas']);
  });

  it('prints the columns v2 prints', () => {
    const obj = hpaV2ToV1(rich);
    const cells = v1.tableColumns.map((c) => c.cell(obj, Date.now()));
    const v2cells = v2.tableColumns.map((c) => c.cell(hpaV1ToV2(obj), Date.now()));
    assert.deepEqual(cells, v2cells);
    assert.deepEqual([cells[1], ...cells.slice(3, 6)], ['Deployment/web', 2, 5, 3]);
    // The CPU status is at index 0, the Pods metric's place: of another type, so not the Pods metric's.
    assert.equal(cells[2], '<unknown>/10, memory: <unknown>/100Mi + 3 more...');
  });
});
