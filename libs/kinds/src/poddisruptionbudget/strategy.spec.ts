import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { podDisruptionBudgetStrategy } from './strategy.js';

const NOW = Date.parse('2026-01-01T00:00:30Z');
const pdb = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'guard', namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z' }, spec });
const errors = (spec: Record<string, unknown>) => podDisruptionBudgetStrategy.validate(pdb(spec)).map(renderFieldError);

describe('podDisruptionBudgetStrategy', () => {
  it('is policy/v1 with status and generation', () => {
    const info = podDisruptionBudgetStrategy.info;
    assert.deepEqual([info.group, info.version, info.shortNames, info.subresources, info.tracksGeneration], ['policy', 'v1', ['pdb'], ['status'], true]);
  });

  it('starts with an empty status, as the disruption controller has not seen it', () => {
    const obj = pdb({ minAvailable: 1 });
    prepareNew(podDisruptionBudgetStrategy, obj);
    assert.deepEqual(obj.status, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  });

  it('takes minAvailable or maxUnavailable, not both, as counts or percentages', () => {
    assert.deepEqual(errors({ minAvailable: 1, selector: { matchLabels: { app: 'web' } } }), []);
    assert.deepEqual(errors({ maxUnavailable: '50%' }), []);
    const [both] = errors({ minAvailable: 1, maxUnavailable: 1 });
    assert.match(both, /^spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set$/);
    assert.deepEqual(errors({ minAvailable: -1 }), ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']);
    assert.deepEqual(errors({ maxUnavailable: '150%' }), ['spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%']);
    assert.deepEqual(errors({ minAvailable: 1, unhealthyPodEvictionPolicy: 'Never' }), ['spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"']);
  });

  it('prints NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE', () => {
    const obj = pdb({ maxUnavailable: '25%' });
    prepareNew(podDisruptionBudgetStrategy, obj);
    assert.deepEqual(podDisruptionBudgetStrategy.tableColumns.map((c) => c.name), ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
    assert.deepEqual(podDisruptionBudgetStrategy.tableColumns.map((c) => c.cell(obj, NOW)), ['guard', 'N/A', '25%', 0, '30s']);
  });

  it('refuses negative counters in a status write', () => {
    const before = pdb({ minAvailable: 1 });
    prepareNew(podDisruptionBudgetStrategy, before);
    const rules = podDisruptionBudgetStrategy.subresourceUpdates!.status;
    const stored = rules.prepareForUpdate({ ...before, spec: {}, status: { disruptionsAllowed: -1, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 } }, before);
    assert.deepEqual(stored.spec, { minAvailable: 1 });
    assert.deepEqual(rules.validateUpdate(stored, before).map(renderFieldError), ['status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0']);
  });
});
