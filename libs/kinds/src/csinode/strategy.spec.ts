import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { csiNodeStrategy as strategy } from './strategy.js';

const node = (drivers: unknown[]): KubeObject => ({ metadata: { name: 'node-a' }, spec: { drivers } });
const SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('csiNodeStrategy', () => {
  it('is cluster-scoped storage.k8s.io/v1 without short names', () => {
    assert.deepEqual([strategy.info.group, strategy.info.resource, strategy.info.namespaced, strategy.info.shortNames, strategy.info.singularName], ['storage.k8s.io', 'csinodes', false, [], 'csinode']);
  });

  it('accepts a node without drivers and a well-formed driver', () => {
    assert.deepEqual(strategy.validate(node([])), []);
    assert.deepEqual(strategy.validate(node([{ name: 'csi.example.com', nodeID: 'node-a', topologyKeys: ['topology.example.com/zone'], allocatable: { count: 10 } }])), []);
  });

  it('reports bad drivers in kube-apiserver words and order', () => {
    const errs = strategy.validate(node([{ name: '', nodeID: '' }, { name: 'Bad_Name', nodeID: 'x', topologyKeys: ['a/b/c', ''], allocatable: { count: -1 } }, { name: 'csi.a', nodeID: 'y' }, { name: 'csi.a', nodeID: 'z' }])).map(renderFieldError);
    assert.deepEqual(errs.slice(0, 5), [
      'spec.drivers[0].name: Required value',
      `spec.drivers[0].name: Invalid value: "": ${SUBDOMAIN}`,
      'spec.drivers[0].nodeID: Required value',
      `spec.drivers[1].name: Invalid value: "Bad_Name": ${SUBDOMAIN}`,
      'spec.drivers[1].allocatable.count: Invalid value: -1: must be greater than or equal to 0',
    ]);
    assert.match(errs[5], /^spec\.drivers\[1\]: Invalid value: "a\/b\/c": a qualified name must consist/);
    assert.equal(errs[6], 'spec.drivers[1]: Required value');
    assert.equal(errs[7], 'spec.drivers[1]: Invalid value: "": name part must be non-empty');
    assert.equal(errs.at(-1), 'spec.drivers[3].name: Duplicate value: "csi.a"');
  });

  it('never changes a registered driver, as kube renders it', () => {
    const old = node([{ name: 'csi.example.com', nodeID: 'node-a', allocatable: { count: 10 } }]);
    assert.deepEqual(strategy.validateUpdate(node([{ name: 'csi.example.com', nodeID: 'node-b', allocatable: { count: 3 } }]), old).map(renderFieldError), [
      'spec.drivers: Invalid value: {"Name":"csi.example.com","NodeID":"node-b","TopologyKeys":null,"Allocatable":{"Count":3}}: field is immutable',
    ]);
    assert.deepEqual(strategy.validateUpdate(node([{ name: 'csi.example.com', nodeID: 'node-a', allocatable: { count: 10 } }, { name: 'csi.other.com', nodeID: 'x' }]), old), []);
  });

  it('prints NAME DRIVERS AGE', () => {
    assert.deepEqual(strategy.tableColumns.map((c) => [c.name, c.type]), [['Name', 'string'], ['Drivers', 'integer'], ['Age', 'string']]);
    assert.equal(strategy.tableColumns[1].cell(node([{ name: 'a' }, { name: 'b' }]), 0), 2);
  });
});
