import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KIND_MESSAGES, MESSAGES } from './generated/k8s-protobuf-messages.js';
import { decodeEnvelope, decodeMessage, decodeProtobufObject, encodeMessage, encodeProtobufObject, type MessageSchema } from './protobuf.js';
import { encodeProtobufDocument, encodeProtobufWatchEvent, generatedMessage, protobufMessageForDocument, protobufMessageForKind } from './protobuf-messages.js';

/**
 * A JSON value for a generated message in which every field is set (to a value that is not its
 * zero), as kube's JSON writes it — or, with `zeros`, only the fields whose zero JSON keeps (pointers,
 * fields without omitempty), each at its zero. Recursive messages (JSONSchemaProps) stop at a depth.
 */
function sample(name: string, depth: number, zeros: boolean): unknown {
  switch (name) {
    case 'Time':
      return '2024-01-02T03:04:05Z';
    case 'MicroTime':
      return '2024-01-02T03:04:05.123456Z';
    case 'Duration':
      return zeros ? '0s' : '1h2m3.5s';
    case 'Quantity':
      return '1500m';
    case 'IntOrString':
      return depth % 2 ? 'http' : 8080;
    case 'FieldsV1':
      return { 'f:metadata': { 'f:labels': { '.': {} } } };
    case 'RawExtension':
    case 'JSON':
      return { a: [1, 'x', null, { b: true }] };
  }
  const message = MESSAGES[name];
  switch (message.union) {
    case 'JSONSchemaPropsOrArray':
      return depth % 2 ? [{ type: 'string' }, { type: 'integer' }] : { type: 'string' };
    case 'JSONSchemaPropsOrBool':
      return depth % 2 ? false : { type: 'string' };
    case 'JSONSchemaPropsOrStringArray':
      return depth % 2 ? ['a', 'b'] : { type: 'object' };
    case 'items':
      return ['a', 'b'];
  }
  const out: Record<string, unknown> = {};
  for (const [, jsonName, type, flags = ''] of message.fields) {
    const keepsZero = flags.includes('z');
    let value: unknown;
    switch (type) {
      case 'string':
        value = zeros ? '' : `${jsonName}-value`;
        break;
      case 'bytes':
        value = zeros ? '' : Buffer.from(`${jsonName} bytes`).toString('base64');
        break;
      case 'int64':
      case 'int32':
        value = zeros ? 0 : 42;
        break;
      case 'double':
        value = zeros ? 0 : 1.5;
        break;
      case 'bool':
        value = !zeros;
        break;
      default:
        // Messages nest until the depth runs out; a zero message is left out.
        if (depth > 5 || zeros) continue;
        value = sample(type, depth + 1, zeros);
    }
    if (zeros && !keepsZero) continue;
    // Lists and maps are left out when empty, as JSON leaves them out.
    if (flags.includes('m')) {
      if (zeros) continue;
      value = { k1: value, k2: value };
    } else if (flags.includes('r')) {
      if (zeros) continue;
      value = [value, value];
    }
    if (flags.includes('i') && value && typeof value === 'object') Object.assign(out, value);
    else out[jsonName] = value;
  }
  return out;
}

const kinds = Object.entries(KIND_MESSAGES).filter(([, name]) => !name.startsWith('k8s.io.apimachinery.'));

describe('every built-in kind: JSON → protobuf → JSON is the same JSON', () => {
  it('covers the kinds', () => assert.ok(kinds.length > 150, String(kinds.length)));

  for (const zeros of [false, true]) {
    it(zeros ? 'with the zeros JSON keeps (pointers, fields without omitempty) and nothing else' : 'with every field set', () => {
      for (const [gvk, name] of kinds) {
        const [version, kind] = gvk.split('/').slice(-2);
        const apiVersion = gvk.slice(0, -kind.length - 1);
        const obj = { apiVersion, kind, ...(sample(name, 0, zeros) as object) };
        const message = protobufMessageForKind(apiVersion.includes('/') ? apiVersion.split('/')[0] : '', version, kind)!;
        const bytes = encodeProtobufObject(obj, message);
        assert.deepEqual(decodeProtobufObject(bytes, message), obj, gvk);
      }
    });
  }
});

// Bodies client-go wrote (test-e2e/go/protobuf-bodies): kube's own bytes.
const TESTDATA = join(__dirname, '..', 'src', 'testdata', 'protobuf');

describe("client-go's own protobuf", () => {
  for (const [file, group, version, kind] of [
    ['deployment', 'apps', 'v1', 'Deployment'],
    ['crd', 'apiextensions.k8s.io', 'v1', 'CustomResourceDefinition'],
    ['lease', 'coordination.k8s.io', 'v1', 'Lease'],
    ['controllerrevision', 'apps', 'v1', 'ControllerRevision'],
  ] as const) {
    it(`${kind}: decoded, encoded and decoded again is what Go sent`, () => {
      const message = protobufMessageForKind(group, version, kind)!;
      const decoded = decodeProtobufObject(readFileSync(join(TESTDATA, `${file}.pb`)), message);
      assert.deepEqual(decodeProtobufObject(encodeProtobufObject(decoded, message), message), decoded);
    });
  }
});

describe('the envelope', () => {
  it("is kube's: the magic, then runtime.Unknown with the type, the raw message and empty content encoding and type", () => {
    const bytes = encodeProtobufObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }, protobufMessageForKind('', 'v1', 'ConfigMap')!);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x6b, 0x38, 0x73, 0x00]);
    const envelope = decodeEnvelope(bytes);
    assert.equal(envelope.apiVersion, 'v1');
    assert.equal(envelope.kind, 'ConfigMap');
    // contentEncoding (3) and contentType (4) are written, empty, as Go writes them.
    assert.deepEqual([...bytes.subarray(-4)], [0x1a, 0x00, 0x22, 0x00]);
  });

  it('keeps the zero of a pointer and leaves out what JSON leaves out', () => {
    const message = protobufMessageForKind('apps', 'v1', 'Deployment')!;
    const decoded = decodeProtobufObject(encodeProtobufObject({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 0 } }, message), message);
    assert.deepEqual(decoded, { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 0 } });
  });

  it('writes map entries by key, so that one object is always the same bytes', () => {
    const message = protobufMessageForKind('', 'v1', 'ConfigMap')!;
    const a = encodeMessage({ data: { b: '2', a: '1' } }, message);
    const b = encodeMessage({ data: { a: '1', b: '2' } }, message);
    assert.deepEqual(a, b);
  });
});

describe('the documents kube answers in protobuf', () => {
  it('a List of a kind is its ListMeta and its items', () => {
    const list = { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '7', continue: 'c', remainingItemCount: 3 }, items: [{ metadata: { name: 'a', namespace: 'n' } }, { metadata: { name: 'b' } }] };
    const bytes = encodeProtobufDocument(list)!;
    assert.deepEqual(decodeProtobufObject(bytes, protobufMessageForDocument('v1', 'PodList')!), list);
  });

  it('a Status, in any group', () => {
    const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "x" not found', reason: 'NotFound', details: { name: 'x', kind: 'pods' }, code: 404 };
    assert.deepEqual(decodeProtobufObject(encodeProtobufDocument(status)!, protobufMessageForDocument('v1', 'Status')!), status);
  });

  it('PartialObjectMetadata and its List', () => {
    const list = { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadataList', metadata: { resourceVersion: '3' }, items: [{ metadata: { name: 'a', labels: { x: 'y' } } }] };
    assert.deepEqual(decodeProtobufObject(encodeProtobufDocument(list)!, protobufMessageForDocument('meta.k8s.io/v1', 'PartialObjectMetadataList')!), list);
  });

  it('none for custom resources or Tables', () => {
    assert.equal(encodeProtobufDocument({ apiVersion: 'example.com/v1', kind: 'Widget' }), undefined);
    assert.equal(encodeProtobufDocument({ apiVersion: 'example.com/v1', kind: 'WidgetList' }), undefined);
    assert.equal(encodeProtobufDocument({ apiVersion: 'meta.k8s.io/v1', kind: 'Table' }), undefined);
  });
});

describe('a protobuf watch event', () => {
  it('is the length in four big-endian bytes, then a WatchEvent whose object holds the enveloped object', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', resourceVersion: '5' } };
    const frame = encodeProtobufWatchEvent('ADDED', pod)!;
    assert.equal(frame.readUInt32BE(0), frame.length - 4);
    const event = decodeMessage(frame.subarray(4), {
      fields: { 1: { name: 'type', type: 'string' }, 2: { name: 'object', type: { message: () => ({ fields: { 1: { name: 'raw', type: 'bytes' } } }) } } },
    }) as { type: string; object: { raw: string } };
    assert.equal(event.type, 'ADDED');
    assert.deepEqual(decodeProtobufObject(Buffer.from(event.object.raw, 'base64'), generatedMessage('k8s.io.api.core.v1.Pod')), pod);
  });
});

// What kube-apiserver answers a protobuf client with, from kube's own serializers (test-e2e/go/protobuf-bodies).
describe("kube's answers in protobuf", () => {
  const fixture = (name: string) => readFileSync(join(TESTDATA, `${name}.pb`));
  const json = (name: string) => JSON.parse(readFileSync(join(TESTDATA, `${name}.json`), 'utf8')) as Record<string, unknown>;
  const watchEvent: MessageSchema = {
    fields: { 1: { name: 'type', type: 'string' }, 2: { name: 'object', type: { message: () => ({ fields: { 1: { name: 'raw', type: 'bytes' } } }) } } },
  };
  /** One length-prefixed WatchEvent: its type and its object's envelope. */
  const readFrame = (frame: Buffer) => {
    assert.equal(frame.readUInt32BE(0), frame.length - 4);
    const event = decodeMessage(frame.subarray(4), watchEvent) as { type: string; object: { raw: string } };
    return { type: event.type, object: Buffer.from(event.object.raw, 'base64') };
  };

  for (const name of ['podlist', 'status']) {
    it(`${name}: kube's bytes decode to kube's JSON, and ours of that JSON decode to it too`, () => {
      const expected = json(name);
      const message = protobufMessageForDocument(String(expected.apiVersion), String(expected.kind))!;
      assert.deepEqual(decodeProtobufObject(fixture(name), message), expected);
      assert.deepEqual(decodeProtobufObject(encodeProtobufDocument(expected)!, message), expected);
    });
  }

  it("a watch event: kube's frame and ours hold the same event", () => {
    const pod = json('watch-event');
    const podMessage = protobufMessageForKind('', 'v1', 'Pod')!;
    const theirs = readFrame(fixture('watch-event'));
    const ours = readFrame(encodeProtobufWatchEvent('ADDED', pod)!);
    assert.equal(theirs.type, 'ADDED');
    assert.equal(ours.type, 'ADDED');
    assert.deepEqual(decodeProtobufObject(theirs.object, podMessage), pod);
    assert.deepEqual(decodeProtobufObject(ours.object, podMessage), pod);
  });
});
