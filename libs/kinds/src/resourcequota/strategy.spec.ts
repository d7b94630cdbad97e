import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { decodeProtobufObject, renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { resourceQuotaStrategy } from './strategy.js';

const quota = (spec: Record<string, unknown> = {}, status?: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: 'q', namespace: 'ns' },
  spec,
  ...(status ? { status } : {}),
});
const errors = (spec: Record<string, unknown>, status?: Record<string, unknown>) => resourceQuotaStrategy.validate(quota(spec, status)).map(renderFieldError);

describe('resourceQuotaStrategy.info', () => {
  it('describes core v1 resourcequotas, short name quota, with a status subresource', () => {
    const info = resourceQuotaStrategy.info;
    assert.deepEqual([info.group, info.version, info.resource, info.kind, info.namespaced], ['', 'v1', 'resourcequotas', 'ResourceQuota', true]);
    assert.deepEqual(info.shortNames, ['quota']);
    assert.deepEqual(info.subresources, ['status']);
  });
});

describe('resourceQuotaStrategy defaults', () => {
  it('starts without a status and writes quantities canonically, rounded to milli', () => {
    const obj = quota({ hard: { cpu: '1000m', memory: '1024Mi', pods: '10', 'requests.cpu': '0.0001' } }, { hard: { cpu: '5' } });
    prepareNew(resourceQuotaStrategy, obj);
    assert.deepEqual(obj.status, {});
    assert.deepEqual((obj.spec as { hard: unknown }).hard, { cpu: '1', memory: '1Gi', pods: '10', 'requests.cpu': '1m' });
  });
});

describe('resourceQuotaStrategy.validate', () => {
  it('accepts standard, object-count and qualified resources', () => {
    assert.deepEqual(errors({ hard: { cpu: '2', 'limits.memory': '1Gi', secrets: '5', 'count/deployments.apps': '3', 'requests.nvidia.com/gpu': '1', 'hugepages-2Mi': '1Gi' } }), []);
  });

  it('refuses unknown, negative and fractional countable resources in kube\'s words', () => {
    const table: [Record<string, unknown>, string[]][] = [
      [
        { hard: { widgets: '1' } },
        ['spec.hard[widgets]: Invalid value: "widgets": must be a standard resource type or fully qualified', 'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota'],
      ],
      [{ hard: { storage: '1Gi' } }, ['spec.hard[storage]: Invalid value: "storage": must be a standard resource for quota']],
      [{ hard: { cpu: '-1' } }, ['spec.hard[cpu]: Invalid value: "-1": must be greater than or equal to 0']],
      [{ hard: { pods: '1500m' } }, ['spec.hard[pods]: Invalid value: "1500m": must be an integer']],
      [{ hard: { 'example.com/foo': '0.5' } }, ['spec.hard[example.com/foo]: Invalid value: "500m": must be an integer']],
    ];
    for (const [spec, expected] of table) assert.deepEqual(errors(spec), expected, JSON.stringify(spec));
  });

  it('checks scopes: known, applicable to every resource, not conflicting', () => {
    assert.deepEqual(errors({ hard: { pods: '1', cpu: '1' }, scopes: ['NotTerminating', 'NotBestEffort'] }), []);
    assert.deepEqual(errors({ hard: { pods: '1' }, scopes: ['Sometimes'] }), ['spec.scopes: Invalid value: ["Sometimes"]: unsupported scope']);
    assert.deepEqual(errors({ hard: { cpu: '1' }, scopes: ['BestEffort'] }), ['spec.scopes: Invalid value: ["BestEffort"]: unsupported scope applied to resource']);
    assert.deepEqual(errors({ hard: { pods: '1' }, scopes: ['BestEffort', 'NotBestEffort'] }), ['spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: conflicting scopes']);
  });

  it('checks the scope selector\'s operators and values', () => {
    const sel = (matchExpressions: unknown[]) => ({ hard: { pods: '1' }, scopeSelector: { matchExpressions } });
    assert.deepEqual(errors(sel([{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }])), []);
    assert.deepEqual(errors(sel([{ scopeName: 'PriorityClass', operator: 'In' }])), [
      "spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
    ]);
    assert.deepEqual(errors(sel([{ scopeName: 'Terminating', operator: 'In', values: ['x'] }])), [
      "spec.scopeSelector.matchExpressions.operator: Invalid value: \"In\": must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
    ]);
    assert.deepEqual(errors(sel([{ scopeName: 'PriorityClass', operator: 'Exists', values: ['x'] }])), [
      "spec.scopeSelector.matchExpressions.values: Invalid value: [\"x\"]: must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
    ]);
    assert.deepEqual(errors(sel([{ scopeName: 'PriorityClass', operator: 'Like' }])), ['spec.scopeSelector.matchExpressions.operator: Invalid value: "Like": not a valid selector operator']);
    // VolumeAttributesClass (GA in 1.34) selects claims: it limits claim counts and storage, nothing of pods.
    const claims = { hard: { persistentvolumeclaims: '2', 'requests.storage': '1Gi', 'gold.storageclass.storage.k8s.io/requests.storage': '1Gi' }, scopeSelector: { matchExpressions: [{ scopeName: 'VolumeAttributesClass', operator: 'In', values: ['fast'] }] } };
    assert.deepEqual(errors(claims), []);
    assert.equal(errors(sel([{ scopeName: 'VolumeAttributesClass', operator: 'Exists' }]))[0]?.endsWith('unsupported scope applied to resource'), true);
  });

  it('validates the status lists too', () => {
    assert.deepEqual(errors({}, { hard: { pods: '2' }, used: { pods: '-1' } }), ['status.used[pods]: Invalid value: "-1": must be greater than or equal to 0']);
  });

  it('keeps scopes on update', () => {
    const old = quota({ hard: { pods: '1' }, scopes: ['Terminating'] });
    assert.deepEqual(resourceQuotaStrategy.validateUpdate(quota({ hard: { pods: '5' }, scopes: ['Terminating'] }), old), []);
    assert.deepEqual(resourceQuotaStrategy.validateUpdate(quota({ hard: { pods: '5' } }), old).map(renderFieldError), ['spec.scopes: Invalid value: null: field is immutable']);
  });
});

describe('resourceQuotaStrategy columns', () => {
  it('prints NAME REQUEST LIMIT AGE (AGE last since kube 1.33), used/hard sorted by name', () => {
    assert.deepEqual(resourceQuotaStrategy.tableColumns.map((c) => c.name), ['Name', 'Request', 'Limit', 'Age']);
    const obj = quota({}, { hard: { pods: '10', 'limits.cpu': '2', 'requests.memory': '1Gi', 'limits.memory': '2Gi' }, used: { pods: '3', 'limits.cpu': '500m' } });
    obj.metadata!.creationTimestamp = '2024-05-01T12:00:00Z';
    assert.deepEqual(resourceQuotaStrategy.tableColumns.map((c) => c.cell(obj, Date.parse('2024-05-01T12:00:30Z'))), [
      'q',
      'pods: 3/10, requests.memory: 0/1Gi',
      'limits.cpu: 500m/2, limits.memory: 0/2Gi',
      '30s',
    ]);
    // Before the quota controller fills the status, both cells are empty.
    assert.deepEqual(resourceQuotaStrategy.tableColumns.slice(1, 3).map((c) => c.cell(quota({ hard: { pods: '1' } }), 0)), ['', '']);
  });
});

describe('resourceQuotaStrategy.protobuf', () => {
  it('reads what `kubectl create quota` sends', () => {
    const LD = WireType.LengthDelimited;
    const hard = (w: BinaryWriter, k: string, v: string) => w.tag(1, LD).fork().tag(1, LD).string(k).tag(2, LD).fork().tag(1, LD).string(v).join().join();
    const spec = new BinaryWriter();
    hard(spec, 'cpu', '1');
    hard(spec, 'pods', '2');
    spec.tag(2, LD).string('BestEffort');
    const raw = new BinaryWriter()
      .tag(1, LD).fork().tag(1, LD).string('q').tag(3, LD).string('ns').join()
      .tag(2, LD).bytes(spec.finish())
      .tag(3, LD).fork().join()
      .finish();
    const envelope = new BinaryWriter().tag(1, LD).fork().tag(1, LD).string('v1').tag(2, LD).string('ResourceQuota').join().tag(2, LD).bytes(raw).finish();
    assert.deepEqual(decodeProtobufObject(Buffer.concat([Buffer.from('k8s\0'), envelope]), resourceQuotaStrategy.protobuf!), {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q', namespace: 'ns' },
      spec: { hard: { cpu: '1', pods: '2' }, scopes: ['BestEffort'] },
      status: {},
    });
  });
});
