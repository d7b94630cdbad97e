import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { applyScale, scaleOf } from '../scale.js';
import { checkPatchType, deprecationWarning } from '../strategy.js';
import { storageKey } from '../catalogue.js';
import { compareKubeVersions, customResourceStrategies, customResourceStrategy, isEstablished, servedVersion } from './strategy.js';
import { widgetsCrd } from './testdata.js';

const strategy = customResourceStrategy(widgetsCrd())!;
const widget = (spec: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'demo.kapi.io/v1',
  kind: 'Widget',
  metadata: { name: 'w1', namespace: 'default' },
  spec,
  ...extra,
});

describe('customResourceStrategy', () => {
  it('serves the names the CRD accepted, with its subresources, in the verbs order kube lists', () => {
    assert.deepEqual(
      { ...strategy.info },
      {
        group: 'demo.kapi.io',
        version: 'v1',
        resource: 'widgets',
        kind: 'Widget',
        listKind: 'WidgetList',
        singularName: 'widget',
        namespaced: true,
        shortNames: ['wd'],
        categories: ['all'],
        verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
        subresources: ['status', 'scale'],
        tracksGeneration: true,
        customResource: true,
        storagePrefix: 'demo.kapi.io/widgets',
        storageVersion: { group: 'demo.kapi.io', version: 'v1', kind: 'Widget' },
      },
    );
    assert.equal(storageKey(strategy.info, 'default', 'w1'), '/registry/demo.kapi.io/widgets/default/w1');
    assert.equal(customResourceStrategy(widgetsCrd({ scope: 'Cluster' }))!.info.namespaced, false);
  });

  it('prunes unknown fields and applies the defaults on a write, and again on a read from storage', () => {
    const obj = widget({ replicas: 2, extra: true });
    strategy.defaults!(obj);
    assert.deepEqual(obj.spec, { replicas: 2, mode: 'fast', maxReplicas: 10 });
    const stored = widget({ replicas: 3 });
    const read = strategy.storageConversion!.fromStorage(stored);
    assert.deepEqual(read.spec, { replicas: 3, mode: 'fast', maxReplicas: 10 });
    assert.deepEqual(stored.spec, { replicas: 3 }, 'the stored object, shared by watchers, is left as it is');
    assert.equal(strategy.storageConversion!.fromStorage(stored), read, 'read once per stored object');
  });

  it('validates with kube-apiserver messages, its CEL rules included', () => {
    const obj = widget({ replicas: 20, mode: 'fast', maxReplicas: 10 });
    const errors = strategy.validate(obj);
    assert.equal(strategy.validatesObjectMeta, true);
    assert.equal(strategy.invalid!(obj, errors).message, 'Widget.demo.kapi.io "w1" is invalid: spec: Invalid value: "object": replicas must not exceed maxReplicas');
    const wrong = widget({ replicas: 1, mode: 'medium', maxReplicas: 10 });
    assert.equal(
      strategy.invalid!(wrong, strategy.validate(wrong)).message,
      'Widget.demo.kapi.io "w1" is invalid: [spec.mode: Unsupported value: "medium": supported values: "fast", "slow", <nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]',
    );
  });

  it('leaves the status to its subresource, and counts generations of everything else', () => {
    const created = widget({ replicas: 1 }, { status: { replicas: 5 } });
    strategy.prepareForCreate(created);
    assert.equal(created.status, undefined);
    const old = widget({ replicas: 1 }, { status: { replicas: 1 } });
    const updated = widget({ replicas: 1 }, { status: { replicas: 9 } });
    strategy.prepareForUpdate(updated, old);
    assert.deepEqual(updated.status, { replicas: 1 });
    const viaStatus = strategy.subresourceUpdates!.status.prepareForUpdate(widget({ replicas: 7 }, { status: { replicas: 9 } }), old);
    assert.deepEqual([viaStatus.spec, viaStatus.status], [{ replicas: 1 }, { replicas: 9 }]);
  });

  it('scales through the CRD’s replicas and selector paths', () => {
    const obj = widget({ replicas: 2 }, { status: { replicas: 1, selector: 'app=w' } });
    const scale = scaleOf(strategy.scale!, obj);
    assert.deepEqual([scale.spec, scale.status], [{ replicas: 2 }, { replicas: 1, selector: 'app=w' }]);
    assert.equal((applyScale(obj, { spec: { replicas: 4 } } as KubeObject, strategy.scale) as { spec: { replicas: number } }).spec.replicas, 4);
  });

  it('prints its columns as kube types them, Name first', () => {
    const obj = widget({ mode: 'slow', replicas: 3 }, { status: { conditions: [{ type: 'Other', status: 'False' }, { type: 'Ready', status: 'True' }] } });
    assert.deepEqual(
      strategy.tableColumns.map((c) => [c.name, c.type, c.cell(obj, 0)]),
      [
        ['Name', 'string', 'w1'],
        ['Mode', 'string', 'slow'],
        ['Replicas', 'integer', 3],
        ['Ready', 'string', 'True'],
      ],
    );
    assert.equal(strategy.tableColumns[2].cell(widget({}), 0), null, 'a missing value is an empty cell');
  });

  it('selects by metadata and by the version’s selectableFields, as strings', () => {
    const crd = widgetsCrd();
    crd.spec!.versions![0].selectableFields = [{ jsonPath: '.spec.mode' }, { jsonPath: '.spec.replicas' }];
    const selecting = customResourceStrategy(crd)!;
    assert.deepEqual(selecting.selectableFields(widget({ mode: 'slow', replicas: 2 })), {
      'metadata.name': 'w1',
      'metadata.namespace': 'default',
      'spec.mode': 'slow',
      'spec.replicas': '2',
    });
    assert.deepEqual(Object.keys(strategy.selectableFields({ metadata: {} })), ['metadata.name', 'metadata.namespace']);
  });

  it('takes no strategic merge patch: 415 with the types it takes', () => {
    assert.throws(() => checkPatchType(strategy, 'application/strategic-merge-patch+json'), {
      message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    });
    assert.doesNotThrow(() => checkPatchType(strategy, 'application/merge-patch+json'));
  });

  it('serves every served version, stored in the storage version and read back in the one asked for', () => {
    const crd = widgetsCrd();
    const v1 = crd.spec!.versions![0];
    crd.spec!.versions = [
      { ...v1, name: 'v1alpha1', served: false, storage: false },
      { ...v1, name: 'v1beta1', served: true, storage: false, deprecated: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { old: { type: 'string', default: 'legacy' }, replicas: { type: 'integer' } } } } } } },
      v1,
    ];
    assert.equal(servedVersion(crd)?.name, 'v1');
    const strategies = customResourceStrategies(crd);
    assert.deepEqual(strategies.map((s) => s.info.version), ['v1', 'v1beta1']);
    const beta = customResourceStrategy(crd, 'v1beta1')!;
    assert.equal(deprecationWarning(beta.info), 'demo.kapi.io/v1beta1 Widget is deprecated; use demo.kapi.io/v1 Widget');
    const written: KubeObject = { ...widget({ replicas: 2 }), apiVersion: 'demo.kapi.io/v1beta1' };
    beta.defaults!(written);
    assert.deepEqual(written.spec, { replicas: 2, old: 'legacy' });
    const stored = beta.storageConversion!.toStorage(written);
    assert.equal(stored.apiVersion, 'demo.kapi.io/v1');
    // Read back, the storage version's schema decodes and defaults, then the version asked for is given.
    const asBeta = beta.storageConversion!.fromStorage(stored);
    assert.deepEqual([asBeta.apiVersion, asBeta.spec], ['demo.kapi.io/v1beta1', { replicas: 2, mode: 'fast', maxReplicas: 10 }]);
    assert.equal(strategy.storageConversion!.fromStorage(stored).apiVersion, 'demo.kapi.io/v1');
    assert.equal(isEstablished(widgetsCrd({ established: false })), false);
  });

  it('converts a Webhook CRD through its webhook where a transport is given, once per stored object, and as None elsewhere', async () => {
    const v1 = widgetsCrd().spec!.versions![0];
    const crd = widgetsCrd();
    crd.spec!.conversion = { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: 'https://hook.example.com/convert' } } };
    crd.spec!.versions = [
      { ...v1, name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { count: { type: 'integer' }, unit: { type: 'string', default: 'pods' } } } } } } },
      v1,
    ];
    assert.equal(customResourceStrategy(crd, 'v2')!.asyncStorageConversion, undefined, 'no transport: served as None');
    const reviews: { desiredAPIVersion: string; objects: KubeObject[] }[] = [];
    const conversionTransport = {
      post: async (_config: unknown, review: unknown) => {
        const { request } = review as { request: { uid: string; desiredAPIVersion: string; objects: KubeObject[] } };
        reviews.push(request);
        const convertedObjects = request.objects.map((o) =>
          request.desiredAPIVersion === 'demo.kapi.io/v2'
            ? { ...o, apiVersion: request.desiredAPIVersion, spec: { count: (o.spec as { replicas: number }).replicas } }
            : { ...o, apiVersion: request.desiredAPIVersion, spec: { replicas: (o.spec as { count: number }).count } },
        );
        return JSON.stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response: { uid: request.uid, result: { status: 'Success' }, convertedObjects } });
      },
    };
    const v2 = customResourceStrategy(crd, 'v2', { conversionTransport })!;
    const stored = await v2.asyncStorageConversion!.toStorage({ ...widget({}), apiVersion: 'demo.kapi.io/v2', spec: { count: 4 } });
    assert.deepEqual([stored.apiVersion, stored.spec], ['demo.kapi.io/v1', { replicas: 4 }]);
    // Read back: the storage version's defaults, the webhook's conversion, then the version's own defaults.
    const [read] = await v2.asyncStorageConversion!.fromStorage([stored]);
    assert.deepEqual([read.apiVersion, read.spec], ['demo.kapi.io/v2', { count: 4, unit: 'pods' }]);
    assert.deepEqual(reviews[1].objects[0].spec, { replicas: 4, mode: 'fast', maxReplicas: 10 });
    assert.equal((await v2.asyncStorageConversion!.fromStorage([stored]))[0], read, 'converted once per stored object');
    assert.equal(reviews.length, 2);
  });

  it('orders versions as kube does: GA, then beta, then alpha, higher numbers first, other names last', () => {
    assert.deepEqual(['v1alpha1', 'foo', 'v2beta1', 'v1', 'v10', 'v2', 'v1beta2', 'bar'].sort(compareKubeVersions), ['v10', 'v2', 'v1', 'v2beta1', 'v1beta2', 'v1alpha1', 'bar', 'foo']);
  });
});
