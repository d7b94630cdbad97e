import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderError } from './field-errors.js';
import { parseTime } from './go-time.js';
import { decodeObjectMeta, encodeObjectMeta, nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

describe('ObjectMeta of custom resources', () => {
  it("fails a value of the wrong type with Go's decoder message, the first in key order", () => {
    assert.equal(decodeObjectMeta({ metadata: { name: 1, generation: 'x' } }).error, 'json: cannot unmarshal string into Go struct field ObjectMeta.generation of type int64');
    assert.equal(decodeObjectMeta({ metadata: { labels: { a: 1 } } }).error, 'json: cannot unmarshal number into Go struct field ObjectMeta.labels of type string');
    assert.equal(decodeObjectMeta({ metadata: 'x' }).error, 'json: cannot unmarshal string into Go value of type v1.ObjectMeta');
    assert.equal(
      decodeObjectMeta({ metadata: { ownerReferences: [{ controller: 'yes' }] } }).error,
      'json: cannot unmarshal string into Go struct field OwnerReference.ownerReferences.controller of type bool',
    );
  });

  it('reports unknown fields by path, and drops what does not decode when reading from storage', () => {
    assert.deepEqual(decodeObjectMeta({ metadata: { name: 'a', foo: 1, ownerReferences: [{ uid: 'u', bar: 2 }] } }).unknownFieldPaths, ['metadata.foo', 'metadata.ownerReferences[0].bar']);
    const dropped = decodeObjectMeta({ metadata: { name: 'a', generation: 'x' } }, { dropMalformedFields: true });
    assert.deepEqual([dropped.error, dropped.meta], [undefined, { name: 'a' }]);
  });

  it("parses times as Go's time.Parse does, with its errors", () => {
    assert.equal(parseTime('yesterday'), 'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"');
    assert.equal(parseTime('2021-13-01T00:00:00Z'), 'parsing time "2021-13-01T00:00:00Z": month out of range');
    assert.equal(parseTime('2021-02-30T00:00:00Z'), 'parsing time "2021-02-30T00:00:00Z": day out of range');
    assert.equal(parseTime('2021-01-01T00:00:00Zjunk'), 'parsing time "2021-01-01T00:00:00Zjunk": extra text: "junk"');
  });

  it('encodes ObjectMeta as Go does: empty fields gone, times in UTC seconds, owner identity always there', () => {
    const decoded = decodeObjectMeta({ metadata: { name: 'x', labels: {}, generation: 0, creationTimestamp: '2021-01-01T01:02:03.5+01:00', ownerReferences: [{ uid: 'u' }] } });
    assert.deepEqual(encodeObjectMeta(decoded.meta!), {
      name: 'x',
      creationTimestamp: '2021-01-01T00:02:03Z',
      ownerReferences: [{ apiVersion: '', kind: '', name: '', uid: 'u' }],
    });
  });

  it("validates metadata with apimachinery's messages", () => {
    const errs = validateObjectMeta({ name: 'Bad_Name', labels: { k: 'bad value!' }, finalizers: ['orphan', 'foregroundDeletion'] }, true, nameIsDNSSubdomain, 'metadata').map(renderError);
    assert.equal(errs.length, 4);
    assert.match(errs[0], /^metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    assert.equal(errs[1], 'metadata.namespace: Required value');
    assert.match(errs[2], /^metadata\.labels: Invalid value: "bad value!": a valid label must be/);
    assert.equal(errs[3], 'metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set');
    assert.deepEqual(validateObjectMetaUpdate({ name: 'b', resourceVersion: '1' }, { name: 'a' }, 'metadata').map(renderError), ['metadata.name: Invalid value: "b": field is immutable']);
  });
});
