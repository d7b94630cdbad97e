import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { decodeProtobufObject, encodeProtobufWatchEvent, nameColumn, notFound, protobufMessageForDocument, type KubeList, type KubeObject, type TableColumn } from '@kapi/api-machinery';
import { encodeResult, encodeWatchEvent, encodeWatchEventJson, includeObjectParam, watchContentType } from './representation.js';

const cm = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: '5', creationTimestamp: '2024-05-01T12:00:00Z' },
  data: { k: 'v' },
});
const list: KubeList = { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: '9', continue: 'tok' }, items: [cm('a'), cm('b')] };
const keys: TableColumn = { name: 'Keys', type: 'integer', format: '', description: 'keys', priority: 0, cell: (o) => Object.keys((o.data as object) ?? {}).length };
const columns = [nameColumn, keys];
/** A JSON body (the encoders answer protobuf in Buffers, JSON in strings). */
const parseJson = (body: string | Buffer) => JSON.parse(String(body));

describe('includeObjectParam', () => {
  it('defaults to Metadata and accepts None and Object', () => {
    assert.equal(includeObjectParam(null), 'Metadata');
    assert.equal(includeObjectParam('Metadata'), 'Metadata');
    assert.equal(includeObjectParam('None'), 'None');
    assert.equal(includeObjectParam('Object'), 'Object');
    assert.equal(includeObjectParam('bogus'), 'Metadata');
  });
});

describe('encodeResult', () => {
  it('encodes JSON compactly, or pretty with a trailing newline', () => {
    const compact = encodeResult(cm('a'), { kind: 'json' }, columns, 'Metadata', false);
    assert.equal(compact.contentType, 'application/json');
    assert.equal(compact.body, JSON.stringify(cm('a')));
    const pretty = encodeResult(cm('a'), { kind: 'json' }, columns, 'Metadata', true);
    assert.equal(pretty.body, `${JSON.stringify(cm('a'), null, 2)}\n`);
  });

  it('encodes YAML', () => {
    const out = encodeResult(list, { kind: 'yaml' }, columns, 'Metadata', false);
    assert.equal(out.contentType, 'application/yaml');
    assert.deepEqual(parse(String(out.body)), list);
  });

  it('turns a list into a Table with the list metadata', () => {
    const out = encodeResult(list, { kind: 'table', version: 'v1' }, columns, 'None', false);
    assert.equal(out.contentType, 'application/json');
    const table = parseJson(out.body);
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(table.metadata, { resourceVersion: '9', continue: 'tok' });
    assert.deepEqual(table.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Keys']);
    assert.deepEqual(table.rows, [{ cells: ['a', 1] }, { cells: ['b', 1] }]);
  });

  it('turns a single object into a one-row Table, in the version asked for', () => {
    const table = parseJson(encodeResult(cm('a'), { kind: 'table', version: 'v1beta1' }, columns, 'Object', false).body);
    assert.equal(table.apiVersion, 'meta.k8s.io/v1beta1');
    assert.deepEqual(table.rows, [{ cells: ['a', 1], object: cm('a') }]);
  });

  it('gives a single-object Table the object\'s resourceVersion, as kube\'s TableGenerator does', () => {
    const table = parseJson(encodeResult(cm('a'), { kind: 'table', version: 'v1' }, columns, 'None', false).body);
    assert.deepEqual(table.metadata, { resourceVersion: '5' });
  });

  it('embeds PartialObjectMetadata in rows by default', () => {
    const table = parseJson(encodeResult(list, { kind: 'table', version: 'v1' }, columns, 'Metadata', false).body);
    assert.deepEqual(table.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: cm('a').metadata });
  });

  it('turns objects and lists into PartialObjectMetadata', () => {
    assert.deepEqual(parseJson(encodeResult(cm('a'), { kind: 'partial-metadata', version: 'v1' }, columns, 'Metadata', false).body), {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: cm('a').metadata,
    });
    assert.deepEqual(parseJson(encodeResult(list, { kind: 'partial-metadata', version: 'v1beta1' }, columns, 'Metadata', false).body), {
      kind: 'PartialObjectMetadataList',
      apiVersion: 'meta.k8s.io/v1beta1',
      metadata: { resourceVersion: '9', continue: 'tok' },
      items: [
        { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1beta1', metadata: cm('a').metadata },
        { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1beta1', metadata: cm('b').metadata },
      ],
    });
  });

  it('passes a Status through untouched whatever was negotiated', () => {
    const status = notFound({ group: '', resource: 'configmaps' }, 'x').toStatus() as unknown as KubeObject;
    for (const rep of [{ kind: 'table', version: 'v1' }, { kind: 'partial-metadata', version: 'v1' }] as const) {
      assert.deepEqual(parseJson(encodeResult(status, rep, columns, 'Metadata', false).body), JSON.parse(JSON.stringify(status)));
    }
  });
});

describe('encodeWatchEvent', () => {
  it('writes one JSON line per event', () => {
    const line = String(encodeWatchEvent('ADDED', cm('a'), { kind: 'json' }, columns, 'Metadata', true));
    assert.ok(line.endsWith('\n'));
    assert.equal(line.indexOf('\n'), line.length - 1);
    assert.deepEqual(JSON.parse(line), { type: 'ADDED', object: cm('a') });
  });

  it('sends column definitions with the first Table event only', () => {
    const first = parseJson(encodeWatchEvent('ADDED', cm('a'), { kind: 'table', version: 'v1' }, columns, 'None', true));
    const later = parseJson(encodeWatchEvent('MODIFIED', cm('a'), { kind: 'table', version: 'v1' }, columns, 'None', false));
    assert.equal(first.type, 'ADDED');
    assert.equal(first.object.kind, 'Table');
    assert.equal(first.object.apiVersion, 'meta.k8s.io/v1');
    assert.equal(first.object.columnDefinitions.length, 2);
    assert.deepEqual(first.object.rows, [{ cells: ['a', 1] }]);
    assert.deepEqual(later.object.columnDefinitions, []);
    assert.deepEqual(later.object.rows, [{ cells: ['a', 1] }]);
  });

  it('gives each Table event the resourceVersion of its object', () => {
    const event = parseJson(encodeWatchEvent('MODIFIED', cm('a'), { kind: 'table', version: 'v1' }, columns, 'None', false));
    assert.deepEqual(event.object.metadata, { resourceVersion: '5' });
  });

  it('keeps an ERROR event\'s Status as it is', () => {
    const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (5)', reason: 'Expired', code: 410 };
    for (const rep of [{ kind: 'table', version: 'v1' }, { kind: 'partial-metadata', version: 'v1' }, { kind: 'json' }] as const) {
      assert.deepEqual(parseJson(encodeWatchEvent('ERROR', status, rep, columns, 'None', true)), { type: 'ERROR', object: status });
    }
  });

  it('sends PartialObjectMetadata for metadata-only watches', () => {
    assert.deepEqual(parseJson(encodeWatchEvent('DELETED', cm('a'), { kind: 'partial-metadata', version: 'v1' }, columns, 'None', false)), {
      type: 'DELETED',
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: cm('a').metadata },
    });
  });
});

describe('encodeWatchEventJson', () => {
  const json = Buffer.from(JSON.stringify(cm('a')));

  it('frames the object bytes as they are for plain JSON watches, equal to encoding the decoded object', () => {
    const framed = encodeWatchEventJson('MODIFIED', json, { kind: 'json' }, columns, 'Metadata', true);
    assert.equal(framed.toString(), encodeWatchEvent('MODIFIED', cm('a'), { kind: 'json' }, columns, 'Metadata', true));
  });

  it('decodes the object for Table and metadata-only watches', () => {
    for (const rep of [{ kind: 'table', version: 'v1' }, { kind: 'partial-metadata', version: 'v1' }] as const) {
      assert.equal(encodeWatchEventJson('ADDED', json, rep, columns, 'None', true).toString(), encodeWatchEvent('ADDED', cm('a'), rep, columns, 'None', true));
    }
  });
});

describe('protobuf answers', () => {
  const configMapList = protobufMessageForDocument('v1', 'ConfigMapList')!;

  it('encodes a built-in list in its List message, in the envelope', () => {
    const out = encodeResult(list, { kind: 'protobuf' }, columns, 'Metadata', false);
    assert.equal(out.contentType, 'application/vnd.kubernetes.protobuf');
    // A List's items carry no apiVersion and kind in protobuf (their messages have none), as in kube.
    const items = list.items.map((item) => ({ metadata: item.metadata, data: item.data }));
    assert.deepEqual(decodeProtobufObject(out.body as Buffer, configMapList), { ...list, items });
  });

  it('leaves a document without a message (a custom resource) in JSON', () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    const out = encodeResult(widget, { kind: 'protobuf' }, columns, 'Metadata', false);
    assert.equal(out.contentType, 'application/json');
    assert.deepEqual(parseJson(out.body), widget);
  });

  it('encodes metadata alone in protobuf when asked so', () => {
    const out = encodeResult(cm('a'), { kind: 'partial-metadata', version: 'v1', protobuf: true }, columns, 'Metadata', false);
    assert.equal(out.contentType, 'application/vnd.kubernetes.protobuf');
    assert.deepEqual(decodeProtobufObject(out.body as Buffer, protobufMessageForDocument('meta.k8s.io/v1', 'PartialObjectMetadata')!), {
      apiVersion: 'meta.k8s.io/v1',
      kind: 'PartialObjectMetadata',
      metadata: cm('a').metadata,
    });
  });

  it('frames watch events, from objects and from the JSON bytes the watch cache sends', () => {
    assert.equal(watchContentType({ kind: 'protobuf' }), 'application/vnd.kubernetes.protobuf;stream=watch');
    assert.equal(watchContentType({ kind: 'json' }), 'application/json');
    const frame = encodeWatchEventJson('ADDED', Buffer.from(JSON.stringify(cm('a'))), { kind: 'protobuf' }, columns, 'Metadata', true);
    assert.deepEqual(frame, encodeProtobufWatchEvent('ADDED', cm('a')));
    assert.deepEqual(encodeWatchEvent('ADDED', cm('a'), { kind: 'protobuf' }, columns, 'Metadata', true), frame);
  });
});
