// ResourceQuota's status writes against a real etcd: two registry replicas (two stores on two etcd
// clients), each admitting its writes through its own admission replica's ResourceQuota plugin,
// whose usage goes through writeQuotaUsage (what the registry's UpdateQuotaUsage runs). The quota
// controller computes the quota's first status and recalculates it after deletions. Under
// concurrent creates no admitted usage is lost and none is counted twice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdmissionChain, type AdmissionAttributes } from '@kapi/admission-chain';
import { builtinPlugins, type PluginContext } from '@kapi/admission-plugins';
import { isStatusError, type KubeObject } from '@kapi/api-machinery';
import { GenericStore, type AdmissionHook, type AdmissionRequest, type WriteContext } from '@kapi/generic-registry';
import { Informer, type ObjectLike, type ResourceRef } from '@kapi/informer';
import { configMapStrategy, resourceQuotaStrategy } from '@kapi/kinds';
import { freePort, startEtcd, type EtcdHandle } from '@kapi/local-stack';
import { ResourceQuotaController } from '@kapi/quota';
import { EtcdBackend } from '@kapi/storage';
import { writeQuotaUsage } from './quota-usage.js';

const ctx: WriteContext = { user: { username: 'alice', uid: '', groups: ['system:authenticated'], extra: {} }, dryRun: false, fieldManager: 'test' };
const NAMESPACE = 'team';

/** What the admission service makes of the registry's request. */
const attributesOf = (r: AdmissionRequest): AdmissionAttributes => ({
  operation: r.operation,
  kind: r.kind,
  resource: { ...r.resource, namespace: r.namespace },
  subresource: r.subresource,
  name: r.name,
  object: r.object,
  oldObject: r.oldObject,
  user: { username: r.user.username, uid: r.user.uid, groups: r.user.groups },
  dryRun: r.dryRun,
});

/** Status writes refused for a conflict, over all replicas. */
let conflicts = 0;

/** One registry replica with its admission replica: the quota store, and a configmap store admitted by ResourceQuota. */
function replica(backend: EtcdBackend) {
  const quotas = new GenericStore(resourceQuotaStrategy, backend, { mutate: async (r) => r.object, validate: async () => {} });
  // An informer that lags: it holds what the test last gave it and never sees the writes, so each
  // replica starts from a stale copy of the quota and its writes conflict with the other's.
  const informer = new Informer<KubeObject>({ group: '', version: 'v1', resource: 'resourcequotas' }, { synced: true, waitUntilSynced: async () => true });
  const context: PluginContext = {
    informers: { informerFor: <T extends ObjectLike>(_ref: ResourceRef) => informer as unknown as Informer<T> },
    api: {
      get: async (_ref, namespace, name) => quotas.get(namespace, name).catch(() => undefined),
      list: async (_ref, namespace) => (await quotas.list({ namespace })).items,
    },
    authorizer: { allowed: async () => false, decide: async () => ({ decision: 'NoOpinion', reason: '' }) },
    settings: { enable: [], disable: [], defaultNotReadyTolerationSeconds: 300, defaultUnreachableTolerationSeconds: 300, pluginConfig: () => undefined },
    quotaStatus: {
      updateUsed: (namespace, name, resourceVersion, used) =>
        writeQuotaUsage(quotas, { namespace, name, resourceVersion, used: Buffer.from(JSON.stringify(used)) }).catch((err) => {
          if (isStatusError(err) && err.httpCode === 409) conflicts++;
          throw err;
        }),
    },
  };
  const chain = new AdmissionChain().register(builtinPlugins().factory('ResourceQuota')!(context));
  const admission: AdmissionHook = { mutate: async (r) => r.object, validate: (r) => chain.validate(attributesOf(r)) };
  return { quotas, configMaps: new GenericStore(configMapStrategy, backend, admission), informer };
}

describe('ResourceQuota status writes on etcd', () => {
  let etcd: EtcdHandle;
  let dir: string;
  let backends: EtcdBackend[];
  let replicas: ReturnType<typeof replica>[];

  const controllerOn = (r: ReturnType<typeof replica>) =>
    new ResourceQuotaController(
      {
        listQuotas: async () => (await r.quotas.list({})).items,
        getQuota: (namespace, name) => r.quotas.get(namespace, name).catch(() => undefined),
        listObjects: async (_resource, namespace) => (await r.configMaps.list({ namespace })).items,
        updateStatus: async (quota, status) => void (await r.quotas.update(NAMESPACE, quota.metadata?.name ?? '', { ...quota, status }, ctx, 'status')),
      },
      { resyncPeriodMs: 3_600_000 },
    );
  /** The quota controller's pass, after which the replicas' informers show the quota as it then is. */
  const recalculate = async () => {
    const controller = controllerOn(replicas[0]);
    await controller.start();
    await controller.idle();
    await controller.stop();
    const quotas = (await replicas[0].quotas.list({ namespace: NAMESPACE })).items;
    for (const r of replicas) r.informer.replace('resourcequotas', quotas);
  };
  const usedConfigMaps = async () => ((await replicas[0].quotas.get(NAMESPACE, 'objects')).status as { used: Record<string, string> }).used.configmaps;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kapi-quota-'));
    etcd = await startEtcd({ dataDir: join(dir, 'etcd'), clientPort: await freePort(), peerPort: await freePort() });
    backends = [new EtcdBackend({ endpoints: etcd.endpoints }), new EtcdBackend({ endpoints: etcd.endpoints })];
    replicas = backends.map(replica);
  });

  after(async () => {
    for (const b of backends) await b.close();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records every admitted create exactly once, up to the limit, with two replicas writing at once', async () => {
    await replicas[0].configMaps.create(NAMESPACE, { metadata: { name: 'before-the-quota' } }, ctx);
    await replicas[0].quotas.create(NAMESPACE, { metadata: { name: 'objects' }, spec: { hard: { configmaps: '40' } } }, ctx);
    await recalculate();
    assert.equal(await usedConfigMaps(), '1');

    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => replicas[i % 2].configMaps.create(NAMESPACE, { metadata: { name: `c${i}` } } as KubeObject, ctx)),
    );
    const created = results.filter((r) => r.status === 'fulfilled').length;
    const refusals = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    for (const err of refusals) {
      assert.ok(isStatusError(err), String(err));
      // Past the limit: kube's 403; a request whose writes kept conflicting: kube's 409.
      assert.ok(
        /^configmaps "c\d+" is forbidden: exceeded quota: objects, requested: configmaps=1, used: configmaps=40, limited: configmaps=40$/.test(err.message) || err.httpCode === 409,
        err.message,
      );
    }
    const stored = (await replicas[0].configMaps.list({ namespace: NAMESPACE })).items.length;
    assert.equal(stored, created + 1);
    assert.ok(stored <= 40, `${stored} configmaps stored`);
    // No lost update and no double count: the usage is exactly what is stored.
    assert.equal(await usedConfigMaps(), String(stored));
    assert.ok(refusals.some((err) => isStatusError(err) && err.httpCode === 403), 'some creates went past the limit');
    // Both replicas started from the same stale quota: the writes did meet.
    assert.ok(conflicts > 0, 'no status write conflicted');
  });

  it('gives back what deleted objects used once the controller recalculates', async () => {
    const names = (await replicas[0].configMaps.list({ namespace: NAMESPACE })).items.map((c) => c.metadata?.name ?? '');
    for (const name of names.slice(0, 5)) await replicas[1].configMaps.delete(NAMESPACE, name, {}, ctx);
    await recalculate();
    assert.equal(await usedConfigMaps(), String(names.length - 5));
    await replicas[1].configMaps.create(NAMESPACE, { metadata: { name: 'after' } }, ctx);
    assert.equal(await usedConfigMaps(), String(names.length - 4));
  });
});
