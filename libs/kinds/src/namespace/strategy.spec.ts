import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew, prepareChanged } from '../strategy.js';
import { decodeProtobufObject, isDns1123Label, isQualifiedName, renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { NAMESPACE_NAME_LABEL, namespaceStrategy } from './strategy.js';

const ns = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, ...extra });

describe('namespaceStrategy.info', () => {
  it('describes the core v1 namespaces resource', () => {
    const info = namespaceStrategy.info;
    assert.equal(info.group, '');
    assert.equal(info.version, 'v1');
    assert.equal(info.resource, 'namespaces');
    assert.equal(info.kind, 'Namespace');
    assert.equal(info.listKind, 'NamespaceList');
    assert.equal(info.singularName, 'namespace');
    assert.equal(info.namespaced, false);
    assert.deepEqual(info.shortNames, ['ns']);
    // No deletecollection for namespaces, as kube serves them.
    assert.deepEqual(info.verbs, ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
    assert.deepEqual(info.subresources, ['status', 'finalize']);
  });

  it('names namespaces as DNS-1123 labels', () => {
    assert.equal(namespaceStrategy.validateName, isDns1123Label);
  });

  it('labels namespaces with kubernetes.io/metadata.name', () => {
    assert.equal(NAMESPACE_NAME_LABEL, 'kubernetes.io/metadata.name');
  });
});

describe('namespaceStrategy.prepareForCreate', () => {
  it('sets phase Active, the kubernetes finalizer and the name label', () => {
    const obj = ns('team-a');
    prepareNew(namespaceStrategy, obj);
    assert.deepEqual(obj.status, { phase: 'Active' });
    assert.deepEqual(obj.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(obj.metadata?.labels, { 'kubernetes.io/metadata.name': 'team-a' });
  });

  it('ignores a status the client sent', () => {
    const obj = ns('team-a', { status: { phase: 'Terminating' } });
    prepareNew(namespaceStrategy, obj);
    assert.deepEqual(obj.status, { phase: 'Active' });
  });

  it('keeps the client\'s finalizers and appends kubernetes once', () => {
    const withOthers = ns('a', { spec: { finalizers: ['example.com/x'] } });
    prepareNew(namespaceStrategy, withOthers);
    assert.deepEqual(withOthers.spec, { finalizers: ['example.com/x', 'kubernetes'] });

    const already = ns('b', { spec: { finalizers: ['kubernetes', 'example.com/x'] } });
    prepareNew(namespaceStrategy, already);
    assert.deepEqual(already.spec, { finalizers: ['kubernetes', 'example.com/x'] });
  });

  it('keeps the client\'s labels and overrides a wrong name label', () => {
    const obj = ns('team-a');
    obj.metadata!.labels = { env: 'prod', 'kubernetes.io/metadata.name': 'liar' };
    prepareNew(namespaceStrategy, obj);
    assert.deepEqual(obj.metadata?.labels, { env: 'prod', 'kubernetes.io/metadata.name': 'team-a' });
  });
});

describe('namespaceStrategy.prepareForUpdate', () => {
  const old = (): KubeObject => ({
    ...ns('team-a'),
    metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a', env: 'prod' } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });

  it('keeps spec and status from the stored object', () => {
    const next: KubeObject = { ...old(), spec: { finalizers: [] }, status: { phase: 'Terminating' } };
    prepareChanged(namespaceStrategy, next, old());
    assert.deepEqual(next.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(next.status, { phase: 'Active' });
  });

  it('puts the name label back when an update drops or changes it', () => {
    const dropped: KubeObject = { ...old(), metadata: { name: 'team-a', labels: { env: 'dev' } } };
    prepareChanged(namespaceStrategy, dropped, old());
    assert.deepEqual(dropped.metadata?.labels, { env: 'dev', 'kubernetes.io/metadata.name': 'team-a' });

    const changed: KubeObject = { ...old(), metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'x' } } };
    prepareChanged(namespaceStrategy, changed, old());
    assert.equal(changed.metadata?.labels?.['kubernetes.io/metadata.name'], 'team-a');
  });
});

describe('namespaceStrategy.validate', () => {
  it('accepts the kubernetes finalizer and qualified finalizer names', () => {
    assert.deepEqual(namespaceStrategy.validate(ns('a', { spec: { finalizers: ['kubernetes', 'example.com/cleanup'] } })), []);
    assert.deepEqual(namespaceStrategy.validate(ns('a')), []);
  });

  it('accepts the other standard finalizer names, orphan and foregroundDeletion', () => {
    assert.deepEqual(namespaceStrategy.validate(ns('a', { spec: { finalizers: ['orphan', 'foregroundDeletion'] } })), []);
  });

  it('refuses an unqualified, non-standard finalizer at spec.finalizers, as ValidateNamespace reports it', () => {
    const errs = namespaceStrategy.validate(ns('a', { spec: { finalizers: ['kubernetes', 'cleanup'] } }));
    assert.deepEqual(errs.map(renderFieldError), ['spec.finalizers: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified']);
    assert.equal(errs[0].type, 'FieldValueInvalid');
  });

  it('refuses a finalizer that is not a qualified name', () => {
    const errs = namespaceStrategy.validate(ns('a', { spec: { finalizers: ['example.com/bad name'] } }));
    assert.deepEqual(
      errs.map(renderFieldError),
      isQualifiedName('example.com/bad name').map((m) => `spec.finalizers: Invalid value: "example.com/bad name": ${m}`),
    );
  });
});

describe('namespaceStrategy deletion', () => {
  it('finalizes on delete while spec.finalizers is not empty', () => {
    assert.equal(namespaceStrategy.finalizesOnDelete?.(ns('a', { spec: { finalizers: ['kubernetes'] } })), true);
    assert.equal(namespaceStrategy.finalizesOnDelete?.(ns('a', { spec: { finalizers: [] } })), false);
    assert.equal(namespaceStrategy.finalizesOnDelete?.(ns('a')), false);
  });

  it('marks the namespace Terminating', () => {
    const obj = ns('a', { status: { phase: 'Active' } });
    namespaceStrategy.prepareForDelete?.(obj);
    assert.deepEqual(obj.status, { phase: 'Terminating' });
  });
});

describe('namespaceStrategy fields and columns', () => {
  it('selects by metadata.name and status.phase', () => {
    assert.deepEqual(namespaceStrategy.selectableFields(ns('a', { status: { phase: 'Active' } })), { 'metadata.name': 'a', 'status.phase': 'Active' });
    assert.deepEqual(namespaceStrategy.selectableFields({}), { 'metadata.name': '', 'status.phase': '' });
  });

  it('prints Name, Status and Age', () => {
    assert.deepEqual(
      namespaceStrategy.tableColumns.map((c) => c.name),
      ['Name', 'Status', 'Age'],
    );
    const now = Date.parse('2024-05-01T12:00:00Z');
    const obj = ns('a', { status: { phase: 'Active' } });
    obj.metadata!.creationTimestamp = '2024-05-01T09:00:00Z';
    assert.deepEqual(
      namespaceStrategy.tableColumns.map((c) => c.cell(obj, now)),
      ['a', 'Active', '3h'],
    );
  });
});

describe('namespaceStrategy.protobuf', () => {
  it('decodes a Namespace sent by a typed client', () => {
    const LD = WireType.LengthDelimited;
    const meta = new BinaryWriter().tag(1, LD).string('team-a').finish();
    const spec = new BinaryWriter().tag(1, LD).string('kubernetes').finish();
    const status = new BinaryWriter().tag(1, LD).string('Active').finish();
    const raw = new BinaryWriter().tag(1, LD).bytes(meta).tag(2, LD).bytes(spec).tag(3, LD).bytes(status).finish();
    const unknown = new BinaryWriter()
      .tag(1, LD).fork().tag(1, LD).string('v1').tag(2, LD).string('Namespace').join()
      .tag(2, LD).bytes(raw)
      .finish();
    const body = Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]);
    assert.deepEqual(decodeProtobufObject(body, namespaceStrategy.protobuf!), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a' },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  });
});
