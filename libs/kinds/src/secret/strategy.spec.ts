import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew, prepareChanged } from '../strategy.js';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { decodeProtobufObject, invalid, isConfigMapKey, isDns1123Subdomain, renderFieldError, StatusError, type KubeObject } from '@kapi/api-machinery';
import { secretStrategy, SECRET_TYPES } from './strategy.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (fields: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns' }, ...fields });
const prepared = (fields: Partial<KubeObject>) => {
  const obj = secret(fields);
  prepareNew(secretStrategy, obj);
  return obj;
};
const errors = (fields: Partial<KubeObject>) => secretStrategy.validate(prepared(fields)).map(renderFieldError);
const IMMUTABLE = 'field is immutable when `immutable` is set';

describe('secretStrategy.info', () => {
  it('describes core v1 secrets, with no short name', () => {
    const info = secretStrategy.info;
    assert.deepEqual([info.group, info.version, info.resource, info.kind, info.namespaced], ['', 'v1', 'secrets', 'Secret', true]);
    assert.deepEqual([info.shortNames, info.categories, info.subresources], [[], [], []]);
    assert.equal(secretStrategy.validateName, isDns1123Subdomain);
  });
});

describe('secretStrategy defaults', () => {
  it('defaults the type to Opaque', () => {
    assert.equal(prepared({}).type, 'Opaque');
    assert.equal(prepared({ type: '' }).type, 'Opaque');
    assert.equal(prepared({ type: SECRET_TYPES.tls }).type, 'kubernetes.io/tls');
  });

  it('merges stringData into data, stringData winning, and never stores stringData', () => {
    const obj = prepared({ data: { a: b64('old'), b: b64('kept') }, stringData: { a: 'new', c: 'plain' } });
    assert.deepEqual(obj.data, { a: b64('new'), b: b64('kept'), c: b64('plain') });
    assert.equal('stringData' in obj, false);
  });

  it('answers data that is not base64 with the 400 kube gives at decode', () => {
    assert.throws(
      () => prepared({ data: { a: 'no spaces allowed' } }),
      (err: unknown) => err instanceof StatusError && err.httpCode === 400 && err.message === 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 2',
    );
  });
});

describe('secretStrategy.validate', () => {
  it('accepts an Opaque secret and an unknown type with any keys', () => {
    assert.deepEqual(errors({ data: { 'user.name': b64('x'), KEY: b64('y') } }), []);
    assert.deepEqual(errors({ type: 'example.com/custom', data: { x: b64('1') } }), []);
  });

  it('checks data keys as ConfigMap keys, at data[<key>]', () => {
    assert.deepEqual(errors({ data: { 'bad key': b64('v') } }), isConfigMapKey('bad key').map((m) => `data[bad key]: Invalid value: "bad key": ${m}`));
  });

  it('limits the decoded data to 1 MiB', () => {
    assert.deepEqual(errors({ data: { a: Buffer.alloc(1024 * 1024).toString('base64') } }), []);
    assert.deepEqual(errors({ data: { a: Buffer.alloc(1024 * 1024 + 1).toString('base64') } }), ['data: Too long: may not be more than 1048576 bytes']);
  });

  it('requires the keys of each well-known type, in kube\'s words', () => {
    const table: [Partial<KubeObject>, string[]][] = [
      [{ type: SECRET_TYPES.tls, data: { 'tls.crt': b64('c'), 'tls.key': b64('k') } }, []],
      [{ type: SECRET_TYPES.tls, data: {} }, ['data[tls.crt]: Required value', 'data[tls.key]: Required value']],
      [{ type: SECRET_TYPES.tls, data: { 'tls.crt': b64('c') } }, ['data[tls.key]: Required value']],
      [{ type: SECRET_TYPES.basicAuth, data: { username: b64('u') } }, []],
      [{ type: SECRET_TYPES.basicAuth, data: { password: '' } }, []],
      // kube's own path for these two keeps a literal "%s".
      [{ type: SECRET_TYPES.basicAuth }, ['data[%s][username]: Required value', 'data[%s][password]: Required value']],
      [{ type: SECRET_TYPES.sshAuth, data: { 'ssh-privatekey': b64('k') } }, []],
      [{ type: SECRET_TYPES.sshAuth, data: { 'ssh-privatekey': '' } }, ['data[%s][ssh-privatekey]: Required value']],
      [{ type: SECRET_TYPES.dockerConfigJson, data: { '.dockerconfigjson': b64('{"auths":{}}') } }, []],
      [{ type: SECRET_TYPES.dockerConfigJson }, ['data[.dockerconfigjson]: Required value']],
      [{ type: SECRET_TYPES.dockerConfigJson, data: { '.dockerconfigjson': b64('nope') } }, ['data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character \'o\' in literal null (expecting \'u\')']],
      [{ type: SECRET_TYPES.dockercfg, data: { '.dockercfg': b64('[1]') } }, ['data[.dockercfg]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}']],
      [{ type: SECRET_TYPES.dockercfg, data: { '.dockercfg': b64('{"r":{}}') } }, []],
      [{ type: SECRET_TYPES.serviceAccountToken }, ['metadata.annotations[kubernetes.io/service-account.name]: Required value']],
      [{ type: SECRET_TYPES.serviceAccountToken, metadata: { name: 's', namespace: 'ns', annotations: { 'kubernetes.io/service-account.name': 'default' } } }, []],
      // kube requires nothing of bootstrap tokens.
      [{ type: SECRET_TYPES.bootstrapToken, data: {} }, []],
    ];
    for (const [fields, expected] of table) assert.deepEqual(errors(fields), expected, JSON.stringify(fields));
  });

  it('gives kubectl the whole message', () => {
    const obj = prepared({ type: SECRET_TYPES.tls });
    assert.equal(
      invalid('Secret', '', 's', secretStrategy.validate(obj)).message,
      'Secret "s" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]',
    );
  });
});

describe('secretStrategy.validateUpdate', () => {
  const stored = (fields: Partial<KubeObject>) => prepared(fields);

  it('refuses a change of type, and a type dropped on a PUT defaults to Opaque first', () => {
    const old = stored({ type: SECRET_TYPES.tls, data: { 'tls.crt': b64('c'), 'tls.key': b64('k') } });
    const next = secret({ type: 'Opaque', data: old.data });
    prepareChanged(secretStrategy, next, old);
    assert.deepEqual(secretStrategy.validateUpdate(next, old).map(renderFieldError), ['type: Invalid value: "Opaque": field is immutable']);
    const dropped = secret({ data: old.data });
    prepareChanged(secretStrategy, dropped, old);
    assert.deepEqual(secretStrategy.validateUpdate(dropped, old).map(renderFieldError), ['type: Invalid value: "Opaque": field is immutable']);
  });

  it('lets a mutable secret change and become immutable', () => {
    const old = stored({ data: { a: b64('1') } });
    assert.deepEqual(secretStrategy.validateUpdate(stored({ data: { a: b64('2') }, immutable: true }), old), []);
  });

  it('refuses changing data or mutability of an immutable secret', () => {
    const old = stored({ immutable: true, data: { a: b64('1') } });
    assert.deepEqual(secretStrategy.validateUpdate(stored({ immutable: true, data: { a: b64('1') }, metadata: { name: 's', namespace: 'ns', labels: { x: 'y' } } }), old), []);
    assert.deepEqual(secretStrategy.validateUpdate(stored({ immutable: true, data: { a: b64('2') } }), old).map(renderFieldError), [`data: Forbidden: ${IMMUTABLE}`]);
    assert.deepEqual(secretStrategy.validateUpdate(stored({ data: { a: b64('1') } }), old).map(renderFieldError), [`immutable: Forbidden: ${IMMUTABLE}`]);
    // stringData is data too: writing it into an immutable secret changes data.
    assert.deepEqual(secretStrategy.validateUpdate(stored({ immutable: true, data: { a: b64('1') }, stringData: { b: 'x' } }), old).map(renderFieldError), [`data: Forbidden: ${IMMUTABLE}`]);
  });
});

describe('secretStrategy fields and columns', () => {
  it('selects by name, namespace and type', () => {
    assert.deepEqual(secretStrategy.selectableFields(prepared({ type: SECRET_TYPES.tls })), { 'metadata.name': 's', 'metadata.namespace': 'ns', type: 'kubernetes.io/tls' });
  });

  it('prints NAME TYPE DATA AGE', () => {
    assert.deepEqual(
      secretStrategy.tableColumns.map((c) => [c.name, c.type, c.priority]),
      [
        ['Name', 'string', 0],
        ['Type', 'string', 0],
        ['Data', 'string', 0],
        ['Age', 'string', 0],
      ],
    );
    const obj = prepared({ data: { a: b64('1'), b: b64('2') } });
    obj.metadata!.creationTimestamp = '2024-05-01T11:59:00Z';
    assert.deepEqual(secretStrategy.tableColumns.map((c) => c.cell(obj, Date.parse('2024-05-01T12:00:00Z'))), ['s', 'Opaque', 2, '60s']);
  });
});

describe('secretStrategy.protobuf', () => {
  it('reads what `kubectl create secret generic` sends', () => {
    const LD = WireType.LengthDelimited;
    const w = new BinaryWriter();
    w.tag(1, LD).fork().tag(1, LD).string('creds').tag(3, LD).string('ns').join();
    w.tag(2, LD).fork().tag(1, LD).string('user').tag(2, LD).bytes(Buffer.from('admin')).join();
    w.tag(2, LD).fork().tag(1, LD).string('pass').tag(2, LD).bytes(Buffer.from([0, 255])).join();
    w.tag(3, LD).string('Opaque');
    const raw = w.finish();
    const envelope = new BinaryWriter().tag(1, LD).fork().tag(1, LD).string('v1').tag(2, LD).string('Secret').join().tag(2, LD).bytes(raw).finish();
    const body = Buffer.concat([Buffer.from('k8s\0'), envelope]);
    assert.deepEqual(decodeProtobufObject(body, secretStrategy.protobuf!), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 'ns' },
      data: { user: b64('admin'), pass: Buffer.from([0, 255]).toString('base64') },
      type: 'Opaque',
    });
  });
});
