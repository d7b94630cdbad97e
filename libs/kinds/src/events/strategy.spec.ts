import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { storageKey } from '../catalogue.js';
import { eventStrategy } from '../event/strategy.js';
import { eventsV1EventStrategy as strategy, fromCoreEvent, toCoreEvent } from './strategy.js';

const metadata = { name: 'pod-started.1', namespace: 'default', resourceVersion: '7' };
const v1Event = (fields: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata,
  eventTime: '2026-01-01T00:00:00.000000Z',
  reportingController: 'example.com/controller',
  reportingInstance: 'controller-0',
  action: 'Start',
  reason: 'Started',
  regarding: { kind: 'Pod', namespace: 'default', name: 'web' },
  note: 'started the pod',
  type: 'Normal',
  ...fields,
});
const errors = (fields: Record<string, unknown> = {}) => {
  const obj = v1Event(fields);
  prepareNew(strategy, obj);
  return strategy.validate(obj).map(renderFieldError);
};

describe('eventsV1EventStrategy.info', () => {
  it('is events.k8s.io/v1 events, stored where core/v1 events are', () => {
    assert.deepEqual([strategy.info.group, strategy.info.version, strategy.info.resource, strategy.info.shortNames], ['events.k8s.io', 'v1', 'events', ['ev']]);
    assert.equal(storageKey(strategy.info, 'default', 'x'), storageKey(eventStrategy.info, 'default', 'x'));
    assert.equal(strategy.storageConversion?.toStorage, toCoreEvent);
  });
});

describe('events.k8s.io/v1 ↔ core/v1 conversion', () => {
  it('maps the renamed fields both ways', () => {
    const core = toCoreEvent(v1Event());
    assert.deepEqual(core, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata,
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'web' },
      reason: 'Started',
      message: 'started the pod',
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      type: 'Normal',
      eventTime: '2026-01-01T00:00:00.000000Z',
      action: 'Start',
      reportingComponent: 'example.com/controller',
      reportingInstance: 'controller-0',
    });
    assert.deepEqual(fromCoreEvent(core), { ...v1Event(), deprecatedSource: {}, deprecatedFirstTimestamp: null, deprecatedLastTimestamp: null });
  });

  it('reads a legacy core event with its deprecated fields', () => {
    const legacy = { apiVersion: 'v1', kind: 'Event', metadata, involvedObject: { kind: 'Node', name: 'n1' }, message: 'm', source: { component: 'kubelet', host: 'n1' }, firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:01:00Z', count: 3, reportingComponent: '', reportingInstance: '' };
    const v1 = fromCoreEvent(legacy);
    assert.deepEqual([v1.note, v1.deprecatedSource, v1.deprecatedCount, v1.deprecatedFirstTimestamp, v1.reportingController], ['m', { component: 'kubelet', host: 'n1' }, 3, '2026-01-01T00:00:00Z', undefined]);
  });
});

describe('eventsV1EventStrategy validation', () => {
  it('accepts a complete new-style event', () => {
    assert.deepEqual(errors(), []);
  });

  it("holds creates to kube's strict rules", () => {
    assert.deepEqual(errors({ eventTime: undefined, type: 'Info', deprecatedCount: 2, deprecatedSource: { component: 'x' } }), [
      'eventTime: Required value',
      'type: Invalid value: "": has invalid value: Info',
      'deprecatedCount: Invalid value: "": needs to be unset',
      'deprecatedSource: Invalid value: "": needs to be unset',
    ]);
    assert.deepEqual(errors({ reportingInstance: undefined, action: undefined }), ['reportingInstance: Required value', 'action: Required value']);
  });

  it('selects by the events.k8s.io field names', () => {
    assert.deepEqual(strategy.selectableFields(v1Event()), {
      'metadata.name': 'pod-started.1',
      'metadata.namespace': 'default',
      'regarding.kind': 'Pod',
      'regarding.namespace': 'default',
      'regarding.name': 'web',
      'regarding.uid': '',
      'regarding.apiVersion': '',
      'regarding.resourceVersion': '',
      'regarding.fieldPath': '',
      reason: 'Started',
      reportingController: 'example.com/controller',
      type: 'Normal',
    });
  });

  it('prints as core events do', () => {
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), eventStrategy.tableColumns.map((c) => c.name));
    const byName = (name: string) => strategy.tableColumns.find((c) => c.name === name)!.cell(v1Event(), Date.parse('2026-01-01T00:00:10Z'));
    assert.deepEqual([byName('Type'), byName('Reason'), byName('Object'), byName('Message')], ['Normal', 'Started', 'pod/web', 'started the pod']);
  });
});
