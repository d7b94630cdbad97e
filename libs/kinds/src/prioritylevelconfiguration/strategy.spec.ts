import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { MANDATORY_PRIORITY_LEVELS, SUGGESTED_PRIORITY_LEVELS } from '../flowschema/bootstrap.js';
import { priorityLevelConfigurationStrategy as strategy } from './strategy.js';

const level = (name: string, spec: Record<string, unknown>): KubeObject => ({ metadata: { name }, spec });
const prepared = (name: string, spec: Record<string, unknown>) => {
  const obj = level(name, spec);
  prepareNew(strategy, obj);
  return obj;
};
const errors = (name: string, spec: Record<string, unknown>) => strategy.validate(prepared(name, spec)).map(renderFieldError);
const cells = (obj: KubeObject) => strategy.tableColumns.slice(1, 6).map((c) => c.cell(obj, 0));

describe('priorityLevelConfigurationStrategy', () => {
  it('is cluster-scoped flowcontrol.apiserver.k8s.io/v1 with status', () => {
    assert.deepEqual([strategy.info.group, strategy.info.version, strategy.info.resource, strategy.info.namespaced, strategy.info.subresources], ['flowcontrol.apiserver.k8s.io', 'v1', 'prioritylevelconfigurations', false, ['status']]);
  });

  it('defaults the shares, lendable percent and queuing of a limited level', () => {
    const obj = prepared('l', { type: 'Limited', limited: { limitResponse: { type: 'Queue', queuing: {} } } });
    assert.deepEqual(obj.spec, { type: 'Limited', limited: { nominalConcurrencyShares: 30, lendablePercent: 0, limitResponse: { type: 'Queue', queuing: { handSize: 8, queues: 64, queueLengthLimit: 50 } } } });
    assert.deepEqual(strategy.validate(obj), []);
  });

  it('refuses what kube refuses', () => {
    assert.deepEqual(errors('l', {}), ['spec.type: Required value']);
    assert.deepEqual(errors('l', { type: 'Limited' }), ['spec.limited: Required value: must not be empty when type is Limited']);
    assert.deepEqual(errors('l', { type: 'Exempt' }), ["spec.type: Invalid value: \"Exempt\": type must be 'Exempt' if and only if name is 'exempt'"]);
    assert.deepEqual(errors('l', { type: 'Limited', limited: { limitResponse: { type: 'Queue', queuing: { queues: 2, handSize: 3 } } } }), [
      'spec.limited.limitResponse.queuing.handSize: Invalid value: 3: should not be greater than queues (2)',
    ]);
    assert.deepEqual(errors('l', { type: 'Limited', limited: { limitResponse: { type: 'Queue' } } }), ['spec.limited.limitResponse.queuing: Required value: must not be empty if type is Queue']);
  });

  it('prints NAME TYPE NOMINALCONCURRENCYSHARES QUEUES HANDSIZE QUEUELENGTHLIMIT AGE', () => {
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), ['Name', 'Type', 'NominalConcurrencyShares', 'Queues', 'HandSize', 'QueueLengthLimit', 'Age']);
    const byName = (name: string) => [...MANDATORY_PRIORITY_LEVELS, ...SUGGESTED_PRIORITY_LEVELS].find((l) => l.metadata!.name === name)!;
    assert.deepEqual(cells(byName('exempt')), ['Exempt', '<none>', '<none>', '<none>', '<none>']);
    assert.deepEqual(cells(byName('catch-all')), ['Limited', 5, '<none>', '<none>', '<none>']);
    assert.deepEqual(cells(byName('workload-low')), ['Limited', 100, 128, 6, 50]);
  });

  it("accepts kube's bootstrap levels unchanged by defaulting", () => {
    for (const obj of [...MANDATORY_PRIORITY_LEVELS, ...SUGGESTED_PRIORITY_LEVELS]) {
      const copy = structuredClone(obj);
      prepareNew(strategy, copy);
      assert.deepEqual(copy.spec, obj.spec, obj.metadata!.name);
      assert.deepEqual(strategy.validate(copy), [], obj.metadata!.name);
    }
  });
});
