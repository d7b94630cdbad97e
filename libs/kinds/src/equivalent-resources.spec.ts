import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { KindCatalogue } from './catalogue.js';
import { CustomResourceKinds } from './customresource/kinds.js';
import { widgetsCrd } from './customresource/testdata.js';
import { catalogueConverter, catalogueDefaulter, equivalentResourceMapper } from './equivalent-resources.js';

const catalogue = new KindCatalogue();
const coreEvents = { group: '', version: 'v1', resource: 'events' };
const eventsV1 = { group: 'events.k8s.io', version: 'v1', resource: 'events' };

describe('equivalentResourceMapper', () => {
  const mapper = equivalentResourceMapper(catalogue);

  it('finds the resources that serve the same stored objects', () => {
    assert.deepEqual(mapper.equivalentResourcesFor(coreEvents, ''), [coreEvents, eventsV1]);
    assert.deepEqual(mapper.equivalentResourcesFor(eventsV1, ''), [coreEvents, eventsV1]);
    assert.deepEqual(mapper.equivalentResourcesFor({ group: 'apps', version: 'v1', resource: 'deployments' }, ''), [{ group: 'apps', version: 'v1', resource: 'deployments' }]);
    assert.deepEqual(mapper.equivalentResourcesFor({ group: 'apps', version: 'v1', resource: 'deployments' }, 'scale'), [{ group: 'apps', version: 'v1', resource: 'deployments' }]);
    assert.deepEqual(mapper.equivalentResourcesFor({ group: 'apps', version: 'v1beta1', resource: 'deployments' }, ''), []);
  });

  it('names the kind a resource (or its status) serves', () => {
    assert.deepEqual(mapper.kindFor(eventsV1, ''), { group: 'events.k8s.io', version: 'v1', kind: 'Event' });
    assert.deepEqual(mapper.kindFor({ group: 'apps', version: 'v1', resource: 'deployments' }, 'status'), { group: 'apps', version: 'v1', kind: 'Deployment' });
    assert.equal(mapper.kindFor({ group: 'apps', version: 'v1', resource: 'deployments' }, 'scale'), undefined);
    assert.equal(mapper.kindFor({ group: '', version: 'v1', resource: 'nothings' }, ''), undefined);
  });
});

describe('catalogueConverter', () => {
  const converter = catalogueConverter(catalogue);
  const core = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'e', namespace: 'a' },
    involvedObject: { kind: 'Pod', name: 'p', namespace: 'a' },
    reason: 'Started',
    message: 'hello',
    type: 'Normal',
    reportingComponent: 'kubelet',
    reportingInstance: 'n1',
  };

  it('converts between kinds stored together, through the stored form, and back', async () => {
    const v1 = await converter.convert(core, { group: 'events.k8s.io', version: 'v1', kind: 'Event' });
    assert.equal(v1.apiVersion, 'events.k8s.io/v1');
    assert.deepEqual((v1 as Record<string, unknown>).regarding, core.involvedObject);
    assert.equal((v1 as Record<string, unknown>).note, 'hello');
    assert.equal((v1 as Record<string, unknown>).reportingController, 'kubelet');
    const back = (await converter.convert(v1, { group: '', version: 'v1', kind: 'Event' })) as Record<string, unknown>;
    assert.equal(back.message, 'hello');
    assert.deepEqual(back.involvedObject, core.involvedObject);
    // The input is left as it was.
    assert.equal(core.message, 'hello');
  });

  it('converts a custom resource whose CRD converts by Webhook through its webhook, via the storage version', async () => {
    const reviews: string[] = [];
    const kinds = new CustomResourceKinds({
      conversionTransport: {
        post: async (_config, review) => {
          const { request } = review as { request: { uid: string; desiredAPIVersion: string; objects: KubeObject[] } };
          reviews.push(request.desiredAPIVersion);
          const convertedObjects = request.objects.map((o) => ({ ...o, apiVersion: request.desiredAPIVersion, spec: { mode: 'slow' } }));
          return JSON.stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response: { uid: request.uid, result: { status: 'Success' }, convertedObjects } });
        },
      },
    });
    const crd = widgetsCrd();
    const v1 = crd.spec!.versions![0];
    crd.spec!.conversion = { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: 'https://hook.example.com/convert' } } };
    crd.spec!.versions = [{ ...v1, name: 'v2', storage: false, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }, v1];
    kinds.update(crd);
    const withCrds = new KindCatalogue([], kinds);
    const out = await catalogueConverter(withCrds).convert(
      { apiVersion: 'demo.kapi.io/v2', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: {} },
      { group: 'demo.kapi.io', version: 'v1', kind: 'Widget' },
    );
    assert.deepEqual(reviews, ['demo.kapi.io/v1']);
    assert.equal(out.apiVersion, 'demo.kapi.io/v1');
    // The webhook's answer, read as the storage version reads it (its defaults).
    assert.deepEqual(out.spec, { mode: 'slow', replicas: 1, maxReplicas: 10 });
  });

  it('refuses kinds that are not the same objects, in Go\'s words', async () => {
    await assert.rejects(async () => converter.convert(core, { group: 'apps', version: 'v1', kind: 'Deployment' }), /^Error: converting \(v1, Kind=Event\) to \(apps\/v1, Kind=Deployment\): unknown conversion$/);
  });
});

describe('catalogueDefaulter', () => {
  it('applies the kind\'s defaults to the object', () => {
    const defaulter = catalogueDefaulter(catalogue);
    const deployment = defaulter(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } } },
      { group: 'apps', version: 'v1', kind: 'Deployment' },
    ) as { spec: { replicas?: number; template: { spec: { containers: { imagePullPolicy?: string }[] } } } };
    assert.equal(deployment.spec.replicas, 1);
    assert.equal(deployment.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  });
});
