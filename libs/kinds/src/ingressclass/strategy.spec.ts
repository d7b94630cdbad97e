import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { ingressClassStrategy as strategy } from './strategy.js';

const cls = (spec: Record<string, unknown>): KubeObject => ({ metadata: { name: 'nginx' }, spec });
const errors = (spec: Record<string, unknown>) => strategy.validate(cls(spec)).map(renderFieldError);

describe('ingressClassStrategy', () => {
  it('needs a domain-prefixed controller that never changes', () => {
    assert.deepEqual(errors({}), ['spec.controller: Required value']);
    assert.deepEqual(errors({ controller: 'nginx' }), ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']);
    assert.deepEqual(errors({ controller: 'k8s.io/ingress-nginx' }), []);
    assert.deepEqual(strategy.validateUpdate(cls({ controller: 'a.io/b' }), cls({ controller: 'a.io/c' })).map(renderFieldError), ['spec.controller: Invalid value: "a.io/b": field is immutable']);
  });

  it('prints NAME CONTROLLER PARAMETERS AGE', () => {
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), ['Name', 'Controller', 'Parameters', 'Age']);
    const cells = (obj: KubeObject) => strategy.tableColumns.slice(1, 3).map((c) => c.cell(obj, 0));
    assert.deepEqual(cells(cls({ controller: 'k8s.io/ingress-nginx' })), ['k8s.io/ingress-nginx', '<none>']);
    assert.deepEqual(cells(cls({ controller: 'a.io/b', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } })), ['a.io/b', 'IngressParameters.k8s.example.com/external-lb']);
  });
});
