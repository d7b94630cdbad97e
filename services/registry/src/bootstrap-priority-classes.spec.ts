import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alreadyExists, StatusError, type KubeObject } from '@kapi/api-machinery';
import { ensureSystemPriorityClasses, systemPriorityClassObjects } from './bootstrap-priority-classes.js';

describe('systemPriorityClassObjects', () => {
  it('are kube\'s two system classes', () => {
    assert.deepEqual(
      systemPriorityClassObjects().map((o) => [o.metadata?.name, o.value]),
      [
        ['system-node-critical', 2000001000],
        ['system-cluster-critical', 2000000000],
      ],
    );
  });
});

describe('ensureSystemPriorityClasses', () => {
  it('creates the missing classes and leaves existing ones alone', async () => {
    const stored = new Map<string, KubeObject>([['system-node-critical', { metadata: { name: 'system-node-critical' } }]]);
    const create = async (obj: KubeObject) => {
      const name = obj.metadata!.name!;
      if (stored.has(name)) throw alreadyExists({ group: 'scheduling.k8s.io', resource: 'priorityclasses' }, name);
      stored.set(name, obj);
    };
    assert.deepEqual(await ensureSystemPriorityClasses(create), ['system-cluster-critical']);
    assert.deepEqual(await ensureSystemPriorityClasses(create), []);
    assert.deepEqual([...stored.keys()].sort(), ['system-cluster-critical', 'system-node-critical']);
  });

  it('fails on anything else, for the caller to retry', async () => {
    const down = new StatusError('KAPI_ERR_DEPENDENCY_UNAVAILABLE', 'admission is unavailable');
    await assert.rejects(ensureSystemPriorityClasses(async () => Promise.reject(down)), down);
  });
});
