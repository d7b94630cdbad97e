import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { alwaysPullImages } from './always-pull-images.js';
import { runtimeClass } from './runtime-class.js';
import { attributes, fakeContext, refusal } from './testing.fixture.js';

const pod = (spec: Record<string, unknown>): KubeObject => ({ metadata: { name: 'web', namespace: 'ns' }, spec });
const create = (p: KubeObject) => attributes('CREATE', 'pods', { namespace: 'ns', object: p });

describe('RuntimeClass', () => {
  const gvisor: KubeObject = {
    metadata: { name: 'gvisor' },
    handler: 'runsc',
    overhead: { podFixed: { cpu: '250m', memory: '120Mi' } },
    scheduling: { nodeSelector: { sandbox: 'yes' }, tolerations: [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }] },
  } as KubeObject;

  it('gives a pod its class\'s overhead and scheduling', async () => {
    const plugin = runtimeClass(fakeContext({ cached: { 'runtimeclasses.node.k8s.io': [gvisor] } }));
    const admitted = (await plugin.admit!(create(pod({ runtimeClassName: 'gvisor', nodeSelector: { zone: 'a' } }))))!;
    const spec = admitted.spec as Record<string, unknown>;
    assert.deepEqual(spec.overhead, { cpu: '250m', memory: '120Mi' });
    assert.deepEqual(spec.nodeSelector, { zone: 'a', sandbox: 'yes' });
    assert.deepEqual(spec.tolerations, [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }]);
    await plugin.validate!(create(admitted));
  });

  it('refuses a missing class (after a live lookup), a conflicting selector and a foreign overhead, in kube\'s words', async () => {
    const context = fakeContext({ cached: { 'runtimeclasses.node.k8s.io': [gvisor] } });
    const plugin = runtimeClass(context);
    assert.deepEqual(await refusal(plugin.admit!(create(pod({ runtimeClassName: 'kata' })))), [403, 'Forbidden', 'pods "web" is forbidden: pod rejected: RuntimeClass "kata" not found']);
    assert.deepEqual(context.liveReads, ['get runtimeclasses.node.k8s.io /kata']);
    assert.deepEqual((await refusal(plugin.admit!(create(pod({ runtimeClassName: 'gvisor', nodeSelector: { sandbox: 'no' } })))))[2], 'pods "web" is forbidden: conflict: runtimeClass.scheduling.nodeSelector[sandbox] = yes; pod.spec.nodeSelector[sandbox] = no');
    assert.deepEqual((await refusal(plugin.admit!(create(pod({ runtimeClassName: 'gvisor', overhead: { cpu: '1' } })))))[2], "pods \"web\" is forbidden: pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
    assert.deepEqual((await refusal(plugin.validate!(create(pod({ overhead: { cpu: '1' } })))))[2], 'pods "web" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
  });
});

describe('AlwaysPullImages', () => {
  it('makes every container pull always, and lets an update without a new image be', async () => {
    const plugin = alwaysPullImages();
    const spec = { initContainers: [{ name: 'i', image: 'busybox', imagePullPolicy: 'IfNotPresent' }], containers: [{ name: 'c', image: 'nginx', imagePullPolicy: 'Never' }] };
    const admitted = (await plugin.admit!(create(pod(structuredClone(spec)))))!;
    assert.deepEqual((admitted.spec as any).containers.map((c: any) => c.imagePullPolicy), ['Always']);
    assert.deepEqual((admitted.spec as any).initContainers.map((c: any) => c.imagePullPolicy), ['Always']);
    await plugin.validate!(create(admitted));
    assert.equal(await plugin.admit!(attributes('UPDATE', 'pods', { namespace: 'ns', object: pod(structuredClone(spec)), oldObject: pod(spec) })), undefined);
  });

  it('answers a pod that does not pull always as kube does: an aggregate of Forbidden errors, which is a 500', async () => {
    const [code, reason, message] = await refusal(alwaysPullImages().validate!(create(pod({ containers: [{ name: 'c', image: 'nginx', imagePullPolicy: 'IfNotPresent' }, { name: 'd', image: 'redis' }] }))));
    assert.deepEqual([code, reason], [500, '']);
    assert.equal(message, '[pods "web" is forbidden: spec.containers[0].imagePullPolicy: Unsupported value: "IfNotPresent": supported values: "Always", pods "web" is forbidden: spec.containers[1].imagePullPolicy: Unsupported value: "": supported values: "Always"]');
  });
});
