import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KindCatalogue } from './catalogue.js';
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

  it('converts between kinds stored together, through the stored form, and back', () => {
    const v1 = converter.convert(core, { group: 'events.k8s.io', version: 'v1', kind: 'Event' });
    assert.equal(v1.apiVersion, 'events.k8s.io/v1');
    assert.deepEqual((v1 as Record<string, unknown>).regarding, core.involvedObject);
    assert.equal((v1 as Record<string, unknown>).note, 'hello');
    assert.equal((v1 as Record<string, unknown>).reportingController, 'kubelet');
    const back = converter.convert(v1, { group: '', version: 'v1', kind: 'Event' }) as Record<string, unknown>;
    assert.equal(back.message, 'hello');
    assert.deepEqual(back.involvedObject, core.involvedObject);
    // The input is left as it was.
    assert.equal(core.message, 'hello');
  });

  it('refuses kinds that are not the same objects, in Go\'s words', () => {
    assert.throws(() => converter.convert(core, { group: 'apps', version: 'v1', kind: 'Deployment' }), /^Error: converting \(v1, Kind=Event\) to \(apps\/v1, Kind=Deployment\): unknown conversion$/);
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
