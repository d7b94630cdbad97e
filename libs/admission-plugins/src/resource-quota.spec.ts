import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { conflict, OPTIMISTIC_LOCK_MESSAGE, type KubeObject } from '@kapi/api-machinery';
import { ConfigError } from '@kapi/config';
import { parseResourceQuotaConfiguration, resourceQuota } from './resource-quota.js';
import { attributes, fakeContext, refusal, type FakeCluster } from './testing.fixture.js';

const quota = (name: string, hard: Record<string, string>, used?: Record<string, string>, resourceVersion = '10'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name, namespace: 'ns', resourceVersion },
  spec: { hard },
  status: used ? { hard, used } : {},
});
const configMap = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' } });
const pod = (name: string, resources: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', resourceVersion: '3' },
  spec: { containers: [{ name, image: 'nginx', resources }] },
});
const create = (resource: string, object: KubeObject, more: Parameters<typeof attributes>[2] = {}) => attributes('CREATE', resource, { namespace: 'ns', object, ...more });

function setup(cluster: FakeCluster) {
  const context = fakeContext(cluster);
  return { context, plugin: resourceQuota(context) };
}

describe('ResourceQuota', () => {
  it('admits what fits and records the new usage in the quota\'s status, at the version it read', async () => {
    const { context, plugin } = setup({ cached: { resourcequotas: [quota('compute', { pods: '2', 'requests.cpu': '1' }, { pods: '0', 'requests.cpu': '0' })] } });
    await plugin.validate!(create('pods', pod('web', { requests: { cpu: '600m' } })));
    assert.deepEqual(context.quotaWrites, [{ quota: 'ns/compute@10', used: { pods: '1', 'requests.cpu': '600m' } }]);
  });

  it('refuses in kube\'s words, a 403 naming the object', async () => {
    const { context, plugin } = setup({ cached: { resourcequotas: [quota('compute', { configmaps: '3' }, { configmaps: '3' })] } });
    assert.deepEqual(await refusal(plugin.validate!(create('configmaps', configMap('c')))), [
      403,
      'Forbidden',
      'configmaps "c" is forbidden: exceeded quota: compute, requested: configmaps=1, used: configmaps=3, limited: configmaps=3',
    ]);
    // A quota that limits configmaps alone leaves pods be.
    await plugin.validate!(create('pods', pod('p0')));
    assert.deepEqual(context.quotaWrites, []);
  });

  it('charges concurrent creates of one namespace exactly, up to the limit, never past it', async () => {
    const { context, plugin } = setup({ cached: { resourcequotas: [quota('objects', { configmaps: '3' }, { configmaps: '0' })] } });
    const results = await Promise.allSettled(['a', 'b', 'c', 'd', 'e'].map((n) => plugin.validate!(create('configmaps', configMap(n)))));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
    // The first request is a batch of its own; the four that arrived meanwhile are the next one, one write for all.
    assert.deepEqual(context.quotaWrites.map((w) => w.used.configmaps), ['1', '3']);
  });

  it('checks a dry run without recording it', async () => {
    const { context, plugin } = setup({ cached: { resourcequotas: [quota('objects', { configmaps: '1' }, { configmaps: '0' })] } });
    await plugin.validate!(create('configmaps', configMap('a'), { dryRun: true }));
    assert.deepEqual(context.quotaWrites, []);
  });

  it('after a conflicting write, checks again on the quota as it now stands', async () => {
    const stale = quota('objects', { configmaps: '3' }, { configmaps: '1' }, '10');
    const current = quota('objects', { configmaps: '3' }, { configmaps: '2' }, '11');
    const writes: string[] = [];
    const { plugin } = setup({
      cached: { resourcequotas: [stale] },
      live: { resourcequotas: [current] },
      quotaStatus: {
        async updateUsed(namespace, name, resourceVersion, used) {
          writes.push(`${resourceVersion}: ${used.configmaps}`);
          if (resourceVersion === '10') throw conflict({ group: '', resource: 'resourcequotas' }, name, OPTIMISTIC_LOCK_MESSAGE);
          return { ...current, metadata: { ...current.metadata, resourceVersion: '12' }, status: { ...(current.status as object), used } };
        },
      },
    });
    await plugin.validate!(create('configmaps', configMap('a')));
    assert.deepEqual(writes, ['10: 2', '11: 3']);
    // The next request builds on the write just made, though the informer has not seen it yet.
    assert.deepEqual(await refusal(plugin.validate!(create('configmaps', configMap('b')))), [
      403,
      'Forbidden',
      'configmaps "b" is forbidden: exceeded quota: objects, requested: configmaps=1, used: configmaps=3, limited: configmaps=3',
    ]);
  });

  it('gives up after ten more conflicts with kube\'s 409', async () => {
    let attempts = 0;
    const { plugin } = setup({
      cached: { resourcequotas: [quota('objects', { configmaps: '3' }, { configmaps: '0' })] },
      quotaStatus: {
        async updateUsed(_ns, name) {
          attempts++;
          throw conflict({ group: '', resource: 'resourcequotas' }, name, OPTIMISTIC_LOCK_MESSAGE);
        },
      },
    });
    assert.deepEqual(await refusal(plugin.validate!(create('configmaps', configMap('a')))), [
      409,
      'Conflict',
      'Operation cannot be fulfilled on resourcequotas "objects": the object has been modified; please apply your changes to the latest version and try again',
    ]);
    assert.equal(attempts, 11);
  });

  it('reads a namespace\'s quotas live while the informer holds none, and remembers the answer', async () => {
    const { context, plugin } = setup({ live: { resourcequotas: [quota('objects', { configmaps: '1' }, { configmaps: '1' })] } });
    await refusal(plugin.validate!(create('configmaps', configMap('a'))));
    await refusal(plugin.validate!(create('configmaps', configMap('b'))));
    assert.deepEqual(context.liveReads, ['list resourcequotas ns']);
  });

  it('leaves alone subresources but resize, cluster-scoped objects, new namespaces, events and updates that charge nothing', async () => {
    const { context, plugin } = setup({ cached: { resourcequotas: [quota('full', { pods: '0', configmaps: '0', 'count/events': '0', 'requests.cpu': '0' }, { pods: '0', configmaps: '0', 'count/events': '0', 'requests.cpu': '0' })] } });
    await plugin.validate!(attributes('UPDATE', 'pods', { namespace: 'ns', subresource: 'status', object: pod('a'), oldObject: pod('a') }));
    await plugin.validate!(attributes('CREATE', 'namespaces', { namespace: 'ns', object: { metadata: { name: 'ns' } } }));
    await plugin.validate!(attributes('CREATE', 'nodes', { object: { metadata: { name: 'n' } } }));
    await plugin.validate!(create('events', { metadata: { name: 'e' } }));
    await plugin.validate!(attributes('UPDATE', 'configmaps', { namespace: 'ns', object: configMap('a'), oldObject: configMap('a') }));
    const resize = attributes('UPDATE', 'pods', { namespace: 'ns', subresource: 'resize', object: pod('a', { requests: { cpu: '1' } }), oldObject: pod('a', { requests: { cpu: '500m' } }) });
    assert.deepEqual(await refusal(plugin.validate!(resize)), [403, 'Forbidden', 'pods "a" is forbidden: exceeded quota: full, requested: requests.cpu=500m, used: requests.cpu=0, limited: requests.cpu=0']);
    assert.deepEqual(context.quotaWrites, []);
  });

  it('requires a covering quota for the configuration\'s limitedResources', async () => {
    const { plugin } = setup({
      settings: { pluginConfig: () => ({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'ResourceQuotaConfiguration', limitedResources: [{ resource: 'pods', matchContains: ['requests.cpu'] }] }) },
    });
    assert.deepEqual(await refusal(plugin.validate!(create('pods', pod('p', { requests: { cpu: '1' } })))), [403, 'Forbidden', 'pods "p" is forbidden: insufficient quota to consume: requests.cpu']);
    await plugin.validate!(create('pods', pod('q')));
  });
});

describe('parseResourceQuotaConfiguration', () => {
  it('reads limitedResources and refuses an entry without a resource, as kube\'s validation does', () => {
    assert.deepEqual(parseResourceQuotaConfiguration(undefined), []);
    assert.deepEqual(parseResourceQuotaConfiguration({ apiVersion: 'resourcequota.admission.k8s.io/v1beta1', kind: 'Configuration', limitedResources: [{ resource: 'pods' }] }), [{ resource: 'pods' }]);
    assert.throws(
      () => parseResourceQuotaConfiguration({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'ResourceQuotaConfiguration', limitedResources: [{ apiGroup: '' }, { resource: 'pods' }] }),
      new ConfigError('ResourceQuota: invalid configuration: limitedResources[0].resource: Required value'),
    );
    assert.throws(() => parseResourceQuotaConfiguration({ kind: 'Nope' }), ConfigError);
  });

  it('stops the plugin\'s start without a status writer', () => {
    assert.throws(() => resourceQuota({ ...fakeContext(), quotaStatus: undefined }), /needs a writer of quota status/);
  });
});
