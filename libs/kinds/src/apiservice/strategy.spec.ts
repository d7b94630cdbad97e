import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { KindCatalogue, storageKey } from '../catalogue.js';
import { apiServiceStrategy as strategy, localApiServices } from './strategy.js';

const apiService = (name: string, spec: Record<string, unknown>): KubeObject => ({ metadata: { name }, spec: { groupPriorityMinimum: 100, versionPriority: 10, ...spec } });
const prepared = (name: string, spec: Record<string, unknown>) => {
  const obj = apiService(name, spec);
  prepareNew(strategy, obj);
  return obj;
};
const errors = (name: string, spec: Record<string, unknown>) => strategy.validate(prepared(name, spec)).map(renderFieldError);
const cells = (obj: KubeObject) => strategy.tableColumns.slice(0, 3).map((c) => c.cell(obj, 0));

describe('apiServiceStrategy', () => {
  it('is stored under apiregistration.k8s.io/apiservices', () => {
    assert.equal(storageKey(strategy.info, undefined, 'v1.example.com'), '/registry/apiregistration.k8s.io/apiservices/v1.example.com');
    assert.deepEqual(strategy.info.subresources, ['status']);
  });

  it('wants the name <version>.<group>', () => {
    assert.deepEqual(errors('v1.example.com', { group: 'example.com', version: 'v1', service: { namespace: 'ns', name: 'svc' } }), []);
    assert.deepEqual(errors('v2.example.com', { group: 'example.com', version: 'v1', service: { namespace: 'ns', name: 'svc' } }), [
      'metadata.name: Invalid value: "v2.example.com": must be `spec.version+"."+spec.group`: "v1.example.com"',
    ]);
  });

  it('bounds the priorities and allows an empty group only for v1', () => {
    assert.deepEqual(errors('v2.', { version: 'v2', groupPriorityMinimum: 0, versionPriority: 1001 }), [
      'spec.group: Required value: only v1 may have an empty group and it better be legacy kube',
      'spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000',
      'spec.versionPriority: Invalid value: 1001: must be positive and less than 1000',
    ]);
  });

  it('starts a local APIService Available and a remote one unknown, and prints NAME SERVICE AVAILABLE AGE', () => {
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), ['Name', 'Service', 'Available', 'Age']);
    assert.deepEqual(cells(prepared('v1.example.com', { group: 'example.com', version: 'v1' })), ['v1.example.com', 'Local', 'True']);
    const remote = prepared('v1.example.com', { group: 'example.com', version: 'v1', service: { namespace: 'ns', name: 'svc' } });
    assert.equal((remote.spec as { service: { port: number } }).service.port, 443);
    assert.deepEqual(cells(remote), ['v1.example.com', 'ns/svc', 'Unknown']);
    remote.status = { conditions: [{ type: 'Available', status: 'False', reason: 'ServiceNotFound' }] };
    assert.equal(cells(remote)[2], 'False (ServiceNotFound)');
  });
});

describe('localApiServices', () => {
  it('names one per served group/version from the catalogue, with kube priorities, all valid', () => {
    const services = localApiServices(new KindCatalogue().groupVersions());
    const names = services.map((s) => s.metadata!.name);
    assert.deepEqual(names, new KindCatalogue().groupVersions().map((gv) => `${gv.version}.${gv.group}`));
    for (const name of ['v1.', 'v1.rbac.authorization.k8s.io', 'v1.apiregistration.k8s.io', 'v1.certificates.k8s.io', 'v1.flowcontrol.apiserver.k8s.io']) assert.ok(names.includes(name), name);
    const core = services.find((s) => s.metadata!.name === 'v1.')!;
    assert.deepEqual(core.spec, { group: '', version: 'v1', groupPriorityMinimum: 18000, versionPriority: 1 });
    assert.deepEqual(core.metadata!.labels, { 'kube-aggregator.kubernetes.io/automanaged': 'onstart' });
    for (const s of services) {
      prepareNew(strategy, s);
      assert.deepEqual(strategy.validate(s), [], s.metadata!.name);
    }
  });
});
