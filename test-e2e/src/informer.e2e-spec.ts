// The official JavaScript client against kapi: CRUD, and an informer that stays equal to a fresh list
// while hundreds of configmaps churn.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, KubeConfig, makeInformer, PatchStrategy, setHeaderOptions, type V1ConfigMap } from '@kubernetes/client-node';
import { eventually, startTestStack, type TestStack } from './harness.js';

describe('@kubernetes/client-node', () => {
  let stack: TestStack;
  let kc: KubeConfig;
  let core: CoreV1Api;

  before(async () => {
    stack = await startTestStack();
    kc = new KubeConfig();
    kc.loadFromFile(stack.handle.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'informed' } } });
  });

  after(async () => {
    await stack?.stop();
  });

  it('creates, reads, replaces and deletes a configmap, with 409 on a stale replace', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: 'informed', body: { metadata: { name: 'crud' }, data: { a: '1' } } });
    assert.equal(created.metadata?.name, 'crud');
    const read = await core.readNamespacedConfigMap({ name: 'crud', namespace: 'informed' });
    assert.deepEqual(read.data, { a: '1' });
    const replaced = await core.replaceNamespacedConfigMap({ name: 'crud', namespace: 'informed', body: { ...read, data: { a: '2' } } });
    assert.deepEqual(replaced.data, { a: '2' });
    assert.notEqual(replaced.metadata?.resourceVersion, read.metadata?.resourceVersion);
    await assert.rejects(
      core.replaceNamespacedConfigMap({ name: 'crud', namespace: 'informed', body: { ...read, data: { a: '3' } } }),
      (err: { code?: number }) => err.code === 409,
    );
    await core.deleteNamespacedConfigMap({ name: 'crud', namespace: 'informed' });
    await assert.rejects(core.readNamespacedConfigMap({ name: 'crud', namespace: 'informed' }), (err: { code?: number }) => err.code === 404);
  });

  it('keeps an informer equal to a fresh list while objects churn', async () => {
    const informer = makeInformer(kc, '/api/v1/namespaces/informed/configmaps', () => core.listNamespacedConfigMap({ namespace: 'informed' }));
    const errors: unknown[] = [];
    informer.on('error', (err) => errors.push(err));
    await informer.start();
    try {
      const names = Array.from({ length: 200 }, (_, i) => `churn-${i}`);
      // Bounded churn: every name is created, half are updated, a third deleted.
      for (let i = 0; i < names.length; i += 20) {
        await Promise.all(names.slice(i, i + 20).map((name) => core.createNamespacedConfigMap({ namespace: 'informed', body: { metadata: { name }, data: { v: '0' } } })));
      }
      for (let i = 0; i < names.length; i += 2) {
        await core.patchNamespacedConfigMap(
          { name: names[i], namespace: 'informed', body: { data: { v: '1' } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      }
      for (let i = 0; i < names.length; i += 3) {
        await core.deleteNamespacedConfigMap({ name: names[i], namespace: 'informed' });
      }
      await eventually(async () => {
        const fresh = await core.listNamespacedConfigMap({ namespace: 'informed' });
        const key = (o: V1ConfigMap) => `${o.metadata?.name}@${o.metadata?.resourceVersion}:${JSON.stringify(o.data)}`;
        const cached = informer.list('informed').map(key).sort();
        assert.deepEqual(cached, fresh.items.map(key).sort());
      }, 30_000);
      assert.deepEqual(errors, []);
    } finally {
      await informer.stop();
    }
  });
});
