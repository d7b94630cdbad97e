import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { notFound, type KubeObject } from '@kapi/api-machinery';
import type { GenericStore, WriteContext } from '@kapi/generic-registry';
import { podAdmissionHooks } from './pod-admission.js';

const ctx: WriteContext = { user: { username: 'u', uid: '', groups: [], extra: {} }, dryRun: false, fieldManager: 'test' };

/** A store holding `objects` by name, answering get and list as the generic store does. */
function fakeStore(resource: string, objects: KubeObject[]): GenericStore {
  return {
    get: async (_ns: string | undefined, name: string) => {
      const found = objects.find((o) => o.metadata?.name === name);
      if (!found) throw notFound({ group: '', resource }, name);
      return found;
    },
    list: async () => ({ apiVersion: 'v1', kind: 'List', metadata: {}, items: objects }),
  } as unknown as GenericStore;
}

const admit = async (spec: Record<string, unknown>, stores: { accounts?: KubeObject[]; classes?: KubeObject[] } = {}) => {
  const hooks = podAdmissionHooks({
    serviceAccounts: () => fakeStore('serviceaccounts', stores.accounts ?? [{ metadata: { name: 'default' } }]),
    priorityClasses: () => fakeStore('priorityclasses', stores.classes ?? [{ metadata: { name: 'high' }, value: 1000 } as KubeObject]),
  });
  const pod: KubeObject = { metadata: { name: 'web', namespace: 'ns' }, spec };
  await hooks.beginCreate!(pod, ctx);
  return pod.spec as Record<string, unknown> & { containers: { volumeMounts?: unknown[] }[]; volumes?: { name: string }[] };
};

describe('podAdmissionHooks', () => {
  it('adds the default account with its token volume, the unreachable tolerations and priority 0', async () => {
    const spec = await admit({ containers: [{ name: 'c' }] });
    assert.equal(spec.serviceAccountName, 'default');
    assert.equal(spec.serviceAccount, 'default');
    const volume = spec.volumes![0];
    assert.match(volume.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(spec.containers[0].volumeMounts, [{ name: volume.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    assert.deepEqual(spec.tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    assert.deepEqual([spec.priority, spec.preemptionPolicy], [0, 'PreemptLowerPriority']);
  });

  it('mounts no token when the pod opts out, and keeps tolerations it already has', async () => {
    const spec = await admit({ containers: [{ name: 'c' }], automountServiceAccountToken: false, tolerations: [{ operator: 'Exists' }] });
    assert.equal(spec.volumes, undefined);
    assert.deepEqual(spec.tolerations, [{ operator: 'Exists' }]);
  });

  it('takes the priority of the named class and refuses what contradicts it', async () => {
    assert.equal((await admit({ containers: [], priorityClassName: 'high' })).priority, 1000);
    await assert.rejects(admit({ containers: [], priorityClassName: 'missing' }), { httpCode: 403, message: 'pods "web" is forbidden: no PriorityClass with name missing was found' });
    await assert.rejects(admit({ containers: [], priorityClassName: 'high', priority: 5 }), {
      message: 'pods "web" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
    });
  });

  it('refuses a pod whose service account does not exist', async () => {
    await assert.rejects(admit({ containers: [], serviceAccountName: 'robot' }), {
      httpCode: 403,
      message: 'pods "web" is forbidden: error looking up service account ns/robot: serviceaccount "robot" not found',
    });
  });
});
