import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { claimMatchesScope, claimUsage, claimUsageChanged, persistentVolumeClaimEvaluator } from './persistent-volume-claims.js';
import { toJson } from './resource-list.js';
import { serviceEvaluator, serviceUsage } from './services.js';
import { object } from './testing.fixture.js';

describe('the service evaluator', () => {
  it('counts a Service, the node ports of a NodePort or LoadBalancer one, and a load balancer', () => {
    const ports = [{ port: 80 }, { port: 81, nodePort: 30081 }];
    assert.deepEqual(toJson(serviceUsage(object('Service', 'c', { type: 'ClusterIP', ports }))), { 'count/services': '1', services: '1', 'services.loadbalancers': '0', 'services.nodeports': '0' });
    assert.deepEqual(toJson(serviceUsage(object('Service', 'n', { type: 'NodePort', ports }))), { 'count/services': '1', services: '1', 'services.loadbalancers': '0', 'services.nodeports': '2' });
    assert.deepEqual(toJson(serviceUsage(object('Service', 'l', { type: 'LoadBalancer', ports }))), { 'count/services': '1', services: '1', 'services.loadbalancers': '1', 'services.nodeports': '2' });
    // A load balancer that allocates no node ports uses only those it names.
    assert.equal(toJson(serviceUsage(object('Service', 'l', { type: 'LoadBalancer', ports, allocateLoadBalancerNodePorts: false })))['services.nodeports'], '1');
    assert.deepEqual(serviceEvaluator().matchingResources(['pods', 'services.nodeports', 'count/services']), ['count/services', 'services.nodeports']);
  });
});

describe('the claim evaluator', () => {
  it('counts a claim and its storage, also by storage class (the beta annotation first), in whole bytes', () => {
    assert.deepEqual(toJson(claimUsage(object('PersistentVolumeClaim', 'c', { storageClassName: 'gold', resources: { requests: { storage: '1500m' } } }))), {
      'count/persistentvolumeclaims': '1',
      'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
      'gold.storageclass.storage.k8s.io/requests.storage': '2',
      persistentvolumeclaims: '1',
      'requests.storage': '2',
    });
    const annotated = object('PersistentVolumeClaim', 'c', { storageClassName: 'gold', resources: { requests: { storage: '1Gi' } } }, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'silver' } });
    assert.equal(toJson(claimUsage(annotated))['silver.storageclass.storage.k8s.io/requests.storage'], '1Gi');
    // A resize that allocated more is charged the larger size.
    const grown = { ...object('PersistentVolumeClaim', 'c', { resources: { requests: { storage: '1Gi' } } }), status: { allocatedResources: { storage: '2Gi' } } };
    assert.equal(toJson(claimUsage(grown))['requests.storage'], '2Gi');
    assert.equal(claimUsageChanged(grown, object('PersistentVolumeClaim', 'c')), true);
    assert.deepEqual(persistentVolumeClaimEvaluator().matchingResources(['pods', 'requests.storage', 'gold.storageclass.storage.k8s.io/requests.storage', 'count/persistentvolumeclaims']), [
      'requests.storage',
      'gold.storageclass.storage.k8s.io/requests.storage',
      'count/persistentvolumeclaims',
    ]);
  });

  it('matches the VolumeAttributesClass scope by the classes a claim names', () => {
    const fast = object('PersistentVolumeClaim', 'c', { volumeAttributesClassName: 'fast' });
    const plain = object('PersistentVolumeClaim', 'p');
    assert.deepEqual([claimMatchesScope({ scopeName: 'VolumeAttributesClass', operator: 'Exists' }, fast), claimMatchesScope({ scopeName: 'VolumeAttributesClass', operator: 'Exists' }, plain)], [true, false]);
    assert.deepEqual([claimMatchesScope({ scopeName: 'VolumeAttributesClass', operator: 'In', values: ['fast'] }, fast), claimMatchesScope({ scopeName: 'VolumeAttributesClass', operator: 'NotIn', values: ['fast'] }, plain)], [true, true]);
  });
});
