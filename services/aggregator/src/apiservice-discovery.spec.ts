import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DiscoveredResource } from '@kapi/apiserver';
import { AggregatedGroups, compareKubeVersions } from './apiservice-discovery.js';
import type { APIService } from './apiservice-proxy.js';

const remote = (group: string, version: string, available: boolean, priorities: [number, number] = [1000, 15]): APIService => ({
  metadata: { name: `${version}.${group}` },
  spec: { group, version, service: { namespace: 'ns', name: 'svc', port: 443 }, groupPriorityMinimum: priorities[0], versionPriority: priorities[1] },
  status: { conditions: [{ type: 'Available', status: available ? 'True' : 'False' }] },
});

/** An APIService source whose list the test changes, telling its listeners as an informer does. */
function source(initial: APIService[]) {
  let items = initial;
  const listeners = new Set<() => void>();
  return {
    list: () => items,
    subscribe: (l: () => void) => (listeners.add(l), () => listeners.delete(l)),
    set(next: APIService[]) {
      items = next;
      for (const l of listeners) l();
    },
  };
}

const settle = () => new Promise((r) => setImmediate(r));
const gadgets: DiscoveredResource[] = [
  { name: 'gadgets', singularName: 'gadget', namespaced: true, kind: 'Gadget', verbs: ['get', 'list'] },
  { name: 'gadgets/status', singularName: '', namespaced: true, kind: 'Gadget', verbs: ['get', 'patch', 'update'] },
];

describe('AggregatedGroups', () => {
  it('lists every APIService with a service, available or not, in kube\'s order of groups and versions', () => {
    const groups = new AggregatedGroups(
      source([remote('b.example.com', 'v1', false), remote('a.example.com', 'v1beta1', true), remote('a.example.com', 'v1', true), remote('z.example.com', 'v1', true, [5000, 15]), { metadata: { name: 'v1.apps' }, spec: { group: 'apps', version: 'v1' } }]),
      async () => [],
    );
    assert.deepEqual([...groups.groups()], [
      ['z.example.com', ['v1']],
      ['a.example.com', ['v1', 'v1beta1']],
      ['b.example.com', ['v1']],
    ]);
    groups.stop();
  });

  it('serves the resources of an available server as Current, Stale once it is not, and a version never fetched as Stale', async () => {
    const apiServices = source([remote('things.example.com', 'v1', true), remote('down.example.com', 'v1', false)]);
    const asked: string[] = [];
    const groups = new AggregatedGroups(apiServices, async (a) => (asked.push(a.metadata!.name!), gadgets));
    await settle();
    assert.deepEqual(asked, ['v1.things.example.com']);
    const current = groups.discoveryItems();
    assert.deepEqual(current[0], { metadata: { name: 'down.example.com', creationTimestamp: null }, versions: [{ version: 'v1', freshness: 'Stale' }] }, 'never fetched: Stale, as kube shows it');
    assert.deepEqual(current.slice(1), [
      {
        metadata: { name: 'things.example.com', creationTimestamp: null },
        versions: [
          {
            version: 'v1',
            resources: [
              {
                resource: 'gadgets',
                responseKind: { group: '', version: '', kind: 'Gadget' },
                scope: 'Namespaced',
                singularResource: 'gadget',
                verbs: ['get', 'list'],
                subresources: [{ subresource: 'status', responseKind: { group: '', version: '', kind: 'Gadget' }, verbs: ['get', 'patch', 'update'] }],
              },
            ],
            freshness: 'Current',
          },
        ],
      },
    ]);
    const generation = groups.generation;
    apiServices.set([remote('things.example.com', 'v1', false), remote('down.example.com', 'v1', false)]);
    assert.ok(groups.generation > generation, 'discovery changes with availability');
    assert.deepEqual(groups.discoveryItems().map((i) => i.versions.map((v) => v.freshness)), [['Stale'], ['Stale']]);
    assert.ok('resources' in groups.discoveryItems()[1].versions[0], 'the resources last fetched stay');
    apiServices.set([]);
    assert.deepEqual(groups.discoveryItems(), []);
    assert.deepEqual([...groups.groups()], []);
    groups.stop();
  });

  it('knows where each available server serves its group/version\'s OpenAPI v3 document', async () => {
    const apiServices = source([remote('things.example.com', 'v1', true), remote('down.example.com', 'v1', false)]);
    const groups = new AggregatedGroups(apiServices, async () => gadgets, undefined, async (a) => `/openapi/v3/apis/${a.spec!.group}/${a.spec!.version}?hash=ABC`);
    await settle();
    assert.deepEqual([...groups.openApiPaths()], [['apis/things.example.com/v1', '/openapi/v3/apis/things.example.com/v1?hash=ABC']]);
    apiServices.set([remote('things.example.com', 'v1', false)]);
    assert.deepEqual([...groups.openApiPaths()], [], 'not while it is unavailable');
    groups.stop();
  });

  it('keeps each available server\'s OpenAPI v2 document, most preferred first, and changes its generation with them', async () => {
    const apiServices = source([remote('b.example.com', 'v1', true), remote('a.example.com', 'v1', true, [5000, 15]), remote('down.example.com', 'v1', false)]);
    const docs = new Map<string, { paths: Record<string, unknown> }>([
      ['b.example.com', { paths: { '/apis/b.example.com/v1': {} } }],
      ['a.example.com', { paths: { '/apis/a.example.com/v1': {} } }],
    ]);
    const groups = new AggregatedGroups(apiServices, async () => gadgets, undefined, undefined, async (a) => docs.get(a.spec!.group!));
    await settle();
    assert.deepEqual(groups.openApiV2Documents(), [docs.get('a.example.com'), docs.get('b.example.com')]);
    const generation = groups.generation;
    apiServices.set([remote('b.example.com', 'v1', false), remote('a.example.com', 'v1', true, [5000, 15])]);
    assert.deepEqual(groups.openApiV2Documents(), [docs.get('a.example.com')], 'not while it is unavailable');
    assert.ok(groups.generation > generation);
    groups.stop();
  });

  it('a server that fails to answer leaves discovery as it was', async () => {
    const groups = new AggregatedGroups(source([remote('things.example.com', 'v1', true)]), async () => {
      throw new Error('connection refused');
    });
    await settle();
    assert.deepEqual(groups.discoveryItems(), [{ metadata: { name: 'things.example.com', creationTimestamp: null }, versions: [{ version: 'v1', freshness: 'Stale' }] }]);
    assert.deepEqual([...groups.groups()], [['things.example.com', ['v1']]]);
    groups.stop();
  });
});

describe('compareKubeVersions', () => {
  it('orders GA before beta before alpha, higher numbers first, other names last', () => {
    assert.deepEqual(['v1alpha1', 'foo', 'v2beta1', 'v1', 'v2', 'v1beta2', 'v1beta1', 'bar'].sort(compareKubeVersions), ['v2', 'v1', 'v2beta1', 'v1beta2', 'v1beta1', 'v1alpha1', 'bar', 'foo']);
  });
});
