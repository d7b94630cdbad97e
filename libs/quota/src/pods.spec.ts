import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { podEvaluator, podMatchesScope, podRequests } from './pods.js';
import { toJson } from './resource-list.js';
import { pod, quota } from './testing.fixture.js';

const evaluator = podEvaluator(() => Date.parse('2026-01-01T00:00:10Z'));
const usage = (p: ReturnType<typeof pod>) => toJson(evaluator.usage(p));

describe('the pod evaluator', () => {
  it('charges a pod its count, and its requests and limits under both their names', () => {
    assert.deepEqual(usage(pod('web', [{ requests: { cpu: '600m', memory: '512Mi' }, limits: { cpu: '1', memory: '512Mi' } }])), {
      'count/pods': '1',
      cpu: '600m',
      'limits.cpu': '1',
      'limits.memory': '512Mi',
      memory: '512Mi',
      pods: '1',
      'requests.cpu': '600m',
      'requests.memory': '512Mi',
    });
  });

  it('charges ephemeral storage, hugepages, and extended resources as requests only', () => {
    const p = pod('gpu', [{ requests: { 'ephemeral-storage': '1Gi', 'hugepages-2Mi': '4Mi', 'example.com/gpu': '2', memory: '1Gi' }, limits: { 'ephemeral-storage': '2Gi', 'hugepages-2Mi': '4Mi', 'example.com/gpu': '2' } }]);
    assert.deepEqual(usage(p), {
      'count/pods': '1',
      'ephemeral-storage': '1Gi',
      'hugepages-2Mi': '4Mi',
      'limits.ephemeral-storage': '2Gi',
      memory: '1Gi',
      pods: '1',
      'requests.ephemeral-storage': '1Gi',
      'requests.example.com/gpu': '2',
      'requests.hugepages-2Mi': '4Mi',
      'requests.memory': '1Gi',
    });
    assert.deepEqual(evaluator.matchingResources(['requests.example.com/gpu', 'hugepages-2Mi', 'requests.hugepages-1Gi', 'example.com/gpu', 'services', 'count/pods']).sort(), [
      'count/pods',
      'hugepages-2Mi',
      'requests.example.com/gpu',
      'requests.hugepages-1Gi',
    ]);
  });

  it('adds containers and sidecars, counts a plain init container alone beside earlier sidecars, and adds the overhead', () => {
    const p = pod('init', [{ requests: { cpu: '100m' } }, { requests: { cpu: '200m' } }], {
      initContainers: [
        { name: 'setup', image: 'x', resources: { requests: { cpu: '1' } } },
        { name: 'proxy', image: 'x', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } },
        { name: 'late', image: 'x', resources: { requests: { cpu: '400m' } } },
      ],
      overhead: { cpu: '10m' },
    });
    // max(300m + 50m, 1, 400m + 50m) + 10m
    assert.equal(toJson(podRequests(p)).cpu, '1010m');
  });

  it('takes pod-level resources over the containers\', and a larger resized status', () => {
    const levelled = pod('level', [{ requests: { cpu: '100m', memory: '64Mi' } }], { resources: { requests: { cpu: '2' }, limits: { cpu: '3' } } });
    assert.deepEqual([usage(levelled)['requests.cpu'], usage(levelled)['requests.memory'], usage(levelled)['limits.cpu']], ['2', '64Mi', '3']);
    const resized = pod('resized', [{ requests: { cpu: '100m' } }], {}, { status: { containerStatuses: [{ name: 'resized', resources: { requests: { cpu: '500m' } }, allocatedResources: { cpu: '300m' } }] } });
    assert.equal(usage(resized)['requests.cpu'], '500m');
  });

  it('charges a terminal pod, or one past its deletion grace period, its count alone', () => {
    for (const status of [{ phase: 'Succeeded' }, { phase: 'Failed' }]) assert.deepEqual(usage(pod('done', [{ requests: { cpu: '1' } }], {}, { status })), { 'count/pods': '1' });
    const lost = pod('lost', [{ requests: { cpu: '1' } }]);
    lost.metadata = { ...lost.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 5 };
    assert.deepEqual(usage(lost), { 'count/pods': '1' });
    lost.metadata.deletionGracePeriodSeconds = 30;
    assert.equal(usage(lost).pods, '1');
  });

  it('requires cpu and memory of every container when a quota limits them, in kube\'s words', () => {
    const p = pod('p9', [{ name: 'a' }, { name: 'b', limits: { cpu: '1' }, requests: { cpu: '1' } }]);
    assert.equal(
      evaluator.constraints(['limits.cpu', 'limits.memory', 'requests.cpu', 'pods', 'count/pods'], p),
      'must specify limits.cpu for: a; limits.memory for: a,b; requests.cpu for: a',
    );
    assert.equal(evaluator.constraints(['requests.ephemeral-storage', 'pods'], p), undefined);
  });

  it('handles creates and resizes, nothing else', () => {
    assert.ok(evaluator.handles({ operation: 'CREATE', subresource: '' }));
    assert.ok(evaluator.handles({ operation: 'UPDATE', subresource: 'resize' }));
    assert.ok(!evaluator.handles({ operation: 'UPDATE', subresource: '' }));
    assert.ok(!evaluator.handles({ operation: 'UPDATE', subresource: 'status' }));
  });

  it('matches the scopes: Terminating, BestEffort, PriorityClass by selector, CrossNamespacePodAffinity', () => {
    const bestEffort = pod('be');
    const burstable = pod('bu', [{ requests: { cpu: '1' } }], { activeDeadlineSeconds: 30, priorityClassName: 'high' });
    assert.deepEqual([podMatchesScope({ scopeName: 'BestEffort', operator: 'Exists' }, bestEffort), podMatchesScope({ scopeName: 'NotBestEffort', operator: 'Exists' }, burstable)], [true, true]);
    assert.deepEqual([podMatchesScope({ scopeName: 'Terminating', operator: 'Exists' }, burstable), podMatchesScope({ scopeName: 'NotTerminating', operator: 'Exists' }, bestEffort)], [true, true]);
    assert.equal(podMatchesScope({ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }, burstable), true);
    assert.equal(podMatchesScope({ scopeName: 'PriorityClass', operator: 'NotIn', values: ['high'] }, bestEffort), true);
    assert.equal(podMatchesScope({ scopeName: 'PriorityClass', operator: 'Exists' }, bestEffort), false);
    assert.throws(() => podMatchesScope({ scopeName: 'PriorityClass', operator: 'Bogus' }, bestEffort), /"Bogus" is not a valid scope selector operator/);
    const affine = pod('aff', [{}], { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { topologyKey: 'x', namespaceSelector: {} } }] } } });
    assert.equal(podMatchesScope({ scopeName: 'CrossNamespacePodAffinity', operator: 'Exists' }, affine), true);
    assert.equal(podMatchesScope({ scopeName: 'CrossNamespacePodAffinity', operator: 'Exists' }, burstable), false);

    const scoped = quota('be', { pods: '1' }, { pods: '0' }, { scopes: ['BestEffort'] });
    assert.deepEqual([evaluator.matches(scoped, bestEffort), evaluator.matches(scoped, burstable)], [true, false]);
    // A quota whose status has no hard limits yet matches nothing (admission reads status.hard).
    assert.equal(evaluator.matches(quota('new', { pods: '1' }), bestEffort), false);
  });
});
