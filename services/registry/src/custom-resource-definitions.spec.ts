import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { CustomResourceKinds, type CustomResourceDefinition } from '@kapi/kinds';
import { CustomResourceDefinitions } from './custom-resource-definitions.js';
import type { EventPublisher } from './event-publisher.js';
import type { Registry } from './registry.js';

const logger = { warn: () => {}, info: () => {}, debug: () => {}, error: () => {} };

/** Stores that keep objects in maps and record the writes, enough for the controller. */
function fakeRegistry() {
  const crdWrites: { subresource: string; obj: CustomResourceDefinition }[] = [];
  const apiServices = new Map<string, KubeObject>();
  const widgets = new Map<string, KubeObject>();
  let rv = 100;
  const registry = {
    backend: {},
    customResources: new CustomResourceKinds(),
    store: (_group: string, resource: string) =>
      resource === 'customresourcedefinitions'
        ? {
            update: async (_ns: string | undefined, _name: string, obj: CustomResourceDefinition, _ctx: unknown, subresource = '') => {
              const written = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
              crdWrites.push({ subresource, obj: written });
              return written;
            },
          }
        : {
            list: async () => ({ items: [...apiServices.values()] }),
            create: async (_ns: undefined, obj: KubeObject) => void apiServices.set(obj.metadata!.name!, obj),
            delete: async (_ns: undefined, name: string) => void apiServices.delete(name),
          },
    storeFor: () => ({
      list: async () => ({ items: [...widgets.values()] }),
      delete: async (_ns: string, name: string) => void widgets.delete(name),
    }),
  };
  return { registry: registry as unknown as Registry, crdWrites, apiServices, widgets };
}

const crd = (name: string, names: Record<string, unknown>, extra: Partial<CustomResourceDefinition> = {}): CustomResourceDefinition => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name, resourceVersion: '1', ...extra.metadata },
  spec: { group: 'demo.kapi.io', scope: 'Namespaced', names, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] },
  status: { acceptedNames: { plural: '', kind: '' }, storedVersions: ['v1'], ...extra.status },
});

function controller(leading = true) {
  const fake = fakeRegistry();
  const c = new CustomResourceDefinitions(fake.registry, { leading } as EventPublisher, logger as never);
  return { c, ...fake };
}

describe('CustomResourceDefinitions', () => {
  it('establishes a new CRD, serves it once the write comes back, and registers its APIService', async () => {
    const { c, registry, crdWrites, apiServices } = controller();
    c.listed([crd('widgets.demo.kapi.io', { plural: 'widgets', kind: 'Widget', listKind: 'WidgetList', singular: 'widget' })]);
    await c.idle();
    assert.equal(crdWrites.length, 1);
    const written = crdWrites[0];
    assert.equal(written.subresource, 'status');
    assert.deepEqual(
      written.obj.status?.conditions?.map((x) => [x.type, x.status, x.reason]),
      [
        ['NamesAccepted', 'True', 'NoConflicts'],
        ['Established', 'True', 'InitialNamesAccepted'],
      ],
    );
    assert.equal(registry.customResources.lookup('demo.kapi.io', 'widgets'), undefined, 'not served before the established CRD is read back');
    c.changed('widgets.demo.kapi.io', written.obj);
    await c.idle();
    assert.equal(registry.customResources.lookup('demo.kapi.io', 'widgets')?.info.kind, 'Widget');
    assert.equal(crdWrites.length, 1, 'a status that says it all is not written again');
    assert.deepEqual(apiServices.get('v1.demo.kapi.io')?.spec, { group: 'demo.kapi.io', version: 'v1', groupPriorityMinimum: 1000, versionPriority: 100 });
    c.changed('widgets.demo.kapi.io', undefined);
    await c.idle();
    assert.equal(registry.customResources.lookup('demo.kapi.io', 'widgets'), undefined);
    assert.equal(apiServices.size, 0, 'the APIService goes with the last CRD of its group/version');
  });

  it('does nothing while another replica leads', async () => {
    const { c, crdWrites } = controller(false);
    c.listed([crd('widgets.demo.kapi.io', { plural: 'widgets', kind: 'Widget' })]);
    await c.idle();
    assert.deepEqual(crdWrites, []);
  });

  it('deletes a deleted CRD’s objects, then its finalizer', async () => {
    const { c, crdWrites, widgets } = controller();
    widgets.set('w1', { metadata: { name: 'w1', namespace: 'default' } });
    const deleting = crd(
      'widgets.demo.kapi.io',
      { plural: 'widgets', kind: 'Widget' },
      {
        metadata: { name: 'widgets.demo.kapi.io', resourceVersion: '5', deletionTimestamp: '2026-12-07T19:00:00Z', finalizers: ['customresourcecleanup.apiextensions.k8s.io'] },
        status: { acceptedNames: { plural: 'widgets', kind: 'Widget' }, conditions: [{ type: 'Established', status: 'True' }] },
      },
    );
    c.listed([deleting]);
    await c.idle();
    assert.equal(widgets.size, 0);
    const terminating = crdWrites.map((w) => w.obj.status?.conditions?.find((x) => x.type === 'Terminating'));
    assert.deepEqual(
      terminating.map((t) => [t?.status, t?.reason, t?.message]),
      [
        ['True', 'InstanceDeletionInProgress', 'CustomResource deletion is in progress'],
        ['False', 'InstanceDeletionCompleted', 'removed all instances'],
        ['False', 'InstanceDeletionCompleted', 'removed all instances'],
      ],
    );
    assert.deepEqual(crdWrites.at(-1)?.obj.metadata?.finalizers, [], 'the last write removes the finalizer');
    assert.deepEqual(crdWrites.map((w) => w.subresource), ['status', 'status', '']);
  });
});
