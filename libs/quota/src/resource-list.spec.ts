import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { add, difference, equals, intersection, lessThanOrEqual, mask, negativeNames, prettyPrint, removeZeros, resourceList, subtract, subtractNonNegative, toJson } from './resource-list.js';

const rl = (raw: Record<string, string>) => resourceList(raw);

describe('resource lists', () => {
  it('add exactly, keeping the first non-zero term\'s format, as resource.Quantity does', () => {
    assert.deepEqual(toJson(add(rl({ cpu: '600m', memory: '512Mi' }), rl({ cpu: '400m', memory: '512Mi', pods: '1' }))), { cpu: '1', memory: '1Gi', pods: '1' });
    // A zero takes the other's format: 0 + 512Mi is 512Mi, not 536870912.
    assert.deepEqual(toJson(add(rl({ memory: '0' }), rl({ memory: '512Mi' }))), { memory: '512Mi' });
    assert.deepEqual(toJson(add(rl({ memory: '1G' }), rl({ memory: '512Mi' }))), { memory: '1536870912' });
  });

  it('subtract, and subtract without going below zero', () => {
    assert.deepEqual(toJson(subtract(rl({ cpu: '1' }), rl({ cpu: '1500m', pods: '1' }))), { cpu: '-500m', pods: '-1' });
    assert.deepEqual(toJson(subtractNonNegative(rl({ cpu: '1', memory: '1Gi' }), rl({ cpu: '1500m', memory: '512Mi', pods: '1' }))), { cpu: '0', memory: '512Mi', pods: '0' });
  });

  it('compare, mask and print as kube\'s quota helpers do', () => {
    assert.deepEqual(lessThanOrEqual(rl({ cpu: '2', memory: '1Gi', pods: '3' }), rl({ cpu: '1', memory: '1Gi' })), [false, ['cpu']]);
    assert.deepEqual(lessThanOrEqual(rl({ cpu: '1' }), rl({ cpu: '1000m', pods: '1' })), [true, []]);
    assert.ok(equals(rl({ cpu: '1000m' }), rl({ cpu: '1' })));
    assert.ok(!equals(rl({ cpu: '1' }), rl({ cpu: '1', pods: '0' })));
    assert.deepEqual([...mask(rl({ cpu: '1', pods: '2' }), ['pods', 'memory']).keys()], ['pods']);
    assert.deepEqual(negativeNames(subtract(rl({ pods: '1' }), rl({ cpu: '1' }))), ['cpu']);
    assert.deepEqual([...removeZeros(rl({ cpu: '0', pods: '1' })).keys()], ['pods']);
    assert.equal(prettyPrint(rl({ 'requests.cpu': '3', 'limits.memory': '2Gi', 'limits.cpu': '3' })), 'limits.cpu=3,limits.memory=2Gi,requests.cpu=3');
    assert.deepEqual(intersection(['pods', 'cpu', 'pods', 'memory'], ['pods', 'cpu']), ['cpu', 'pods']);
    assert.deepEqual(difference(['b', 'a', 'c', 'a'], ['c']), ['a', 'b']);
  });
});
