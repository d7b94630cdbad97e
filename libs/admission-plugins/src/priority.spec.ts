import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { priority } from './priority.js';
import { attributes, fakeContext, refusal } from './testing.fixture.js';

const pc = (name: string, value: number, extra: Record<string, unknown> = {}): KubeObject => ({ metadata: { name }, value, ...extra });
const CLASSES = { 'priorityclasses.scheduling.k8s.io': [pc('system-cluster-critical', 2000000000, { preemptionPolicy: 'PreemptLowerPriority' }), pc('low', 10, { preemptionPolicy: 'Never' })] };
const pod = (spec: Record<string, unknown> = {}): KubeObject => ({ metadata: { name: 'web', namespace: 'ns' }, spec: { containers: [{ name: 'c' }], ...spec } });
const create = (p: KubeObject) => attributes('CREATE', 'pods', { namespace: 'ns', object: p });

describe('Priority', () => {
  it('resolves a pod\'s priority and preemption policy from its class', async () => {
    const plugin = priority(fakeContext({ cached: CLASSES }));
    const spec = (await plugin.admit!(create(pod({ priorityClassName: 'low' }))))!.spec as Record<string, unknown>;
    assert.equal(spec.priority, 10);
    assert.equal(spec.preemptionPolicy, 'Never');
  });

  it('gives 0 and PreemptLowerPriority without a default class, and the default class otherwise', async () => {
    const none = (await priority(fakeContext({ cached: CLASSES })).admit!(create(pod())))!.spec as Record<string, unknown>;
    assert.deepEqual([none.priorityClassName, none.priority, none.preemptionPolicy], [undefined, 0, 'PreemptLowerPriority']);
    const cached = { 'priorityclasses.scheduling.k8s.io': [...CLASSES['priorityclasses.scheduling.k8s.io'], pc('fallback', 5, { globalDefault: true, preemptionPolicy: 'PreemptLowerPriority' })] };
    const defaulted = (await priority(fakeContext({ cached })).admit!(create(pod())))!.spec as Record<string, unknown>;
    assert.deepEqual([defaulted.priorityClassName, defaulted.priority], ['fallback', 5]);
  });

  it('refuses an unknown class and a priority the class does not give, in kube\'s words', async () => {
    const plugin = priority(fakeContext({ cached: CLASSES }));
    assert.deepEqual(await refusal(plugin.admit!(create(pod({ priorityClassName: 'nope' })))), [403, 'Forbidden', 'pods "web" is forbidden: no PriorityClass with name nope was found']);
    assert.deepEqual((await refusal(plugin.admit!(create(pod({ priorityClassName: 'low', priority: 5 })))))[2], 'pods "web" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 10 from the given PriorityClass name');
    assert.deepEqual((await refusal(plugin.admit!(create(pod({ priorityClassName: 'low', preemptionPolicy: 'PreemptLowerPriority' })))))[2], 'pods "web" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name');
  });

  it('keeps on update what creation set', async () => {
    const plugin = priority(fakeContext({ cached: CLASSES }));
    const old = pod({ priority: 10, preemptionPolicy: 'Never' });
    const spec = (await plugin.admit!(attributes('UPDATE', 'pods', { namespace: 'ns', object: pod(), oldObject: old })))!.spec as Record<string, unknown>;
    assert.deepEqual([spec.priority, spec.preemptionPolicy], [10, 'Never']);
  });

  it('lets only one PriorityClass be the global default', async () => {
    const cached = { 'priorityclasses.scheduling.k8s.io': [pc('current', 1, { globalDefault: true })] };
    const plugin = priority(fakeContext({ cached }));
    const make = (op: 'CREATE' | 'UPDATE', name: string) => attributes(op, 'priorityclasses', { object: pc(name, 3, { globalDefault: true }) });
    assert.deepEqual(await refusal(plugin.validate!(make('CREATE', 'second'))), [403, 'Forbidden', 'priorityclasses.scheduling.k8s.io "second" is forbidden: PriorityClass current is already marked as default. Only one default can exist']);
    await plugin.validate!(make('UPDATE', 'current'));
    await plugin.validate!(attributes('CREATE', 'priorityclasses', { object: pc('plain', 1) }));
  });
});
