import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { PROTOBUF_CONTENT_TYPE, decodeEnvelope, decodeMessage, decodeProtobufObject, type MessageSchema } from './protobuf.js';
import { deleteOptionsSchema, objectMetaSchema } from './protobuf-messages.js';
import { StatusError } from './errors.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

// k8s.io/api/core/v1 ConfigMap as generated.proto numbers it.
const configMapSchema: MessageSchema = {
  fields: {
    1: { name: 'metadata', type: { message: () => objectMetaSchema } },
    2: { name: 'data', type: { map: ['string', 'string'] } },
    3: { name: 'binaryData', type: { map: ['string', 'bytes'] } },
    // A *bool in Go: written only when set, so false is meant.
    4: { name: 'immutable', type: 'bool', keepZero: true },
  },
};

const LD = WireType.LengthDelimited;
const VARINT = WireType.Varint;

function mapEntry(w: BinaryWriter, field: number, key: string, value: string | Uint8Array): void {
  w.tag(field, LD).fork().tag(1, LD).string(key);
  if (typeof value === 'string') w.tag(2, LD).string(value);
  else w.tag(2, LD).bytes(value);
  w.join();
}

interface MetaInput {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  finalizers?: string[];
}

/** ObjectMeta the way Go's generated marshaller writes it: every string field, empty or not. */
function objectMeta(m: MetaInput): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, LD).string(m.name ?? '');
  w.tag(2, LD).string(m.generateName ?? '');
  w.tag(3, LD).string(m.namespace ?? '');
  w.tag(4, LD).string(''); // selfLink
  w.tag(5, LD).string(m.uid ?? '');
  w.tag(6, LD).string(m.resourceVersion ?? '');
  w.tag(7, VARINT).int64(m.generation ?? 0);
  // creationTimestamp is always written; Go's zero time.Time is -62135596800 seconds (year 1) and means "not set".
  w.tag(8, LD).fork().tag(1, VARINT).int64(m.creationSeconds ?? -62135596800).tag(2, VARINT).int32(0).join();
  for (const [k, v] of Object.entries(m.labels ?? {})) mapEntry(w, 11, k, v);
  for (const [k, v] of Object.entries(m.annotations ?? {})) mapEntry(w, 12, k, v);
  for (const o of m.ownerReferences ?? []) {
    w.tag(13, LD).fork();
    w.tag(1, LD).string(o.kind).tag(3, LD).string(o.name).tag(4, LD).string(o.uid).tag(5, LD).string(o.apiVersion);
    if (o.controller !== undefined) w.tag(6, VARINT).bool(o.controller);
    w.join();
  }
  for (const f of m.finalizers ?? []) w.tag(14, LD).string(f);
  return w.finish();
}

function configMap(meta: MetaInput, data: Record<string, string> = {}, binaryData: Record<string, Uint8Array> = {}, immutable?: boolean): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, LD).bytes(objectMeta(meta));
  for (const [k, v] of Object.entries(data)) mapEntry(w, 2, k, v);
  for (const [k, v] of Object.entries(binaryData)) mapEntry(w, 3, k, v);
  if (immutable !== undefined) w.tag(4, VARINT).bool(immutable);
  return w.finish();
}

/** runtime.Unknown{typeMeta, raw, contentEncoding, contentType} behind the magic prefix. */
function envelope(raw: Uint8Array, opts: { apiVersion?: string; kind?: string; contentEncoding?: string; contentType?: string } = {}): Buffer {
  const w = new BinaryWriter();
  w.tag(1, LD).fork().tag(1, LD).string(opts.apiVersion ?? 'v1').tag(2, LD).string(opts.kind ?? 'ConfigMap').join();
  w.tag(2, LD).bytes(raw);
  w.tag(3, LD).string(opts.contentEncoding ?? '');
  w.tag(4, LD).string(opts.contentType ?? '');
  return Buffer.concat([MAGIC, w.finish()]);
}

const isBadRequest = (err: unknown) => err instanceof StatusError && err.httpCode === 400;

describe('decodeEnvelope', () => {
  it('reads the type meta and the raw object behind the k8s\\0 prefix', () => {
    const raw = Uint8Array.from([1, 2, 3, 250]);
    const env = decodeEnvelope(envelope(raw, { apiVersion: 'apps/v1', kind: 'Deployment' }));
    assert.equal(env.apiVersion, 'apps/v1');
    assert.equal(env.kind, 'Deployment');
    assert.deepEqual([...env.raw], [1, 2, 3, 250]);
  });

  it('refuses a body without the magic prefix', () => {
    assert.throws(() => decodeEnvelope(Buffer.from('{"kind":"ConfigMap"}')), isBadRequest);
    assert.throws(() => decodeEnvelope(Buffer.from([0x6b, 0x38])), isBadRequest);
    assert.throws(() => decodeEnvelope(envelope(new Uint8Array()).subarray(4)), isBadRequest);
  });

  it('refuses a content encoding it cannot undo', () => {
    assert.throws(() => decodeEnvelope(envelope(new Uint8Array(), { contentEncoding: 'gzip' })), (err: unknown) => isBadRequest(err) && /gzip/.test((err as Error).message));
  });

  it('refuses a truncated envelope with 400', () => {
    const whole = envelope(configMap({ name: 'x' }));
    assert.throws(() => decodeEnvelope(whole.subarray(0, whole.length - 3)), isBadRequest);
  });

  it('names the media type', () => {
    assert.equal(PROTOBUF_CONTENT_TYPE, 'application/vnd.kubernetes.protobuf');
  });
});

describe('deleteOptionsSchema', () => {
  it('reads the DeleteOptions a typed client sends with a DELETE, a zero grace period included', () => {
    const w = new BinaryWriter();
    w.tag(1, VARINT).int64(0);
    w.tag(2, LD).fork().tag(1, LD).string('uid-1').tag(2, LD).string('7').join();
    w.tag(4, LD).string('Foreground');
    w.tag(5, LD).string('All');
    assert.deepEqual(decodeProtobufObject(envelope(w.finish(), { kind: 'DeleteOptions' }), deleteOptionsSchema), {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
      preconditions: { uid: 'uid-1', resourceVersion: '7' },
      propagationPolicy: 'Foreground',
      dryRun: ['All'],
    });
    // What client-go's Delete(ctx, name, metav1.DeleteOptions{}) sends: nothing but the type.
    assert.deepEqual(decodeProtobufObject(envelope(new Uint8Array(), { kind: 'DeleteOptions' }), deleteOptionsSchema), { apiVersion: 'v1', kind: 'DeleteOptions' });
  });
});

describe('decodeProtobufObject', () => {
  it('turns a ConfigMap into its JSON form', () => {
    const body = envelope(
      configMap(
        {
          name: 'settings',
          namespace: 'ns',
          uid: '6b1c2f9e-0000-4000-8000-000000000001',
          resourceVersion: '42',
          generation: 3,
          creationSeconds: 1700000000,
          labels: { app: 'web', tier: 'front' },
          annotations: { note: 'hello' },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'owner-uid', controller: true }],
          finalizers: ['example.com/a', 'example.com/b'],
        },
        { 'app.properties': 'a=b', empty: '' },
        { 'blob.bin': Uint8Array.from([0, 1, 2, 255]) },
        true,
      ),
    );
    assert.deepEqual(decodeProtobufObject(body, configMapSchema), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'settings',
        namespace: 'ns',
        uid: '6b1c2f9e-0000-4000-8000-000000000001',
        resourceVersion: '42',
        generation: 3,
        creationTimestamp: '2023-11-14T22:13:20Z',
        labels: { app: 'web', tier: 'front' },
        annotations: { note: 'hello' },
        ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'owner-uid', apiVersion: 'apps/v1', controller: true }],
        finalizers: ['example.com/a', 'example.com/b'],
      },
      data: { 'app.properties': 'a=b', empty: '' },
      binaryData: { 'blob.bin': Buffer.from([0, 1, 2, 255]).toString('base64') },
      immutable: true,
    });
  });

  it('drops empty strings, a zero generation and the zero creation time, as JSON omits them', () => {
    const obj = decodeProtobufObject(envelope(configMap({ generateName: 'cfg-' })), configMapSchema);
    assert.deepEqual(obj, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'cfg-' } });
  });

  it('keeps an explicit immutable: false', () => {
    const obj = decodeProtobufObject(envelope(configMap({ name: 'x' }, {}, {}, false)), configMapSchema);
    assert.equal(obj.immutable, false);
  });

  it('leaves apiVersion and kind unset when the envelope does not name them', () => {
    const obj = decodeProtobufObject(envelope(configMap({ name: 'x' }), { apiVersion: '', kind: '' }), configMapSchema);
    assert.equal(obj.apiVersion, undefined);
    assert.equal(obj.kind, undefined);
    assert.deepEqual(obj.metadata, { name: 'x' });
  });

  it('skips fields the schema does not know', () => {
    const w = new BinaryWriter();
    w.tag(1, LD).bytes(objectMeta({ name: 'x' }));
    w.tag(99, LD).string('future field');
    w.tag(98, VARINT).int32(7);
    const obj = decodeProtobufObject(envelope(w.finish()), configMapSchema);
    assert.deepEqual(obj, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
  });

  it('refuses a body that is not protobuf', () => {
    assert.throws(() => decodeProtobufObject(Buffer.from('{}'), configMapSchema), isBadRequest);
  });
});

describe('decodeMessage', () => {
  it('reads packed and unpacked repeated scalars', () => {
    const schema: MessageSchema = { fields: { 1: { name: 'ports', type: 'int32', repeated: true } } };
    const packed = new BinaryWriter().tag(1, LD).fork().int32(80).int32(443).join().finish();
    assert.deepEqual(decodeMessage(packed, schema), { ports: [80, 443] });
    const unpacked = new BinaryWriter().tag(1, VARINT).int32(80).tag(1, VARINT).int32(443).finish();
    assert.deepEqual(decodeMessage(unpacked, schema), { ports: [80, 443] });
  });

  it('keeps a zero int64 only where the schema says zero means something', () => {
    const schema: MessageSchema = {
      fields: { 1: { name: 'replicas', type: 'int64', keepZero: true }, 2: { name: 'generation', type: 'int64' } },
    };
    const bytes = new BinaryWriter().tag(1, VARINT).int64(0).tag(2, VARINT).int64(0).finish();
    assert.deepEqual(decodeMessage(bytes, schema), { replicas: 0 });
  });

  it('applies a schema\'s toJson', () => {
    const schema: MessageSchema = { fields: { 1: { name: 'v', type: 'string' } }, toJson: (m) => `<${String(m.v)}>` };
    assert.equal(decodeMessage(new BinaryWriter().tag(1, LD).string('x').finish(), schema), '<x>');
  });

  it('refuses messages nested absurdly deep', () => {
    const selfSchema: MessageSchema = { fields: { 1: { name: 'child', type: { message: () => selfSchema } } } };
    let bytes: Uint8Array = new Uint8Array();
    for (let i = 0; i < 80; i++) bytes = new BinaryWriter().tag(1, LD).bytes(bytes).finish();
    assert.throws(() => decodeMessage(bytes, selfSchema), isBadRequest);
  });
});
