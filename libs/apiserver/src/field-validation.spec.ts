import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatusError } from '@kapi/api-machinery';
import { builtinSchemas } from '@kapi/schema';
import { parseFieldValidation, validateApplyDuplicates, validateObjectFields, validatePatchFields, yamlBodyDuplicates } from './field-validation.js';

const schemas = builtinSchemas();
const gvk = { group: '', version: 'v1', kind: 'ConfigMap' };
const body = (obj: unknown) => Buffer.from(JSON.stringify(obj));
const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', bogus: 1 }, data: { a: 'b' }, spec: {} };

describe('fieldValidation', () => {
  it('defaults to Warn and refuses other values', () => {
    assert.equal(parseFieldValidation(null, 'CreateOptions'), 'Warn');
    assert.equal(parseFieldValidation('Strict', 'PatchOptions'), 'Strict');
    assert.throws(
      () => parseFieldValidation('strict', 'CreateOptions'),
      (err: StatusError) => err.toStatus().code === 422 && err.message === 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"',
    );
  });

  it('Strict fails with kube\'s message, listing every unknown field', () => {
    assert.throws(
      () => validateObjectFields(schemas, gvk, body(cm), 'Strict'),
      (err: StatusError) => err.toStatus().code === 400 && err.message === 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.bogus", unknown field "spec"',
    );
  });

  it('Warn warns per field and prunes; Ignore only prunes', () => {
    const warned = validateObjectFields(schemas, gvk, body(cm), 'Warn');
    assert.deepEqual(warned.warnings, ['unknown field "metadata.bogus"', 'unknown field "spec"']);
    assert.deepEqual(JSON.parse(warned.body.toString()), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } });
    const ignored = validateObjectFields(schemas, gvk, body(cm), 'Ignore');
    assert.deepEqual(ignored.warnings, []);
    assert.deepEqual(JSON.parse(ignored.body.toString()), JSON.parse(warned.body.toString()));
  });

  it('reports duplicate fields of the JSON the client sent', () => {
    const sent = Buffer.from('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":"1"},"data":{"a":"2"}}');
    const decoded = body(JSON.parse(sent.toString()));
    assert.throws(() => validateObjectFields(schemas, gvk, decoded, 'Strict', sent), /strict decoding error: duplicate field "data"$/);
    assert.deepEqual(validateObjectFields(schemas, gvk, decoded, 'Warn', sent).warnings, ['duplicate field "data"']);
  });

  it('reports the repeated keys of a YAML body in goyaml\'s words, one error under Strict and a warning each under Warn', () => {
    const sent = Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: "1"\n  a: "2"\n  a: "3"\nbogus: 1\n');
    const decoded = body({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: '3' }, bogus: 1 });
    const duplicates = yamlBodyDuplicates('application/yaml', sent, 'Strict');
    assert.deepEqual(duplicates, ['line 7: key "a" already set in map', 'line 8: key "a" already set in map']);
    assert.throws(
      () => validateObjectFields(schemas, gvk, decoded, 'Strict', undefined, duplicates),
      (err: StatusError) =>
        err.toStatus().code === 400 &&
        err.message === 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: yaml: unmarshal errors:\n  line 7: key "a" already set in map\n  line 8: key "a" already set in map, unknown field "bogus"',
    );
    assert.deepEqual(validateObjectFields(schemas, gvk, decoded, 'Warn', undefined, duplicates).warnings, [...duplicates, 'unknown field "bogus"']);
    assert.deepEqual(yamlBodyDuplicates('application/yaml', sent, 'Ignore'), []);
    assert.deepEqual(yamlBodyDuplicates('application/json', sent, 'Strict'), []);
  });

  it('refuses the repeated keys of a server-side apply under Strict as kube\'s configuration decoding does', () => {
    const sent = Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n');
    assert.throws(
      () => validateApplyDuplicates(sent, 'Strict'),
      (err: StatusError) => err.toStatus().code === 400 && err.message === 'error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 5: key "name" already set in map',
    );
    assert.deepEqual(validateApplyDuplicates(sent, 'Warn'), ['line 5: key "name" already set in map']);
    assert.deepEqual(validateApplyDuplicates(sent, 'Ignore'), []);
  });

  it('refuses a value of the wrong type under any directive, with the Go decoder\'s message', () => {
    const typed = body({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { version: 1 } }, bogus: 1 });
    for (const directive of ['Strict', 'Warn', 'Ignore'] as const) {
      assert.throws(
        () => validateObjectFields(schemas, gvk, typed, directive),
        (err: StatusError) =>
          err.toStatus().code === 400 && err.message === 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
      );
    }
  });

  it('passes kinds without a schema through', () => {
    const other = body({ apiVersion: 'example.com/v1', kind: 'Thing', anything: 1 });
    assert.equal(validateObjectFields(schemas, { group: 'example.com', version: 'v1', kind: 'Thing' }, other, 'Strict').body, other);
  });

  it('checks patches without their directives', () => {
    assert.throws(() => validatePatchFields(schemas, gvk, 'application/merge-patch+json', body({ datta: {} }), 'Strict'), /strict decoding error: unknown field "datta"/);
    assert.deepEqual(validatePatchFields(schemas, gvk, 'application/strategic-merge-patch+json', body({ data: { $patch: 'replace' }, metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] } }), 'Strict'), []);
  });
});
