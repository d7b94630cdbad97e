import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { decodeProtobufObject, parseFieldSelector, renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { eventStrategy, validatePathSegmentName } from './strategy.js';

const event = (fields: Partial<KubeObject> = {}, namespace = 'ns'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'web.17a', namespace },
  involvedObject: { kind: 'Pod', namespace: 'ns', name: 'web', uid: 'u-1', apiVersion: 'v1', fieldPath: 'spec.containers{app}' },
  reason: 'Pulled',
  message: 'Successfully pulled image  ',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2024-05-01T11:50:00Z',
  lastTimestamp: '2024-05-01T11:59:00Z',
  count: 3,
  type: 'Normal',
  ...fields,
});
const errors = (obj: KubeObject) => eventStrategy.validate(obj).map(renderFieldError);
const NOW = Date.parse('2024-05-01T12:00:00Z');

describe('eventStrategy.info', () => {
  it('describes core v1 events with the short name ev', () => {
    const info = eventStrategy.info;
    assert.deepEqual([info.group, info.version, info.resource, info.kind, info.namespaced], ['', 'v1', 'events', 'Event', true]);
    assert.deepEqual(info.shortNames, ['ev']);
  });

  it('only requires names to be usable as a path segment', () => {
    assert.deepEqual(validatePathSegmentName('web.17a2b3c4d5e6f7a8'), []);
    assert.deepEqual(validatePathSegmentName('Upper_Case'), []);
    assert.deepEqual(validatePathSegmentName('..'), ["may not be '..'"]);
    assert.deepEqual(validatePathSegmentName('a/b%c'), ["may not contain '/'", "may not contain '%'"]);
  });
});

describe('eventStrategy.validate (legacy validation, as core/v1 writes get)', () => {
  it('accepts a classic event about an object in its namespace', () => {
    assert.deepEqual(errors(event()), []);
  });

  it('requires the involved object to be in the event\'s namespace', () => {
    assert.deepEqual(errors(event({}, 'other')), ['involvedObject.namespace: Invalid value: "ns": does not match event.namespace']);
  });

  it('lets events about cluster-scoped objects live in default (or no namespace)', () => {
    const node = { involvedObject: { kind: 'Node', name: 'node-1' } };
    assert.deepEqual(errors(event(node, 'default')), []);
    assert.deepEqual(errors(event(node, 'kube-system')), ['involvedObject.namespace: Invalid value: "": does not match event.namespace']);
  });

  it('asks a new-style event (with eventTime) for its reporter, action and reason', () => {
    const fresh = event({ eventTime: '2024-05-01T11:59:00.123456Z', reason: '', reportingComponent: '', reportingInstance: '' });
    assert.deepEqual(errors(fresh), [
      'reportingController: Required value',
      'reportingController: Invalid value: "": name part must be non-empty',
      `reportingController: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      'reportingInstance: Required value',
      'action: Required value',
      'reason: Required value',
    ]);
    const ok = event({ eventTime: '2024-05-01T11:59:00.123456Z', reportingComponent: 'example.com/controller', reportingInstance: 'c-1', action: 'Scale' });
    assert.deepEqual(errors(ok), []);
    const long = event({ eventTime: '2024-05-01T11:59:00.123456Z', reportingComponent: 'c', reportingInstance: 'i', action: 'a'.repeat(129), message: 'm'.repeat(1025) });
    assert.deepEqual(errors(long), ['action: Invalid value: "": can have at most 128 characters', 'message: Invalid value: "": can have at most 1024 characters']);
  });

  it('writes the fields Go always writes, as kube reads them back', () => {
    const obj: KubeObject = { metadata: { name: 'e', namespace: 'default' }, reason: 'Tick' };
    prepareNew(eventStrategy, obj);
    assert.deepEqual(obj, {
      metadata: { name: 'e', namespace: 'default' },
      reason: 'Tick',
      involvedObject: {},
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      eventTime: null,
      reportingComponent: '',
      reportingInstance: '',
    });
  });
});

describe('eventStrategy field selectors', () => {
  it('selects on the involved object, reason, reporting component, source and type', () => {
    const fields = eventStrategy.selectableFields(event({ reportingComponent: 'kubelet' }));
    assert.deepEqual(fields, {
      'metadata.name': 'web.17a',
      'metadata.namespace': 'ns',
      'involvedObject.kind': 'Pod',
      'involvedObject.namespace': 'ns',
      'involvedObject.name': 'web',
      'involvedObject.uid': 'u-1',
      'involvedObject.apiVersion': 'v1',
      'involvedObject.resourceVersion': '',
      'involvedObject.fieldPath': 'spec.containers{app}',
      reason: 'Pulled',
      reportingComponent: 'kubelet',
      source: 'kubelet',
      type: 'Normal',
    });
    assert.equal(parseFieldSelector('involvedObject.kind=Pod,type!=Warning').matches(fields), true);
    assert.equal(parseFieldSelector('involvedObject.name=other').matches(fields), false);
  });
});

describe('eventStrategy columns', () => {
  const cells = (obj: KubeObject) => eventStrategy.tableColumns.map((c) => c.cell(obj, NOW));

  it('prints LAST SEEN TYPE REASON OBJECT MESSAGE, and the rest for -o wide', () => {
    assert.deepEqual(
      eventStrategy.tableColumns.map((c) => [c.name, c.priority]),
      [
        ['Last Seen', 0],
        ['Type', 0],
        ['Reason', 0],
        ['Object', 0],
        ['Subobject', 1],
        ['Source', 1],
        ['Message', 0],
        ['First Seen', 1],
        ['Count', 1],
        ['Name', 1],
      ],
    );
    assert.deepEqual(cells(event()), ['60s', 'Normal', 'Pulled', 'pod/web', 'spec.containers{app}', 'kubelet, node-1', 'Successfully pulled image', '10m', 3, 'web.17a']);
  });

  it('falls back to eventTime and reporting fields for new-style events, and counts a singleton once', () => {
    const fresh = event({
      firstTimestamp: null,
      lastTimestamp: null,
      count: undefined,
      source: {},
      eventTime: '2024-05-01T11:58:00.000001Z',
      reportingComponent: 'scheduler',
      reportingInstance: 'scheduler-1',
      involvedObject: { kind: 'Node' },
    });
    assert.deepEqual(cells(fresh), ['2m', 'Normal', 'Pulled', 'node', '', 'scheduler, scheduler-1', 'Successfully pulled image', '2m', 1, 'web.17a']);
    const series = event({ series: { count: 7, lastObservedTime: '2024-05-01T11:59:30.000000Z' } });
    assert.deepEqual([cells(series)[0], cells(series)[8]], ['30s', 7]);
  });
});

describe('eventStrategy.protobuf', () => {
  it('reads times, micro times and references', () => {
    const LD = WireType.LengthDelimited;
    const V = WireType.Varint;
    const t = Date.parse('2024-05-01T11:59:00Z') / 1000;
    const raw = new BinaryWriter()
      .tag(1, LD).fork().tag(1, LD).string('e').tag(3, LD).string('ns').join()
      .tag(2, LD).fork().tag(1, LD).string('Pod').tag(2, LD).string('ns').tag(3, LD).string('web').join()
      .tag(3, LD).string('Started')
      .tag(5, LD).fork().tag(1, LD).string('kubelet').join()
      .tag(7, LD).fork().tag(1, V).int64(t).tag(2, V).int32(0).join()
      .tag(8, V).int32(2)
      .tag(10, LD).fork().tag(1, V).int64(t).tag(2, V).int32(123456000).join()
      .finish();
    const envelope = new BinaryWriter().tag(1, LD).fork().tag(1, LD).string('v1').tag(2, LD).string('Event').join().tag(2, LD).bytes(raw).finish();
    assert.deepEqual(decodeProtobufObject(Buffer.concat([Buffer.from('k8s\0'), envelope]), eventStrategy.protobuf!), {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e', namespace: 'ns' },
      involvedObject: { kind: 'Pod', namespace: 'ns', name: 'web' },
      reason: 'Started',
      source: { component: 'kubelet' },
      lastTimestamp: '2024-05-01T11:59:00Z',
      count: 2,
      eventTime: '2024-05-01T11:59:00.123456Z',
    });
  });
});
