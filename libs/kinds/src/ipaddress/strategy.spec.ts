import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { ipAddressStrategy as strategy } from './strategy.js';

const address = (name: string, parentRef?: Record<string, string>): KubeObject => ({ metadata: { name }, spec: parentRef ? { parentRef } : {} });
const parent = { group: '', resource: 'services', namespace: 'default', name: 'web' };

describe('ipAddressStrategy', () => {
  it('is cluster-scoped networking.k8s.io/v1, short name ip', () => {
    assert.deepEqual([strategy.info.resource, strategy.info.namespaced, strategy.info.shortNames], ['ipaddresses', false, ['ip']]);
  });

  it('is named by an address in canonical form', () => {
    assert.deepEqual(strategy.validateName('10.0.0.10'), []);
    assert.deepEqual(strategy.validateName('2001:db8::1'), []);
    assert.deepEqual(strategy.validateName('not-an-ip'), ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
    assert.deepEqual(strategy.validateName('2001:db8::0001'), ['must be in canonical form ("2001:db8::1")']);
    assert.deepEqual(strategy.validateName('010.0.0.1'), ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
  });

  it('requires a parent with a resource and a name', () => {
    assert.deepEqual(strategy.validate(address('10.0.0.10', parent)), []);
    assert.deepEqual(strategy.validate(address('10.0.0.5')).map(renderFieldError), ['spec.parentRef: Required value']);
    assert.deepEqual(strategy.validate(address('10.0.0.6', {})).map(renderFieldError), ['spec.parentRef.resource: Required value', 'spec.parentRef.name: Required value']);
  });

  it('never changes its parent, rendered as kube renders it', () => {
    assert.deepEqual(strategy.validateUpdate(address('10.0.0.10', { ...parent, name: 'other' }), address('10.0.0.10', parent)).map(renderFieldError), [
      'spec.parentRef: Invalid value: {"Group":"","Resource":"services","Namespace":"default","Name":"other"}: field is immutable',
    ]);
  });

  it('prints NAME PARENTREF without an age', () => {
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), ['Name', 'ParentRef']);
    assert.equal(strategy.tableColumns[1].cell(address('10.0.0.10', parent), 0), 'services/default/web');
    assert.equal(strategy.tableColumns[1].cell(address('10.0.0.10', { group: 'gateway.networking.k8s.io', resource: 'Gateways', name: 'gw' }), 0), 'gateways.gateway.networking.k8s.io/gw');
  });
});
