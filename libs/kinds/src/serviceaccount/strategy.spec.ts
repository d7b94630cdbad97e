import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew, prepareChanged } from '../strategy.js';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { decodeProtobufObject, isDns1123Subdomain, type KubeObject } from '@kapi/api-machinery';
import { DEFAULT_SERVICE_ACCOUNT, serviceAccountStrategy } from './strategy.js';

const sa = (fields: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'ns' }, ...fields });

describe('serviceAccountStrategy.info', () => {
  it('describes core v1 serviceaccounts with the short name sa', () => {
    const info = serviceAccountStrategy.info;
    assert.deepEqual([info.group, info.version, info.resource, info.kind, info.namespaced], ['', 'v1', 'serviceaccounts', 'ServiceAccount', true]);
    assert.deepEqual(info.shortNames, ['sa']);
    assert.equal(serviceAccountStrategy.validateName, isDns1123Subdomain);
    assert.equal(DEFAULT_SERVICE_ACCOUNT, 'default');
  });
});

describe('serviceAccountStrategy write hooks', () => {
  it('keeps only the name of each secret reference, on create and update', () => {
    const obj = sa({ secrets: [{ name: 'token', kind: 'Secret', namespace: 'other', uid: 'u' }, { kind: 'Secret' }] });
    prepareNew(serviceAccountStrategy, obj);
    assert.deepEqual(obj.secrets, [{ name: 'token' }, {}]);
    const next = sa({ secrets: [{ name: 'b', apiVersion: 'v1' }] });
    prepareChanged(serviceAccountStrategy, next, obj);
    assert.deepEqual(next.secrets, [{ name: 'b' }]);
  });

  it('has nothing of its own to validate beyond metadata', () => {
    assert.deepEqual(serviceAccountStrategy.validate(sa({ automountServiceAccountToken: false })), []);
  });
});

describe('serviceAccountStrategy columns', () => {
  it('prints NAME SECRETS AGE, SECRETS counting the references', () => {
    assert.deepEqual(serviceAccountStrategy.tableColumns.map((c) => [c.name, c.type]), [
      ['Name', 'string'],
      ['Secrets', 'string'],
      ['Age', 'string'],
    ]);
    const obj = sa({ secrets: [{ name: 'a' }, { name: 'b' }] });
    obj.metadata!.creationTimestamp = '2024-05-01T12:00:00Z';
    const now = Date.parse('2024-05-01T12:00:05Z');
    assert.deepEqual(serviceAccountStrategy.tableColumns.map((c) => c.cell(obj, now)), ['builder', 2, '5s']);
    assert.equal(serviceAccountStrategy.tableColumns[1].cell(sa(), now), 0);
  });
});

describe('serviceAccountStrategy.protobuf', () => {
  it('reads what `kubectl create serviceaccount` sends', () => {
    const LD = WireType.LengthDelimited;
    const raw = new BinaryWriter()
      .tag(1, LD)
      .fork()
      .tag(1, LD)
      .string('builder')
      .tag(3, LD)
      .string('ns')
      .join()
      .tag(3, LD)
      .fork()
      .tag(1, LD)
      .string('pull')
      .join()
      .tag(4, WireType.Varint)
      .bool(false)
      .finish();
    const envelope = new BinaryWriter().tag(1, LD).fork().tag(1, LD).string('v1').tag(2, LD).string('ServiceAccount').join().tag(2, LD).bytes(raw).finish();
    assert.deepEqual(decodeProtobufObject(Buffer.concat([Buffer.from('k8s\0'), envelope]), serviceAccountStrategy.protobuf!), {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'builder', namespace: 'ns' },
      imagePullSecrets: [{ name: 'pull' }],
      // A *bool: false was sent on purpose.
      automountServiceAccountToken: false,
    });
  });
});
