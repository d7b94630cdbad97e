import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { limitRangeStrategy } from './strategy.js';

const lr = (limits: unknown[]): KubeObject => ({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'limits', namespace: 'ns' }, spec: { limits } });
const prepared = (limits: unknown[]) => {
  const obj = lr(limits);
  prepareNew(limitRangeStrategy, obj);
  return obj;
};
const errors = (limits: unknown[]) => limitRangeStrategy.validate(prepared(limits)).map(renderFieldError);

describe('limitRangeStrategy.info', () => {
  it('describes core v1 limitranges with the short name limits', () => {
    const info = limitRangeStrategy.info;
    assert.deepEqual([info.group, info.version, info.resource, info.kind, info.namespaced], ['', 'v1', 'limitranges', 'LimitRange', true]);
    assert.deepEqual(info.shortNames, ['limits']);
  });
});

describe('limitRangeStrategy defaults', () => {
  it('defaults a container\'s limit to its max and its request to its default, then its min', () => {
    const obj = prepared([{ type: 'Container', max: { cpu: '2', memory: '1Gi' }, min: { cpu: '100m', 'ephemeral-storage': '1Gi' }, default: { memory: '512Mi' } }]);
    assert.deepEqual((obj.spec as { limits: unknown[] }).limits[0], {
      type: 'Container',
      max: { cpu: '2', memory: '1Gi' },
      min: { cpu: '100m', 'ephemeral-storage': '1Gi' },
      default: { memory: '512Mi', cpu: '2' },
      defaultRequest: { memory: '512Mi', cpu: '2', 'ephemeral-storage': '1Gi' },
    });
  });

  it('leaves Pod and claim items alone, apart from writing quantities canonically', () => {
    const obj = prepared([{ type: 'Pod', max: { cpu: '2000m' } }]);
    assert.deepEqual((obj.spec as { limits: unknown[] }).limits[0], { type: 'Pod', max: { cpu: '2' } });
  });
});

describe('limitRangeStrategy.validate', () => {
  it('accepts sensible ranges', () => {
    assert.deepEqual(errors([{ type: 'Container', max: { cpu: '2' }, min: { cpu: '100m' }, maxLimitRequestRatio: { cpu: '4' } }]), []);
    assert.deepEqual(errors([{ type: 'PersistentVolumeClaim', max: { storage: '10Gi' } }]), []);
    assert.deepEqual(errors([{ type: 'example.com/thing', max: { 'example.com/foo': '1' } }]), []);
  });

  it('reports each inconsistency in kube\'s words', () => {
    const table: [unknown[], string[]][] = [
      [[{ type: 'Sidecar' }], ['spec.limits[0].type: Invalid value: "Sidecar": must be a standard limit type or fully qualified']],
      [[{ type: 'Pod' }, { type: 'Pod' }], ['spec.limits[1].type: Duplicate value: "Pod"']],
      [[{ type: 'Pod', default: { cpu: '1' } }], ["spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"]],
      [[{ type: 'PersistentVolumeClaim' }], ['spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided']],
      [[{ type: 'Pod', max: { cpu: '1' }, min: { cpu: '2' } }], ['spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1']],
      [
        [{ type: 'Container', max: { cpu: '1' }, default: { cpu: '2' } }],
        ['spec.limits[0].defaultRequest[cpu]: Invalid value: "2": default request value 2 is greater than max value 1', 'spec.limits[0].default[cpu]: Invalid value: "1": default value 2 is greater than max value 1'],
      ],
      [[{ type: 'Container', maxLimitRequestRatio: { cpu: '500m' } }], ['spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "500m": ratio 500m is less than 1']],
      [
        [{ type: 'Pod', max: { cpu: '1' }, min: { cpu: '500m' }, maxLimitRequestRatio: { cpu: '3' } }],
        ['spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "3": ratio 3 is greater than max/min = 2.000000'],
      ],
      [[{ type: 'Pod', max: { widgets: '1' } }], [
        'spec.limits[0].max[widgets]: Invalid value: "widgets": must be a standard resource type or fully qualified',
        'spec.limits[0].max[widgets]: Invalid value: "widgets": must be a standard resource for containers',
      ]],
      [
        [{ type: 'Container', default: { 'example.com/gpu': '2' }, defaultRequest: { 'example.com/gpu': '1' } }],
        ['spec.limits[0].defaultRequest[example.com/gpu]: Invalid value: "1": default value 2 must equal to defaultRequest value 1 in example.com/gpu'],
      ],
    ];
    for (const [limits, expected] of table) assert.deepEqual(errors(limits), expected, JSON.stringify(limits));
  });
});

describe('limitRangeStrategy columns', () => {
  it('prints kube\'s generic NAME and CREATED AT, as kube has no printer for the kind', () => {
    assert.deepEqual(limitRangeStrategy.tableColumns.map((c) => [c.name, c.type]), [
      ['Name', 'string'],
      ['Created At', 'date'],
    ]);
    const obj = lr([]);
    obj.metadata!.creationTimestamp = '2024-05-01T12:00:00Z';
    assert.deepEqual(limitRangeStrategy.tableColumns.map((c) => c.cell(obj, 0)), ['limits', '2024-05-01T12:00:00Z']);
  });
});
