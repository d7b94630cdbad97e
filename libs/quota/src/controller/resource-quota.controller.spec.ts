import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { conflict, OPTIMISTIC_LOCK_MESSAGE, type KubeObject } from '@kapi/api-machinery';
import type { GroupResource } from '../evaluator.js';
import { object, pod, quota } from '../testing.fixture.js';
import { ResourceQuotaController, type QuotaControllerSource } from './resource-quota.controller.js';
import type { QuotaStatusJson } from './resource-quota.reconcile.js';

/** A cluster in memory: quotas and objects by resource, and every status the controller wrote. */
function cluster(quotas: KubeObject[], objects: Record<string, KubeObject[]>) {
  const stored = new Map(quotas.map((q) => [`${q.metadata?.namespace}/${q.metadata?.name}`, q]));
  const writes: { quota: string; status: QuotaStatusJson }[] = [];
  const failures: string[] = [];
  let conflictsLeft = 0;
  let listFailure: string | undefined;
  const source: QuotaControllerSource = {
    listQuotas: async () => [...stored.values()],
    getQuota: async (ns, name) => stored.get(`${ns}/${name}`),
    listObjects: async (gr: GroupResource, ns) => {
      if (listFailure === gr.resource) throw new Error(`${gr.resource} cannot be listed`);
      return (objects[gr.group ? `${gr.resource}.${gr.group}` : gr.resource] ?? []).filter((o) => o.metadata?.namespace === ns);
    },
    updateStatus: async (q, status) => {
      const key = `${q.metadata?.namespace}/${q.metadata?.name}`;
      if (conflictsLeft > 0) {
        conflictsLeft--;
        throw conflict({ group: '', resource: 'resourcequotas' }, q.metadata?.name ?? '', OPTIMISTIC_LOCK_MESSAGE);
      }
      writes.push({ quota: key, status });
      stored.set(key, { ...q, metadata: { ...q.metadata, resourceVersion: String(Number(q.metadata?.resourceVersion) + 1) }, status });
    },
  };
  return {
    source,
    stored,
    writes,
    failures,
    conflictOnce: () => (conflictsLeft = 1),
    failListing: (resource: string | undefined) => (listFailure = resource),
  };
}

const controllerOf = (c: ReturnType<typeof cluster>, resyncPeriodMs = 60_000) =>
  new ResourceQuotaController(c.source, {
    resyncPeriodMs,
    quotableResources: [{ group: 'apps', resource: 'deployments' }, { group: '', resource: 'events' }],
    onError: (key, err) => c.failures.push(`${key}: ${(err as Error).message}`),
  });

const pods = [
  pod('a', [{ requests: { cpu: '500m' }, limits: { cpu: '1' } }]),
  pod('b', [{ requests: { cpu: '250m' } }], { activeDeadlineSeconds: 60 }),
  pod('done', [{ requests: { cpu: '4' } }], {}, { status: { phase: 'Succeeded' } }),
  { ...pod('elsewhere', [{ requests: { cpu: '8' } }]), metadata: { name: 'elsewhere', namespace: 'other' } },
];

describe('ResourceQuotaController', () => {
  it('computes the status of every quota at start: spec.hard copied, usage summed over the namespace\'s objects in scope', async () => {
    const c = cluster(
      [
        quota('compute', { pods: '5', 'requests.cpu': '2', 'count/pods': '10', 'count/deployments.apps': '2', configmaps: '3' }),
        quota('short', { pods: '5' }, undefined, { scopes: ['Terminating'] }),
      ],
      { pods, 'deployments.apps': [object('Deployment', 'd')], configmaps: [] },
    );
    const controller = controllerOf(c);
    await controller.start();
    await controller.idle();
    await controller.stop();
    assert.deepEqual(Object.fromEntries(c.writes.map((w) => [w.quota, w.status])), {
      'ns/compute': {
        hard: { configmaps: '3', 'count/deployments.apps': '2', 'count/pods': '10', pods: '5', 'requests.cpu': '2' },
        used: { configmaps: '0', 'count/deployments.apps': '1', 'count/pods': '3', pods: '2', 'requests.cpu': '750m' },
      },
      'ns/short': { hard: { pods: '5' }, used: { pods: '1' } },
    });
  });

  it('recalculates the quotas that count a deleted object\'s resource in its namespace, and no others', async () => {
    const c = cluster([quota('pods', { pods: '5' }, { pods: '2' }), quota('maps', { configmaps: '5' }, { configmaps: '0' }), quota('there', { pods: '5' }, { pods: '1' }, { namespace: 'other' })], { pods });
    const controller = controllerOf(c);
    await controller.start();
    await controller.idle();
    c.writes.length = 0;
    // Pod "a" is gone.
    const remaining = pods.slice(1);
    c.source.listObjects = async (gr, ns) => (gr.resource === 'pods' ? remaining.filter((p) => p.metadata?.namespace === ns) : []);
    controller.objectChanged({ group: '', resource: 'pods' }, 'ns', 'DELETED');
    await controller.idle();
    await controller.stop();
    assert.deepEqual(c.writes, [{ quota: 'ns/pods', status: { hard: { pods: '5' }, used: { pods: '1' } } }]);
  });

  it('follows updates that change usage (a pod turned terminal), not others, and a quota\'s spec.hard, not its status', async () => {
    const c = cluster([quota('pods', { pods: '5' }, { pods: '2' })], { pods: pods.slice(0, 2) });
    const controller = controllerOf(c);
    await controller.start();
    await controller.idle();
    const synced = () => c.writes.length;
    const before = synced();
    const running = pods[0];
    controller.objectChanged({ group: '', resource: 'pods' }, 'ns', 'MODIFIED', { ...running, metadata: { ...running.metadata, labels: { a: 'b' } } }, running);
    const stored = c.stored.get('ns/pods')!;
    controller.quotaChanged('MODIFIED', { ...stored, status: { hard: { pods: '5' }, used: { pods: '4' } } }, stored);
    await controller.idle();
    assert.equal(synced(), before);

    c.stored.set('ns/pods', { ...stored, status: { hard: { pods: '5' }, used: { pods: '4' } } });
    controller.objectChanged({ group: '', resource: 'pods' }, 'ns', 'MODIFIED', { ...running, status: { phase: 'Failed' } }, running);
    await controller.idle();
    assert.deepEqual(c.writes.at(-1)?.status.used, { pods: '2' });

    const changed = { ...c.stored.get('ns/pods')!, spec: { hard: { pods: '7' } } };
    c.stored.set('ns/pods', changed);
    controller.quotaChanged('MODIFIED', changed, stored);
    await controller.idle();
    await controller.stop();
    assert.deepEqual(c.writes.at(-1)?.status.hard, { pods: '7' });
  });

  it('retries a sync whose write conflicted, on the quota as stored then', async () => {
    const c = cluster([quota('pods', { pods: '5' })], { pods });
    c.conflictOnce();
    const controller = controllerOf(c);
    await controller.start();
    await new Promise((r) => setTimeout(r, 50));
    await controller.idle();
    await controller.stop();
    assert.equal(c.failures.length, 1);
    assert.match(c.failures[0], /^ns\/pods: Operation cannot be fulfilled on resourcequotas "pods"/);
    assert.deepEqual(c.writes.map((w) => w.status.used), [{ pods: '2' }]);
  });

  it('keeps the last usage of what cannot be listed, writes the rest, and reports the failure', async () => {
    const c = cluster([quota('mixed', { pods: '5', 'count/deployments.apps': '2' }, { pods: '9', 'count/deployments.apps': '0' })], { pods, 'deployments.apps': [object('Deployment', 'd')] });
    c.failListing('pods');
    const controller = controllerOf(c);
    await controller.start();
    await controller.idle();
    await controller.stop();
    assert.deepEqual(c.writes[0].status.used, { 'count/deployments.apps': '1', pods: '9' });
    assert.match(c.failures[0], /failed to list content: pods cannot be listed/);
  });

  it('recalculates every quota each resync period', async () => {
    const c = cluster([quota('pods', { pods: '5' }, { pods: '2' })], { pods });
    const controller = controllerOf(c, 20);
    await controller.start();
    await controller.idle();
    assert.equal(c.writes.length, 0);
    // Usage drifted (a pod was lost without an event): the next resync finds it.
    c.source.listObjects = async () => [];
    await new Promise((r) => setTimeout(r, 80));
    await controller.idle();
    await controller.stop();
    assert.deepEqual(c.writes.map((w) => w.status.used), [{ pods: '0' }]);
  });
});
