import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { networkPolicyStrategy as strategy } from './strategy.js';

const policy = (spec: Record<string, unknown>): KubeObject => ({ metadata: { name: 'np', namespace: 'default' }, spec });
const prepared = (spec: Record<string, unknown>) => {
  const obj = policy(spec);
  prepareNew(strategy, obj);
  return obj;
};

describe('networkPolicyStrategy', () => {
  it('is namespaced networking.k8s.io/v1 with short name netpol', () => {
    assert.deepEqual([strategy.info.group, strategy.info.resource, strategy.info.namespaced, strategy.info.shortNames], ['networking.k8s.io', 'networkpolicies', true, ['netpol']]);
  });

  it('defaults policyTypes from the rules, the pod selector and port protocols', () => {
    assert.deepEqual(prepared({}).spec, { podSelector: {}, policyTypes: ['Ingress'] });
    const spec = prepared({ egress: [{ ports: [{ port: 53 }] }] }).spec as Record<string, unknown>;
    assert.deepEqual(spec.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(spec.egress, [{ ports: [{ port: 53, protocol: 'TCP' }] }]);
    assert.deepEqual((prepared({ policyTypes: ['Egress'] }).spec as Record<string, unknown>).policyTypes, ['Egress']);
  });

  it('refuses unknown policy types and protocols', () => {
    const obj = prepared({ policyTypes: ['Ingress', 'Egress', 'Sideways'], ingress: [{ ports: [{ protocol: 'ICMP', port: 1 }] }] });
    assert.deepEqual(strategy.validate(obj).map(renderFieldError), [
      'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
      'spec.policyTypes[2]: Unsupported value: "Sideways": supported values: "Egress", "Ingress"',
      'spec.policyTypes: Invalid value: []string{"Ingress", "Egress", "Sideways"}: may not specify more than two policyTypes',
    ]);
  });

  it('prints NAME POD-SELECTOR AGE', () => {
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), ['Name', 'Pod-Selector', 'Age']);
    const cell = (spec: Record<string, unknown>) => strategy.tableColumns[1].cell(prepared(spec), 0);
    assert.equal(cell({}), '<none>');
    assert.equal(cell({ podSelector: { matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }, { key: 'x', operator: 'DoesNotExist' }] } }), 'a=1,b=2,tier in (api,web),!x');
  });
});
