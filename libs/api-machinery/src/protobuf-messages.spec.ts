import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { decodeMessage, decodeProtobufObject } from './protobuf.js';
import { formatGoDuration, generatedMessage, protobufMessageForKind } from './protobuf-messages.js';

// Bodies client-go wrote (test-e2e/go/protobuf-bodies), beside the JSON the same Go objects encode to.
const TESTDATA = join(__dirname, '..', 'src', 'testdata', 'protobuf');
const body = (name: string) => readFileSync(join(TESTDATA, `${name}.pb`));
const goJson = (name: string) => {
  const obj = JSON.parse(readFileSync(join(TESTDATA, `${name}.json`), 'utf8')) as { metadata: Record<string, unknown> };
  // decodeProtobufObject leaves out the metadata's unset times, which Go writes as null.
  for (const [k, v] of Object.entries(obj.metadata)) if (v === null) delete obj.metadata[k];
  return obj;
};

const LD = WireType.LengthDelimited;
const V = WireType.Varint;

describe('protobufMessageForKind decodes what client-go sends as the JSON Go writes', () => {
  for (const [name, group, version, kind] of [
    ['deployment', 'apps', 'v1', 'Deployment'],
    ['crd', 'apiextensions.k8s.io', 'v1', 'CustomResourceDefinition'],
    ['lease', 'coordination.k8s.io', 'v1', 'Lease'],
    ['controllerrevision', 'apps', 'v1', 'ControllerRevision'],
  ] as const) {
    it(`${group || 'core'}/${version} ${kind}`, () => {
      const message = protobufMessageForKind(group, version, kind);
      assert.ok(message);
      const expected = goJson(name);
      // Go writes a nil list without omitempty as null; the wire has no nil, so the body leaves it
      // out (the CRD's status, which a create does not keep anyway).
      if (name === 'crd') assert.deepEqual((expected as { status?: unknown }).status, { conditions: null, acceptedNames: { plural: '', kind: '' }, storedVersions: null });
      if (name === 'crd') (expected as { status?: unknown }).status = { acceptedNames: { plural: '', kind: '' } };
      assert.deepEqual(decodeProtobufObject(body(name), message), expected);
    });
  }

  it('has a message for the core group, which has no group name', () => {
    assert.ok(protobufMessageForKind('', 'v1', 'Pod'));
    assert.ok(protobufMessageForKind('apiregistration.k8s.io', 'v1', 'APIService'));
    assert.equal(protobufMessageForKind('example.com', 'v1', 'Widget'), undefined);
  });
});

describe('the types apimachinery marshals by hand', () => {
  const decode = (name: string, bytes: Uint8Array) => decodeMessage(bytes, generatedMessage(name));

  it('Time: seconds since the epoch, in RFC 3339 without fraction; the zero time is null', () => {
    assert.equal(decode('Time', new BinaryWriter().tag(1, V).int64(1700000000).tag(2, V).int32(5).finish()), '2023-11-14T22:13:20Z');
    assert.equal(decode('Time', new Uint8Array()), null);
  });

  it('MicroTime: six fraction digits', () => {
    assert.equal(decode('MicroTime', new BinaryWriter().tag(1, V).int64(1700000000).tag(2, V).int32(123456789).finish()), '2023-11-14T22:13:20.123456Z');
  });

  it("Duration: nanoseconds, written as Go's time.Duration writes itself", () => {
    assert.equal(decode('Duration', new BinaryWriter().tag(1, V).int64(3_723_500_000_000).finish()), '1h2m3.5s');
    assert.equal(decode('Duration', new Uint8Array()), '0s');
    assert.deepEqual([150e6, 1500, 7, 90e9, -2e9].map(formatGoDuration), ['150ms', '1.5µs', '7ns', '1m30s', '-2s']);
  });

  it('Quantity: its string', () => {
    assert.equal(decode('Quantity', new BinaryWriter().tag(1, LD).string('500m').finish()), '500m');
  });

  it('IntOrString: the int or the string its type names', () => {
    assert.equal(decode('IntOrString', new BinaryWriter().tag(1, V).int64(0).tag(2, V).int32(8080).finish()), 8080);
    assert.equal(decode('IntOrString', new BinaryWriter().tag(1, V).int64(1).tag(3, LD).string('http').finish()), 'http');
  });

  it('RawExtension and apiextensions JSON: the JSON their bytes hold; none is null', () => {
    const raw = (json: string) => new BinaryWriter().tag(1, LD).bytes(Buffer.from(json)).finish();
    assert.deepEqual(decode('RawExtension', raw('{"a":[1,"x"]}')), { a: [1, 'x'] });
    assert.equal(decode('JSON', raw('false')), false);
    assert.equal(decode('JSON', new Uint8Array()), null);
  });

  it('RawExtension bytes that are no JSON are a 400, not a crash', () => {
    assert.throws(
      () => decode('RawExtension', new BinaryWriter().tag(1, LD).bytes(Buffer.from([0x6b, 0x38, 0x73, 0])).finish()),
      (err: unknown) => (err as { httpCode?: number }).httpCode === 400,
    );
  });

  it('FieldsV1: the JSON its bytes hold', () => {
    assert.deepEqual(decode('FieldsV1', new BinaryWriter().tag(1, LD).bytes(Buffer.from('{"f:spec":{}}')).finish()), { 'f:spec': {} });
  });

  it("the JSON-schema unions: a schema, a list of schemas, a bool, a list of strings", () => {
    const props = 'k8s.io.apiextensions-apiserver.pkg.apis.apiextensions.v1.';
    const schema = new BinaryWriter().tag(5, LD).string('string').finish();
    assert.deepEqual(decode(`${props}JSONSchemaPropsOrArray`, new BinaryWriter().tag(1, LD).bytes(schema).finish()), { type: 'string' });
    assert.deepEqual(decode(`${props}JSONSchemaPropsOrArray`, new BinaryWriter().tag(2, LD).bytes(schema).tag(2, LD).bytes(schema).finish()), [{ type: 'string' }, { type: 'string' }]);
    assert.equal(decode(`${props}JSONSchemaPropsOrBool`, new BinaryWriter().tag(1, V).bool(true).finish()), true);
    assert.equal(decode(`${props}JSONSchemaPropsOrBool`, new BinaryWriter().tag(1, V).bool(false).finish()), false);
    assert.deepEqual(decode(`${props}JSONSchemaPropsOrBool`, new BinaryWriter().tag(1, V).bool(true).tag(2, LD).bytes(schema).finish()), { type: 'string' });
    assert.deepEqual(decode(`${props}JSONSchemaPropsOrStringArray`, new BinaryWriter().tag(2, LD).string('a').tag(2, LD).string('b').finish()), ['a', 'b']);
  });

  it("a named list as a map's value (UserInfo's extra): its items", () => {
    const entry = new BinaryWriter().tag(1, LD).string('scopes').tag(2, LD).fork().tag(1, LD).string('a').tag(1, LD).string('b').join().finish();
    assert.deepEqual(decode('k8s.io.api.authentication.v1.UserInfo', new BinaryWriter().tag(4, LD).bytes(entry).finish()), { extra: { scopes: ['a', 'b'] } });
  });
});

describe('a body cut short inside the object', () => {
  it('is a 400 unexpected EOF, as gogo-protobuf says, whatever the kind', () => {
    // A Deployment whose spec claims more bytes than the object holds.
    const raw = new BinaryWriter().tag(2, LD).uint32(50).raw(new Uint8Array([0x08, 0x01])).finish();
    const envelope = new BinaryWriter()
      .tag(1, LD).fork().tag(1, LD).string('apps/v1').tag(2, LD).string('Deployment').join()
      .tag(2, LD).bytes(raw)
      .finish();
    assert.throws(
      () => decodeProtobufObject(Buffer.concat([Buffer.from('k8s\0'), envelope]), protobufMessageForKind('apps', 'v1', 'Deployment')!),
      (err: unknown) => (err as { httpCode?: number; message?: string }).httpCode === 400 && (err as Error).message === 'unexpected EOF',
    );
  });
});
