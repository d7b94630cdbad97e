import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KindCatalogue } from '../catalogue.js';
import { catalogueConverter, equivalentResourceMapper } from '../equivalent-resources.js';
import { CustomResourceKinds } from './kinds.js';
import { widgetsCrd } from './testdata.js';

describe('CustomResourceKinds', () => {
  it('serves an established CRD, rebuilding its strategy only when the CRD changed', () => {
    const kinds = new CustomResourceKinds();
    let changes = 0;
    kinds.onChange(() => changes++);
    kinds.update(widgetsCrd({ established: false }));
    assert.equal(kinds.lookup('demo.kapi.io', 'widgets'), undefined);
    kinds.update(widgetsCrd({ resourceVersion: '11' }));
    const first = kinds.lookup('demo.kapi.io', 'widgets');
    assert.equal(first?.info.kind, 'Widget');
    kinds.update(widgetsCrd({ resourceVersion: '11' }));
    assert.equal(kinds.lookup('demo.kapi.io', 'widgets'), first);
    kinds.update(widgetsCrd({ resourceVersion: '12' }));
    assert.notEqual(kinds.lookup('demo.kapi.io', 'widgets'), first);
    assert.equal(changes, 2);
    kinds.replace([]);
    assert.equal(kinds.lookup('demo.kapi.io', 'widgets'), undefined);
    assert.equal(kinds.generation, 3);
  });

  it('makes the catalogue serve it after the built-in kinds, in discovery too', async () => {
    const kinds = new CustomResourceKinds();
    const catalogue = new KindCatalogue(undefined, kinds);
    const before = catalogue.generation;
    kinds.update(widgetsCrd());
    assert.notEqual(catalogue.generation, before);
    assert.equal(catalogue.lookup('demo.kapi.io', 'widgets')?.info.kind, 'Widget');
    assert.equal(catalogue.byKind({ group: 'demo.kapi.io', version: 'v1', kind: 'Widget' })?.info.resource, 'widgets');
    assert.equal(catalogue.isBuiltin('demo.kapi.io', 'widgets'), false);
    assert.deepEqual(catalogue.groupVersions().at(-1), { group: 'demo.kapi.io', version: 'v1' });
    assert.deepEqual(catalogue.resourcesOf('demo.kapi.io', 'v1').map((r) => r.resource), ['widgets']);
    assert.equal(catalogue.lookup('demo.kapi.io', 'widgets', 'v1')?.info.version, 'v1');
    assert.equal(catalogue.lookup('demo.kapi.io', 'widgets', 'v2'), undefined);
    // Every served version of a CRD serves the same objects.
    const twoVersions = widgetsCrd({ resourceVersion: '20' });
    twoVersions.spec!.versions = [...twoVersions.spec!.versions!, { ...twoVersions.spec!.versions![0], name: 'v1beta1', storage: false }];
    kinds.update(twoVersions);
    const mapper = equivalentResourceMapper(catalogue);
    assert.deepEqual(mapper.equivalentResourcesFor({ group: 'demo.kapi.io', version: 'v1beta1', resource: 'widgets' }, ''), [
      { group: 'demo.kapi.io', version: 'v1', resource: 'widgets' },
      { group: 'demo.kapi.io', version: 'v1beta1', resource: 'widgets' },
    ]);
    const converted = await catalogueConverter(catalogue).convert({ apiVersion: 'demo.kapi.io/v1beta1', kind: 'Widget', metadata: { name: 'w' }, spec: { replicas: 1 } }, { group: 'demo.kapi.io', version: 'v1', kind: 'Widget' });
    assert.equal(converted.apiVersion, 'demo.kapi.io/v1');
    // A built-in kind wins over a CRD naming the same resource.
    assert.equal(catalogue.lookup('', 'configmaps')?.info.kind, 'ConfigMap');
  });
});
