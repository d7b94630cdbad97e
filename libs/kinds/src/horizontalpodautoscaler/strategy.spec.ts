import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { horizontalPodAutoscalerStrategy as hpa } from './strategy.js';

const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const prepared = (spec: Record<string, unknown>) => {
  const obj: KubeObject = { metadata: { name: 'web', namespace: 'ns' }, spec };
  prepareNew(hpa, obj);
  return obj;
};

describe('horizontalPodAutoscalerStrategy', () => {
  it('describes autoscaling/v2 horizontalpodautoscalers (hpa)', () => {
    const { group, version, shortNames, categories, subresources } = hpa.info;
    assert.deepEqual([group, version, shortNames, categories, subresources], ['autoscaling', 'v2', ['hpa'], ['all'], ['status']]);
  });

  it('defaults minReplicas to 1 and the metrics to CPU at 80%', () => {
    const obj = prepared({ scaleTargetRef: ref, maxReplicas: 3 });
    assert.deepEqual(obj.spec, { scaleTargetRef: ref, maxReplicas: 3, minReplicas: 1, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] });
    assert.deepEqual(hpa.validate(obj), []);
  });

  it('fills in a given scaling behavior', () => {
    const spec = prepared({ scaleTargetRef: ref, maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } }).spec as Record<string, any>;
    assert.deepEqual(spec.behavior.scaleDown, { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
    assert.equal(spec.behavior.scaleUp.policies.length, 2);
  });

  it('validates as kube does', () => {
    const errors = (spec: Record<string, unknown>) => hpa.validate(prepared(spec)).map(renderFieldError);
    assert.deepEqual(errors({ scaleTargetRef: {}, minReplicas: 0, maxReplicas: 0 }), [
      'spec.minReplicas: Invalid value: 0: must be greater than or equal to 1',
      'spec.maxReplicas: Invalid value: 0: must be greater than 0',
      'spec.scaleTargetRef.kind: Required value',
      'spec.scaleTargetRef.name: Required value',
    ]);
    assert.deepEqual(errors({ scaleTargetRef: { kind: 'apps/Deployment', name: '..' }, maxReplicas: 2 }), [
      "spec.scaleTargetRef.kind: Invalid value: \"apps/Deployment\": may not contain '/'",
      "spec.scaleTargetRef.name: Invalid value: \"..\": may not be '..'",
    ]);
    assert.deepEqual(errors({ scaleTargetRef: ref, minReplicas: 3, maxReplicas: 2 }), ['spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`']);
    assert.deepEqual(errors({ scaleTargetRef: ref, maxReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }] }), [
      'spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization',
    ]);
  });

  it('prints NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE', () => {
    const obj = prepared({ scaleTargetRef: ref, minReplicas: 2, maxReplicas: 5 });
    assert.deepEqual(hpa.tableColumns.map((c) => c.name), ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
    assert.deepEqual(hpa.tableColumns.slice(0, 6).map((c) => c.cell(obj, 0)), ['web', 'Deployment/web', 'cpu: <unknown>/80%', 2, 5, 0]);
    obj.status = { currentReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 40 } } }] };
    assert.deepEqual([hpa.tableColumns[2].cell(obj, 0), hpa.tableColumns[5].cell(obj, 0)], ['cpu: 40%/80%', 2]);
  });
});
