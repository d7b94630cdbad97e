import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { limitRanger, LIMIT_RANGER_ANNOTATION } from './limit-ranger.js';
import { attributes, fakeContext, refusal } from './testing.fixture.js';

// The LimitRange kube-apiserver v1.34 answered with below, as stored (its defaults filled in).
const limitRange: KubeObject = {
  metadata: { name: 'lr', namespace: 'ns' },
  spec: {
    limits: [
      {
        type: 'Container',
        max: { cpu: '1', memory: '1Gi' },
        min: { cpu: '100m' },
        default: { cpu: '500m', memory: '256Mi' },
        defaultRequest: { cpu: '200m', memory: '256Mi' },
        maxLimitRequestRatio: { cpu: '2' },
      },
      { type: 'Pod', max: { cpu: '2' } },
      { type: 'PersistentVolumeClaim', max: { storage: '2Gi' }, min: { storage: '1Gi' } },
    ],
  },
};
const pod = (name: string, resources?: Record<string, unknown>): KubeObject => ({ metadata: { name, namespace: 'ns' }, spec: { containers: [{ name, image: 'nginx', resources: resources ?? {} }] } });
const create = (obj: KubeObject, kind = 'pods') => attributes('CREATE', kind, { namespace: 'ns', object: obj });

describe('LimitRanger', () => {
  it('fills in default requests and limits and says so in its annotation, as kube does', async () => {
    const plugin = limitRanger(fakeContext({ cached: { limitranges: [{ ...limitRange, spec: { limits: [{ ...(limitRange.spec as any).limits[0], maxLimitRequestRatio: { cpu: '3' } }] } }] } }));
    const admitted = (await plugin.admit!(create(pod('d1'))))!;
    assert.deepEqual(admitted.metadata?.annotations, { [LIMIT_RANGER_ANNOTATION]: 'LimitRanger plugin set: cpu, memory request for container d1; cpu, memory limit for container d1' });
    assert.deepEqual((admitted.spec as any).containers[0].resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '200m', memory: '256Mi' } });
    await plugin.validate!(create(admitted));
    // What a container states is kept.
    const own = (await plugin.admit!(create(pod('own', { limits: { cpu: '800m', memory: '512Mi' }, requests: { cpu: '400m', memory: '512Mi' } }))))!;
    assert.equal(own.metadata?.annotations, undefined);
  });

  it('refuses what is out of bounds with every reason, in kube\'s words and order', async () => {
    const plugin = limitRanger(fakeContext({ cached: { limitranges: [limitRange] } }));
    assert.deepEqual(await refusal(plugin.validate!(create(pod('d2', { limits: { cpu: '3', memory: '256Mi' }, requests: { cpu: '50m' } })))), [
      403,
      'Forbidden',
      'pods "d2" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, maximum cpu usage per Container is 1, but limit is 3, cpu max limit to request ratio per Container is 2, but provided ratio is 60.000000, maximum cpu usage per Pod is 2, but limit is 3]',
    ]);
    assert.deepEqual((await refusal(plugin.validate!(create(pod('d3', { limits: { cpu: '1', memory: '256Mi' }, requests: { cpu: '300m' } })))))[2], 'pods "d3" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 3.333333');
    assert.deepEqual((await refusal(plugin.validate!(create(pod('nolimit', { requests: { cpu: '200m' } })))))[2], 'pods "nolimit" is forbidden: [maximum cpu usage per Container is 1.  No limit is specified, maximum memory usage per Container is 1Gi.  No limit is specified, cpu max limit to request ratio per Container is 2, but no limit is specified or limit is 0, maximum cpu usage per Pod is 2.  No limit is specified]');
  });

  it('bounds a claim\'s storage request on create and update', async () => {
    const plugin = limitRanger(fakeContext({ cached: { limitranges: [limitRange] } }));
    const claim = (storage: string): KubeObject => ({ metadata: { name: 'big', namespace: 'ns' }, spec: { resources: { requests: { storage } } } });
    assert.deepEqual((await refusal(plugin.validate!(create(claim('5Gi'), 'persistentvolumeclaims'))))[2], 'persistentvolumeclaims "big" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi');
    assert.deepEqual((await refusal(plugin.validate!(attributes('UPDATE', 'persistentvolumeclaims', { namespace: 'ns', object: claim('512Mi'), oldObject: claim('1Gi') }))))[2], 'persistentvolumeclaims "big" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 512Mi');
    await plugin.validate!(create(claim('1536Mi'), 'persistentvolumeclaims'));
  });

  it('counts init containers and sidecars into what a pod asks for', async () => {
    const podLimits: KubeObject = { metadata: { name: 'p', namespace: 'ns' }, spec: { limits: [{ type: 'Pod', max: { cpu: '1' } }] } };
    const plugin = limitRanger(fakeContext({ cached: { limitranges: [podLimits] } }));
    const container = (name: string, cpu: string, restartPolicy?: string) => ({ name, resources: { limits: { cpu } }, ...(restartPolicy ? { restartPolicy } : {}) });
    const p = (initContainers: unknown[]) => ({ metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [container('a', '600m')], initContainers } });
    // A plain init container runs alone: the larger of it and the containers counts.
    await plugin.validate!(create(p([container('init', '900m')])));
    // A sidecar runs beside them: it adds up.
    assert.deepEqual((await refusal(plugin.validate!(create(p([container('side', '500m', 'Always')])))))[2], 'pods "p" is forbidden: maximum cpu usage per Pod is 1, but limit is 1100m');
  });

  it('reads a namespace\'s LimitRanges live when its informer holds none, and leaves pods\' updates alone', async () => {
    const context = fakeContext({ live: { limitranges: [limitRange] } });
    const plugin = limitRanger(context);
    const admitted = (await plugin.admit!(create(pod('x'))))!;
    assert.ok(admitted.metadata?.annotations?.[LIMIT_RANGER_ANNOTATION]);
    await plugin.admit!(create(pod('y')));
    assert.deepEqual(context.liveReads, ['list limitranges ns']);
    assert.equal(await plugin.admit!(attributes('UPDATE', 'pods', { namespace: 'ns', object: pod('x'), oldObject: pod('x') })), undefined);
  });
});
