import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '@kapi/api-machinery';
import { negotiate, prefersProtobuf } from './negotiation.js';

const KUBECTL_GET = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

describe('negotiate', () => {
  it('gives kubectl get the v1 Table it asks for first', () => {
    assert.deepEqual(negotiate(KUBECTL_GET), { kind: 'table', version: 'v1' });
  });

  it('offers no Table where kube has no TableConvertor: the next choice, or 406 when there is none', () => {
    assert.deepEqual(negotiate(KUBECTL_GET, { table: false }), { kind: 'json' });
    assert.throws(() => negotiate('application/json;as=Table;v=v1;g=meta.k8s.io', { table: false }), (err: StatusError) => err.toStatus().code === 406 && err.toStatus().reason === 'NotAcceptable');
  });

  it('gives a v1beta1 Table when that is the first acceptable choice', () => {
    assert.deepEqual(negotiate('application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json'), { kind: 'table', version: 'v1beta1' });
  });

  it('reads parameters in any order and with spaces', () => {
    assert.deepEqual(negotiate('application/json; g=meta.k8s.io; v=v1; as=Table'), { kind: 'table', version: 'v1' });
  });

  it('gives PartialObjectMetadata for metadata-only clients', () => {
    assert.deepEqual(negotiate('application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1'), { kind: 'partial-metadata', version: 'v1' });
    assert.deepEqual(negotiate('application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1'), { kind: 'partial-metadata', version: 'v1beta1' });
  });

  it('falls back past transformations it does not know', () => {
    assert.deepEqual(negotiate('application/json;as=Table;v=v2;g=meta.k8s.io,application/json'), { kind: 'json' });
    assert.deepEqual(negotiate('application/json;as=Table;v=v1;g=example.com,application/json'), { kind: 'json' });
    assert.deepEqual(negotiate('application/json;as=Bogus;v=v1;g=meta.k8s.io,application/yaml'), { kind: 'yaml' });
  });

  it("serves protobuf to a protobuf-first client (client-go's Accept) for a kind that has a message", () => {
    assert.deepEqual(negotiate('application/vnd.kubernetes.protobuf,application/json', { protobuf: true }), { kind: 'protobuf' });
    assert.deepEqual(negotiate('application/vnd.kubernetes.protobuf, */*', { protobuf: true }), { kind: 'protobuf' });
    assert.deepEqual(negotiate('application/json,application/vnd.kubernetes.protobuf', { protobuf: true }), { kind: 'json' });
  });

  it('serves JSON to a protobuf-first client for a kind without a message (custom resources), as kube does', () => {
    assert.deepEqual(negotiate('application/vnd.kubernetes.protobuf,application/json'), { kind: 'json' });
  });

  it('gives metadata alone in protobuf, custom resources too, but never a Table', () => {
    const metadataClient = 'application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
    assert.deepEqual(negotiate(metadataClient), { kind: 'partial-metadata', version: 'v1', protobuf: true });
    assert.deepEqual(negotiate('application/vnd.kubernetes.protobuf;as=Table;g=meta.k8s.io;v=v1,application/json', { protobuf: true }), { kind: 'json' });
  });

  it('names protobuf among the accepted types of a 406 where it is on offer', () => {
    assert.throws(
      () => negotiate('text/html', { protobuf: true }),
      (err: unknown) => err instanceof StatusError && err.message === 'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
    );
  });

  it('answers a Status in protobuf when protobuf is the first plain choice', () => {
    assert.equal(prefersProtobuf('application/vnd.kubernetes.protobuf,application/json'), true);
    assert.equal(prefersProtobuf('application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json'), false);
    assert.equal(prefersProtobuf('application/json,application/vnd.kubernetes.protobuf'), false);
    assert.equal(prefersProtobuf(undefined), false);
  });

  it('serves JSON without an Accept header and for wildcards', () => {
    for (const a of [undefined, '', '*/*', 'application/*', 'application/json', 'application/json;charset=utf-8', 'Application/JSON']) {
      assert.deepEqual(negotiate(a), { kind: 'json' }, String(a));
    }
  });

  it('serves YAML when asked', () => {
    assert.deepEqual(negotiate('application/yaml'), { kind: 'yaml' });
    assert.deepEqual(negotiate('text/html,application/yaml'), { kind: 'yaml' });
  });

  it('answers an unacceptable Accept with 406 NotAcceptable', () => {
    for (const a of ['text/html', 'application/vnd.kubernetes.protobuf', 'application/json;as=Table;v=v9;g=meta.k8s.io']) {
      assert.throws(
        () => negotiate(a),
        (err: unknown) =>
          err instanceof StatusError &&
          err.httpCode === 406 &&
          err.reason === 'NotAcceptable' &&
          err.message.startsWith('only the following media types are accepted: application/json, application/yaml'),
        a,
      );
    }
  });
});
