import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { storageKey } from '../catalogue.js';
import { ingressStrategy as strategy } from './strategy.js';

const backend = { service: { name: 'web', port: { number: 80 } } };
const ingress = (spec: Record<string, unknown>, status?: unknown): KubeObject => ({ metadata: { name: 'i', namespace: 'default' }, spec, status });
const errors = (spec: Record<string, unknown>) => strategy.validate(ingress(spec)).map(renderFieldError);
const cells = (obj: KubeObject) => strategy.tableColumns.slice(1, 5).map((c) => c.cell(obj, 0));

describe('ingressStrategy', () => {
  it('is namespaced networking.k8s.io/v1 with short name ing, stored under /registry/ingress as kube does', () => {
    assert.deepEqual([strategy.info.group, strategy.info.namespaced, strategy.info.shortNames, strategy.info.subresources], ['networking.k8s.io', true, ['ing'], ['status']]);
    assert.equal(storageKey(strategy.info, 'default', 'i'), '/registry/ingress/default/i');
  });

  it('drops a client status on create', () => {
    const obj = ingress({ defaultBackend: backend }, { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } });
    prepareNew(strategy, obj);
    assert.deepEqual(obj.status, { loadBalancer: {} });
  });

  it('refuses what kube refuses', () => {
    assert.deepEqual(errors({}), ['spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified']);
    assert.deepEqual(errors({ rules: [{ host: '1.2.3.4', http: { paths: [{ path: 'x', pathType: 'Prefix', backend }, { path: '/', backend: { service: { name: 'web' } } }] } }] }), [
      'spec.rules[0].host: Invalid value: "1.2.3.4": must be a DNS name, not an IP address',
      'spec.rules[0].http.paths[0].path: Invalid value: "x": must be an absolute path',
      'spec.rules[0].http.paths[1].pathType: Required value: pathType must be specified',
      'spec.rules[0].http.paths[1].backend.service.port: Required value: port name or number is required',
    ]);
    assert.deepEqual(errors({ rules: [{ host: '*.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] }), []);
  });

  it('prints NAME CLASS HOSTS ADDRESS PORTS AGE', () => {
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
    assert.deepEqual(cells(ingress({ defaultBackend: backend })), ['<none>', '*', '', '80']);
    const rules = ['a', 'b', 'c', 'd'].map((h) => ({ host: `${h}.example.com` }));
    const obj = ingress({ ingressClassName: 'nginx', rules, tls: [{ hosts: ['a.example.com'] }] }, { loadBalancer: { ingress: [{ ip: '10.0.0.1' }, { hostname: 'lb.example.com' }] } });
    assert.deepEqual(cells(obj), ['nginx', 'a.example.com,b.example.com,c.example.com + 1 more...', '10.0.0.1,lb.example.com', '80, 443']);
  });
});
