import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { defaultIngressClass } from './default-ingress-class.js';
import { defaultStorageClass } from './default-storage-class.js';
import { persistentVolumeClaimResize } from './persistent-volume-claim-resize.js';
import { storageObjectInUseProtection } from './storage-object-in-use-protection.js';
import { attributes, fakeContext, refusal } from './testing.fixture.js';

const sc = (name: string, created: string, annotations: Record<string, string> = {}, extra: Record<string, unknown> = {}): KubeObject => ({ metadata: { name, creationTimestamp: created, annotations }, ...extra });
const claim = (spec: Record<string, unknown> = {}, extra: Partial<KubeObject> = {}): KubeObject => ({ metadata: { name: 'data', namespace: 'ns' }, spec: { resources: { requests: { storage: '1Gi' } }, ...spec }, ...extra });

describe('DefaultStorageClass', () => {
  const classes = { 'storageclasses.storage.k8s.io': [
    sc('old', '2024-01-01T00:00:00Z', { 'storageclass.kubernetes.io/is-default-class': 'true' }),
    sc('new', '2025-01-01T00:00:00Z', { 'storageclass.beta.kubernetes.io/is-default-class': 'true' }),
    sc('plain', '2026-01-01T00:00:00Z'),
  ] };

  it('gives a claim without a class the newest default class', async () => {
    const plugin = defaultStorageClass(fakeContext({ cached: classes }));
    const spec = (await plugin.admit!(attributes('CREATE', 'persistentvolumeclaims', { namespace: 'ns', object: claim() })))!.spec as Record<string, unknown>;
    assert.equal(spec.storageClassName, 'new');
  });

  it('leaves a claim that names a class, even an empty one or by the beta annotation, and does nothing without a default', async () => {
    const plugin = defaultStorageClass(fakeContext({ cached: classes }));
    assert.equal(await plugin.admit!(attributes('CREATE', 'persistentvolumeclaims', { namespace: 'ns', object: claim({ storageClassName: '' }) })), undefined);
    const annotated = claim({}, { metadata: { name: 'd', annotations: { 'volume.beta.kubernetes.io/storage-class': 'x' } } });
    assert.equal(await plugin.admit!(attributes('CREATE', 'persistentvolumeclaims', { namespace: 'ns', object: annotated })), undefined);
    assert.equal(await defaultStorageClass(fakeContext()).admit!(attributes('CREATE', 'persistentvolumeclaims', { namespace: 'ns', object: claim() })), undefined);
  });
});

describe('DefaultIngressClass', () => {
  it('gives an Ingress without a class the default IngressClass, and leaves one with a class or the legacy annotation', async () => {
    const cached = { 'ingressclasses.networking.k8s.io': [sc('nginx', '2025-01-01T00:00:00Z', { 'ingressclass.kubernetes.io/is-default-class': 'true' }), sc('other', '2026-01-01T00:00:00Z')] };
    const plugin = defaultIngressClass(fakeContext({ cached }));
    const ingress = (spec: Record<string, unknown> = {}, annotations?: Record<string, string>) => attributes('CREATE', 'ingresses', { namespace: 'ns', object: { metadata: { name: 'i', annotations }, spec } });
    assert.equal(((await plugin.admit!(ingress()))!.spec as Record<string, unknown>).ingressClassName, 'nginx');
    assert.equal(await plugin.admit!(ingress({ ingressClassName: 'other' })), undefined);
    assert.equal(await plugin.admit!(ingress({}, { 'kubernetes.io/ingress.class': 'legacy' })), undefined);
  });
});

describe('StorageObjectInUseProtection', () => {
  it('adds the protection finalizer to new volumes and claims, once', async () => {
    const plugin = storageObjectInUseProtection();
    const pv = (await plugin.admit!(attributes('CREATE', 'persistentvolumes', { object: { metadata: { name: 'pv' } } })))!;
    assert.deepEqual(pv.metadata?.finalizers, ['kubernetes.io/pv-protection']);
    const pvc = (await plugin.admit!(attributes('CREATE', 'persistentvolumeclaims', { namespace: 'ns', object: { metadata: { name: 'c', finalizers: ['x'] } } })))!;
    assert.deepEqual(pvc.metadata?.finalizers, ['x', 'kubernetes.io/pvc-protection']);
    assert.equal(await plugin.admit!(attributes('CREATE', 'persistentvolumeclaims', { namespace: 'ns', object: pvc })), undefined);
    assert.equal(await plugin.admit!(attributes('CREATE', 'configmaps', { namespace: 'ns', object: { metadata: { name: 'c' } } })), undefined);
  });
});

describe('PersistentVolumeClaimResize', () => {
  const cached = { 'storageclasses.storage.k8s.io': [sc('grows', '2025-01-01T00:00:00Z', {}, { allowVolumeExpansion: true }), sc('fixed', '2025-01-01T00:00:00Z')] };
  const resize = (className: string, phase: string, to = '2Gi') =>
    attributes('UPDATE', 'persistentvolumeclaims', {
      namespace: 'ns',
      object: claim({ storageClassName: className, resources: { requests: { storage: to } } }),
      oldObject: claim({ storageClassName: className }, { status: { phase } }),
    });

  it('lets a bound claim of an expandable class grow, and says why anything else may not', async () => {
    const plugin = persistentVolumeClaimResize(fakeContext({ cached }));
    await plugin.validate!(resize('grows', 'Bound'));
    assert.deepEqual(await refusal(plugin.validate!(resize('grows', 'Pending'))), [403, 'Forbidden', 'persistentvolumeclaims "data" is forbidden: Only bound persistent volume claims can be expanded']);
    assert.deepEqual((await refusal(plugin.validate!(resize('fixed', 'Bound'))))[2], 'persistentvolumeclaims "data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
    // Shrinking or keeping the size is not this plugin's to refuse.
    await plugin.validate!(resize('fixed', 'Pending', '1Gi'));
  });
});
