// CheckRequest's answers, each message the one kube-apiserver v1.34.2 gave for the same quota and
// request (asked of the reference server with kubectl).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { checkRequest, QuotaForbidden, type LimitedResource, type QuotaAdmissionRequest, type WorkingQuota } from './check-request.js';
import { statusHard, statusUsed } from './quota.js';
import { QuotaEvaluators } from './registry.js';
import { toJson } from './resource-list.js';
import { object, pod, quota } from './testing.fixture.js';

const evaluators = new QuotaEvaluators(() => 0);
const working = (...quotas: KubeObject[]): WorkingQuota[] => quotas.map((q) => ({ quota: q, hard: statusHard(q), used: statusUsed(q) }));
const create = (resource: string, obj: KubeObject, group = ''): QuotaAdmissionRequest => ({ operation: 'CREATE', subresource: '', namespace: 'ns', resource: { group, resource }, object: obj });
const check = (quotas: WorkingQuota[], request: QuotaAdmissionRequest, limited: LimitedResource[] = []) =>
  checkRequest(quotas, request, evaluators.getOrCount(request.resource), limited);
const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof QuotaForbidden, String(err));
    return err.message;
  }
  throw new Error('expected a refusal');
};

const compute = quota('compute', { pods: '2', configmaps: '3', 'requests.cpu': '1', 'limits.cpu': '2', 'limits.memory': '1Gi' }, { pods: '1', configmaps: '3', 'requests.cpu': '600m', 'limits.cpu': '1', 'limits.memory': '512Mi' });

describe('checkRequest', () => {
  it('charges a pod that fits to every quota it falls under', () => {
    const fresh = quota('compute', { pods: '2', 'requests.cpu': '1', 'limits.cpu': '2', 'limits.memory': '1Gi' }, { pods: '0', 'requests.cpu': '0', 'limits.cpu': '0', 'limits.memory': '0' });
    const [after] = check(working(fresh), create('pods', pod('p1', [{ requests: { cpu: '600m' }, limits: { cpu: '1', memory: '512Mi' } }])));
    assert.deepEqual(toJson(after.used), { 'limits.cpu': '1', 'limits.memory': '512Mi', pods: '1', 'requests.cpu': '600m' });
  });

  it('refuses what would exceed a quota: requested, used and limited of each resource exceeded', () => {
    assert.equal(
      refusal(() => check(working(compute), create('pods', pod('p2', [{ requests: { cpu: '600m' }, limits: { cpu: '1', memory: '512Mi' } }])))),
      'exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1',
    );
    assert.equal(
      refusal(() => check(working(compute), create('pods', pod('m1', [{ requests: { cpu: '3', memory: '2Gi' }, limits: { cpu: '3', memory: '2Gi' } }])))),
      'exceeded quota: compute, requested: limits.cpu=3,limits.memory=2Gi,requests.cpu=3, used: limits.cpu=1,limits.memory=512Mi,requests.cpu=600m, limited: limits.cpu=2,limits.memory=1Gi,requests.cpu=1',
    );
    assert.equal(refusal(() => check(working(compute), create('configmaps', object('ConfigMap', 'c')))), 'exceeded quota: compute, requested: configmaps=1, used: configmaps=3, limited: configmaps=3');
  });

  it('requires cpu and memory requests or limits a quota limits', () => {
    assert.equal(
      refusal(() => check(working(compute), create('pods', pod('p0')))),
      'failed quota: compute: must specify limits.cpu for: p0; limits.memory for: p0; requests.cpu for: p0',
    );
  });

  it('counts services, node ports and load balancers, and object counts of any resource', () => {
    const objects = quota(
      'objects',
      { services: '3', 'services.nodeports': '2', 'services.loadbalancers': '1', 'count/deployments.apps': '1', persistentvolumeclaims: '2', 'requests.storage': '3Gi', 'gold.storageclass.storage.k8s.io/requests.storage': '1Gi' },
      { services: '1', 'services.nodeports': '2', 'services.loadbalancers': '0', 'count/deployments.apps': '1', persistentvolumeclaims: '1', 'requests.storage': '1Gi', 'gold.storageclass.storage.k8s.io/requests.storage': '1Gi' },
    );
    const q = working(objects);
    assert.equal(
      refusal(() => check(q, create('services', object('Service', 'lb1', { type: 'LoadBalancer', ports: [{ port: 80 }] })))),
      'exceeded quota: objects, requested: services.nodeports=1, used: services.nodeports=2, limited: services.nodeports=2',
    );
    assert.equal(refusal(() => check(q, create('deployments', object('Deployment', 'd2'), 'apps'))), 'exceeded quota: objects, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1');
    const claim = (name: string, storage: string, storageClassName?: string) => object('PersistentVolumeClaim', name, { storageClassName, resources: { requests: { storage } } });
    assert.equal(
      refusal(() => check(q, create('persistentvolumeclaims', claim('c2', '500Mi', 'gold')))),
      'exceeded quota: objects, requested: gold.storageclass.storage.k8s.io/requests.storage=500Mi, used: gold.storageclass.storage.k8s.io/requests.storage=1Gi, limited: gold.storageclass.storage.k8s.io/requests.storage=1Gi',
    );
    assert.equal(refusal(() => check(q, create('persistentvolumeclaims', claim('c3', '2500Mi')))), 'exceeded quota: objects, requested: requests.storage=2500Mi, used: requests.storage=1Gi, limited: requests.storage=3Gi');
    const [after] = check(q, create('services', object('Service', 'web', { type: 'ClusterIP', ports: [{ port: 80 }] })));
    assert.deepEqual([toJson(after.used).services, toJson(after.used)['services.nodeports']], ['2', '2']);
    // A Service turned into a NodePort one is charged its node ports on update.
    const old = object('Service', 'c1', { type: 'ClusterIP', ports: [{ port: 80 }] });
    assert.equal(
      refusal(() => check(q, { ...create('services', { ...old, spec: { type: 'NodePort', ports: [{ port: 80 }] } }), operation: 'UPDATE', oldObject: old })),
      'exceeded quota: objects, requested: services.nodeports=1, used: services.nodeports=2, limited: services.nodeports=2',
    );
  });

  it('charges a quota only the objects in its scopes', () => {
    const bestEffort = quota('besteffort', { pods: '1' }, { pods: '1' }, { scopes: ['BestEffort'] });
    const prio = quota('prio', { pods: '5', 'requests.memory': '1Gi' }, { pods: '0', 'requests.memory': '0' }, { scopeSelector: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] });
    const q = working(bestEffort, prio);
    assert.equal(refusal(() => check(q, create('pods', pod('be2')))), 'exceeded quota: besteffort, requested: pods=1, used: pods=1, limited: pods=1');
    assert.equal(refusal(() => check(q, create('pods', pod('hi1', [{}], { priorityClassName: 'high' })))), 'failed quota: prio: must specify requests.memory for: hi1');
    assert.equal(
      refusal(() => check(q, create('pods', pod('hi2', [{ requests: { memory: '2Gi' } }], { priorityClassName: 'high' })))),
      'exceeded quota: prio, requested: requests.memory=2Gi, used: requests.memory=0, limited: requests.memory=1Gi',
    );
    const after = check(q, create('pods', pod('hi3', [{ requests: { memory: '512Mi' } }], { priorityClassName: 'high' })));
    assert.deepEqual([toJson(after[0].used), toJson(after[1].used)], [{ pods: '1' }, { pods: '1', 'requests.memory': '512Mi' }]);
  });

  it('charges a resize what it adds, and passes what changes nothing', () => {
    const q = working(compute);
    const old = pod('p1', [{ requests: { cpu: '600m' }, limits: { cpu: '1', memory: '512Mi' } }]);
    const resized = pod('p1', [{ requests: { cpu: '1500m' }, limits: { cpu: '2', memory: '512Mi' } }]);
    assert.equal(
      refusal(() => check(q, { ...create('pods', resized), operation: 'UPDATE', subresource: 'resize', oldObject: old })),
      'exceeded quota: compute, requested: requests.cpu=900m, used: requests.cpu=600m, limited: requests.cpu=1',
    );
    // A pod update that is not a resize is not charged at all.
    assert.equal(check(q, { ...create('pods', resized), operation: 'UPDATE', oldObject: old }), q);
    // Shrinking charges nothing.
    assert.equal(check(q, { ...create('pods', old), operation: 'UPDATE', subresource: 'resize', oldObject: resized }), q);
  });

  it('refuses while a quota\'s usage is unknown, and what a negative request would give back', () => {
    const unknown = quota('fresh', { pods: '2', 'count/widgets.example.com': '1' }, { pods: '0' });
    assert.equal(refusal(() => check(working(unknown), create('widgets', object('Widget', 'w'), 'example.com'))), 'status unknown for quota: fresh, resources: count/widgets.example.com');
    const negative = quota('neg', { 'requests.cpu': '1' }, { 'requests.cpu': '0' });
    assert.equal(refusal(() => check(working(negative), create('pods', pod('n', [{ requests: { cpu: '-1' } }])))), 'quota usage is negative for resource(s): cpu,requests.cpu');
  });

  it('requires a covering quota for limitedResources, by name and by scope', () => {
    const limited: LimitedResource[] = [
      { resource: 'persistentvolumeclaims', matchContains: ['.storageclass.storage.k8s.io/requests.storage'] },
      { resource: 'pods', matchScopes: [{ scopeName: 'PriorityClass', operator: 'In', values: ['cluster-services'] }] },
    ];
    const claim = object('PersistentVolumeClaim', 'c', { storageClassName: 'gold', resources: { requests: { storage: '1Gi' } } });
    assert.equal(refusal(() => check([], create('persistentvolumeclaims', claim), limited)), 'insufficient quota to consume: gold.storageclass.storage.k8s.io/requests.storage');
    assert.throws(
      () => check([], create('pods', pod('critical', [{}], { priorityClassName: 'cluster-services' })), limited),
      (err: Error) => !(err instanceof QuotaForbidden) && err.message === 'insufficient quota to match these scopes: [{PriorityClass In [cluster-services]}]',
    );
    const covering = quota('services', { pods: '10' }, { pods: '0' }, { scopeSelector: [{ scopeName: 'PriorityClass', operator: 'In', values: ['cluster-services'] }] });
    assert.equal(check(working(covering), create('pods', pod('critical', [{}], { priorityClassName: 'cluster-services' })), limited)[0].used.get('pods')?.value, 1n);
    // Nothing limited, no quota: nothing to check.
    assert.deepEqual(check([], create('pods', pod('free')), limited), []);
  });

  it('never refuses a status write, and leaves quotas that nothing changes as they are', () => {
    const q = working(compute);
    const claimQuota = working(quota('claims', { 'requests.storage': '1Gi' }, { 'requests.storage': '1Gi' }));
    const old = object('PersistentVolumeClaim', 'c', { resources: { requests: { storage: '1Gi' } } });
    const grown = { ...old, status: { allocatedResources: { storage: '2Gi' } } };
    const [after] = check(claimQuota, { ...create('persistentvolumeclaims', grown), operation: 'UPDATE', subresource: 'status', oldObject: { ...old, status: {} } });
    assert.equal(toJson(after.used)['requests.storage'], '2Gi');
    assert.equal(check(q, create('secrets', object('Secret', 's'))), q);
  });
});
