import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { invalid, isConfigMapKey, isDns1123Subdomain, renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { STANDARD_VERBS } from '../strategy.js';
import { configMapStrategy } from './strategy.js';

const cm = (fields: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns' }, ...fields });
const IMMUTABLE = 'field is immutable when `immutable` is set';

describe('configMapStrategy.info', () => {
  it('describes the core v1 configmaps resource', () => {
    const info = configMapStrategy.info;
    assert.deepEqual(
      [info.group, info.version, info.resource, info.kind, info.listKind, info.singularName, info.namespaced],
      ['', 'v1', 'configmaps', 'ConfigMap', 'ConfigMapList', 'configmap', true],
    );
    assert.deepEqual(info.shortNames, ['cm']);
    assert.deepEqual(info.verbs, STANDARD_VERBS);
    assert.deepEqual(info.verbs, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    assert.deepEqual(info.subresources, []);
  });

  it('names config maps as DNS-1123 subdomains', () => {
    assert.equal(configMapStrategy.validateName, isDns1123Subdomain);
  });
});

describe('configMapStrategy.validate', () => {
  it('accepts valid data and binaryData', () => {
    assert.deepEqual(configMapStrategy.validate(cm({ data: { 'app.properties': 'a=b', KEY_NAME: '', '.hidden': 'x' }, binaryData: { 'blob.bin': 'AAEC' } })), []);
    assert.deepEqual(configMapStrategy.validate(cm()), []);
  });

  it('reports a bad data key at data[<key>], as ValidateConfigMap does', () => {
    const errs = configMapStrategy.validate(cm({ data: { 'bad key': 'v' } }));
    assert.deepEqual(
      errs.map(renderFieldError),
      isConfigMapKey('bad key').map((m) => `data[bad key]: Invalid value: "bad key": ${m}`),
    );
    assert.equal(errs[0].type, 'FieldValueInvalid');
  });

  it('reports a bad binaryData key at binaryData[<key>]', () => {
    const errs = configMapStrategy.validate(cm({ binaryData: { '..secret': 'AA==' } }));
    assert.deepEqual(errs.map(renderFieldError), [`binaryData[..secret]: Invalid value: "..secret": must not start with '..'`]);
  });

  it('reports a key present in both data and binaryData at data[<key>]', () => {
    const errs = configMapStrategy.validate(cm({ data: { dup: 'v' }, binaryData: { dup: 'AA==' } }));
    assert.deepEqual(errs.map(renderFieldError), ['data[dup]: Invalid value: "dup": duplicate of key present in binaryData']);
  });

  it('gives kubectl the whole message for a bad key', () => {
    const errs = configMapStrategy.validate(cm({ data: { 'a/b': 'v' } }));
    assert.equal(
      invalid('ConfigMap', '', 'x', errs).message,
      `ConfigMap "x" is invalid: data[a/b]: Invalid value: "a/b": ${isConfigMapKey('a/b')[0]}`,
    );
  });

  it('limits the total size to 1 MiB, counting decoded binary data', () => {
    const MiB = 1024 * 1024;
    assert.deepEqual(configMapStrategy.validate(cm({ data: { a: 'x'.repeat(MiB) } })), []);
    const tooBig = configMapStrategy.validate(cm({ data: { a: 'x'.repeat(MiB - 2) }, binaryData: { b: Buffer.alloc(3).toString('base64') } }));
    assert.equal(tooBig.length, 1);
    assert.equal(tooBig[0].type, 'FieldValueTooLong');
    assert.equal(tooBig[0].field, '');
    assert.match(tooBig[0].detail, /^Too long: .*1048576 bytes$/);
    // base64 text is longer than the bytes it holds; only the bytes count.
    assert.deepEqual(configMapStrategy.validate(cm({ binaryData: { b: Buffer.alloc(MiB).toString('base64') } })), []);
  });

  it('counts the size of data in UTF-8 bytes, as Go\'s len(string) does', () => {
    // 600 KiB of 'é' is 1.2 MiB of UTF-8.
    const errs = configMapStrategy.validate(cm({ data: { a: 'é'.repeat(600 * 1024) } }));
    assert.deepEqual(errs.map((e) => e.type), ['FieldValueTooLong']);
  });
});

describe('configMapStrategy.validateUpdate', () => {
  const immutableOld = () => cm({ immutable: true, data: { a: '1' }, binaryData: { b: 'AA==' } });

  it('lets a mutable config map change freely, including becoming immutable', () => {
    const old = cm({ data: { a: '1' } });
    assert.deepEqual(configMapStrategy.validateUpdate(cm({ data: { a: '2', b: '3' } }), old), []);
    assert.deepEqual(configMapStrategy.validateUpdate(cm({ data: { a: '1' }, immutable: true }), old), []);
  });

  it('allows an update of an immutable config map that leaves data alone', () => {
    const next = immutableOld();
    next.metadata!.labels = { touched: 'yes' };
    assert.deepEqual(configMapStrategy.validateUpdate(next, immutableOld()), []);
  });

  it('refuses changing data of an immutable config map with kube\'s message', () => {
    const errs = configMapStrategy.validateUpdate(cm({ immutable: true, data: { a: '2' }, binaryData: { b: 'AA==' } }), immutableOld());
    assert.deepEqual(errs.map(renderFieldError), [`data: Forbidden: ${IMMUTABLE}`]);
    assert.equal(errs[0].type, 'FieldValueForbidden');
  });

  it('refuses changing binaryData of an immutable config map', () => {
    const errs = configMapStrategy.validateUpdate(cm({ immutable: true, data: { a: '1' } }), immutableOld());
    assert.deepEqual(errs.map(renderFieldError), [`binaryData: Forbidden: ${IMMUTABLE}`]);
  });

  it('refuses making an immutable config map mutable again', () => {
    for (const immutable of [false, undefined]) {
      const errs = configMapStrategy.validateUpdate(cm({ immutable, data: { a: '1' }, binaryData: { b: 'AA==' } }), immutableOld());
      assert.deepEqual(errs.map(renderFieldError), [`immutable: Forbidden: ${IMMUTABLE}`]);
    }
  });

  it('reports every refused change, immutable first', () => {
    const errs = configMapStrategy.validateUpdate(cm({ immutable: false, data: {}, binaryData: {} }), immutableOld());
    assert.deepEqual(errs.map((e) => e.field), ['immutable', 'data', 'binaryData']);
    assert.equal(
      invalid('ConfigMap', '', 'x', errs).message,
      `ConfigMap "x" is invalid: [immutable: Forbidden: ${IMMUTABLE}, data: Forbidden: ${IMMUTABLE}, binaryData: Forbidden: ${IMMUTABLE}]`,
    );
  });
});

describe('configMapStrategy fields and columns', () => {
  it('selects by metadata.name and metadata.namespace', () => {
    assert.deepEqual(configMapStrategy.selectableFields(cm()), { 'metadata.name': 'x', 'metadata.namespace': 'ns' });
  });

  it('prints Name, Data (the number of keys) and Age', () => {
    assert.deepEqual(configMapStrategy.tableColumns.map((c) => [c.name, c.type]), [
      ['Name', 'string'],
      ['Data', 'integer'],
      ['Age', 'string'],
    ]);
    const now = Date.parse('2024-05-01T12:00:00Z');
    const obj = cm({ data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } });
    obj.metadata!.creationTimestamp = '2024-04-30T12:00:00Z';
    assert.deepEqual(configMapStrategy.tableColumns.map((c) => c.cell(obj, now)), ['x', 3, '24h']);
    assert.equal(configMapStrategy.tableColumns[1].cell(cm(), now), 0);
  });

  it('leaves creation as it is (no defaults of its own)', () => {
    const obj = cm({ data: { a: '1' } });
    prepareNew(configMapStrategy, obj);
    assert.deepEqual(obj, cm({ data: { a: '1' } }));
  });
});
