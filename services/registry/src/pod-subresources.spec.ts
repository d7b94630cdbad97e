import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { notFound, type KubeObject, type StatusError } from '@kapi/api-machinery';
import type { WriteContext } from '@kapi/generic-registry';
import { PodSubresources } from './pod-subresources.js';
import type { Registry } from './registry.js';

const ctx: WriteContext = { user: { username: 'u', uid: '', groups: [], extra: {} }, dryRun: false, fieldManager: 'test' };

/** An in-memory registry with the few store calls the pod subresources make. */
function fakeRegistry(objects: Record<string, KubeObject[]>) {
  const deleted: string[] = [];
  const find = (resource: string, name: string) => {
    const found = (objects[resource] ?? []).find((o) => o.metadata?.name === name);
    if (!found) throw notFound({ group: '', resource }, name);
    return found;
  };
  const store = (resource: string) => ({
    admitSubresource: async (_op: string, _ns: string | undefined, _name: string, _sub: string, body: KubeObject) => body,
    get: async (_ns: string | undefined, name: string) => structuredClone(find(resource, name)),
    list: async () => ({ items: structuredClone(objects[resource] ?? []) }),
    delete: async (_ns: string | undefined, name: string) => {
      deleted.push(`${resource}/${name}`);
      objects[resource] = objects[resource].filter((o) => o.metadata?.name !== name);
    },
    update: async (_ns: string | undefined, name: string, obj: KubeObject) => {
      objects[resource] = objects[resource].map((o) => (o.metadata?.name === name ? obj : o));
      return obj;
    },
    updateStored: async (_ns: string | undefined, name: string, transform: (o: KubeObject) => KubeObject) => {
      const next = transform(structuredClone(find(resource, name)));
      objects[resource] = objects[resource].map((o) => (o.metadata?.name === name ? next : o));
      return next;
    },
  });
  const registry = { store: (_group: string, resource: string) => store(resource) } as unknown as Registry;
  return { subresources: new PodSubresources(registry), deleted, objects };
}

const pod = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({
  metadata: { name, namespace: 'ns', labels: { app: 'web' } },
  spec: { containers: [{ name: 'web' }, { name: 'sidecar' }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  ...extra,
});
const pdb = (status: Record<string, unknown>): KubeObject => ({ metadata: { name: 'guard', namespace: 'ns', generation: 1 }, spec: { selector: { matchLabels: { app: 'web' } } }, status });
/** The code, message and first cause of the StatusError a call fails with. */
async function refused(call: Promise<unknown>): Promise<(string | number | undefined)[]> {
  try {
    await call;
  } catch (err) {
    const e = err as StatusError;
    return [e.httpCode, e.message, e.details?.causes?.[0]?.message];
  }
  return assert.fail('expected the call to fail');
}

describe('PodSubresources.bind', () => {
  it('sets the node and PodScheduled, and refuses a second binding with 409', async () => {
    const { subresources, objects } = fakeRegistry({ pods: [pod('web')] });
    const binding = { metadata: { name: 'web' }, target: { kind: 'Node', name: 'n1' } };
    assert.equal((await subresources.bind('ns', 'web', binding, ctx)).code, 201);
    const bound = objects.pods[0];
    assert.equal((bound.spec as { nodeName: string }).nodeName, 'n1');
    assert.deepEqual(
      (bound.status as { conditions: { type: string; status: string }[] }).conditions.map((c) => `${c.type}=${c.status}`),
      ['Ready=True', 'PodScheduled=True'],
    );
    const again = await refused(subresources.bind('ns', 'web', binding, ctx));
    assert.deepEqual(again, [409, 'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "n1"', undefined]);
    assert.deepEqual(await refused(subresources.bind('ns', 'web', { ...binding, metadata: { name: 'other' } }, ctx)), [400, 'name in URL does not match name in Binding object', undefined]);
    assert.deepEqual(await refused(subresources.bind('ns', 'web', { metadata: { name: 'web' }, target: {} }, ctx)), [422, 'Binding "web" is invalid: target.name: Required value', 'Required value']);
  });
});

describe('PodSubresources.evict', () => {
  const eviction = (name: string) => ({ metadata: { name } });

  it('deletes a pod no budget covers, and a pending one whatever its budget', async () => {
    const { subresources, deleted } = fakeRegistry({ pods: [pod('a', { metadata: { name: 'a', labels: { app: 'other' } } }), pod('b', { status: { phase: 'Pending' } })], poddisruptionbudgets: [pdb({})] });
    await subresources.evict('ns', 'a', eviction('a'), ctx);
    await subresources.evict('ns', 'b', eviction('b'), ctx);
    assert.deepEqual(deleted, ['pods/a', 'pods/b']);
  });

  it('refuses with 429 while the budget is unprocessed or spent, and spends it otherwise', async () => {
    const unprocessed = fakeRegistry({ pods: [pod('web')], poddisruptionbudgets: [pdb({ disruptionsAllowed: 1 })] });
    assert.deepEqual(await refused(unprocessed.subresources.evict('ns', 'web', eviction('web'), ctx)), [
      429,
      "Cannot evict pod as it would violate the pod's disruption budget.",
      'The disruption budget guard is still being processed by the server.',
    ]);
    const spent = fakeRegistry({ pods: [pod('web')], poddisruptionbudgets: [pdb({ observedGeneration: 1, disruptionsAllowed: 0, desiredHealthy: 2, currentHealthy: 2 })] });
    assert.deepEqual(await refused(spent.subresources.evict('ns', 'web', eviction('web'), ctx)), [429, "Cannot evict pod as it would violate the pod's disruption budget.", 'The disruption budget guard needs 2 healthy pods and has 2 currently']);
    assert.deepEqual(spent.deleted, []);

    const room = fakeRegistry({ pods: [pod('web')], poddisruptionbudgets: [pdb({ observedGeneration: 1, disruptionsAllowed: 1, desiredHealthy: 1, currentHealthy: 2 })] });
    assert.equal((await room.subresources.evict('ns', 'web', eviction('web'), ctx)).status, 'Success');
    assert.deepEqual(room.deleted, ['pods/web']);
    const status = room.objects.poddisruptionbudgets[0].status as { disruptionsAllowed: number; disruptedPods: Record<string, string>; conditions: { reason: string }[] };
    assert.equal(status.disruptionsAllowed, 0);
    assert.deepEqual(Object.keys(status.disruptedPods), ['web']);
    assert.equal(status.conditions[0].reason, 'InsufficientPods');
  });

  it('answers 500 when two budgets cover the pod', async () => {
    const { subresources } = fakeRegistry({ pods: [pod('web')], poddisruptionbudgets: [pdb({}), { ...pdb({}), metadata: { name: 'second', generation: 1 } }] });
    const [code, message] = await refused(subresources.evict('ns', 'web', eviction('web'), ctx));
    assert.deepEqual([code, message], [500, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.']);
  });
});

describe('PodSubresources.connect', () => {
  it('answers what kube answers before dialing a kubelet', async () => {
    const { subresources } = fakeRegistry({ pods: [pod('web', { status: { phase: 'Pending' } }), pod('bound', { spec: { nodeName: 'gone', containers: [{ name: 'c' }] } })], nodes: [] });
    assert.deepEqual(await refused(subresources.connect('ns', 'web', 'exec', '')), [400, 'a container name must be specified for pod web, choose one of: [web sidecar]', undefined]);
    assert.deepEqual(await refused(subresources.connect('ns', 'web', 'exec', '?container=nope')), [400, 'container nope is not valid for pod web', undefined]);
    assert.deepEqual(await refused(subresources.connect('ns', 'web', 'attach', '?container=web')), [400, 'pod web does not have a host assigned', undefined]);
    assert.deepEqual(await refused(subresources.connect('ns', 'web', 'portforward', '')), [400, 'pod web does not have a host assigned', undefined]);
    assert.equal(await subresources.connect('ns', 'web', 'log', '?container=web'), '');
    assert.deepEqual(await refused(subresources.connect('ns', 'web', 'proxy', '')), [400, 'address not allowed', undefined]);
    assert.deepEqual(await refused(subresources.connect('ns', 'bound', 'log', '')), [404, 'nodes "gone" not found', undefined]);
    assert.deepEqual(await refused(subresources.connectNode('gone', '')), [404, 'nodes "gone" not found', undefined]);
  });
});
