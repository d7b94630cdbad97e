import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { prepareNew } from '../strategy.js';
import { defaultServiceCidr, serviceCidrStrategy as strategy } from './strategy.js';

const cidr = (cidrs?: string[]): KubeObject => ({ metadata: { name: 'extra' }, spec: cidrs ? { cidrs } : {} });
const errors = (cidrs?: string[]) => strategy.validate(cidr(cidrs)).map(renderFieldError);

describe('serviceCidrStrategy', () => {
  it('is cluster-scoped networking.k8s.io/v1 with status', () => {
    assert.deepEqual([strategy.info.group, strategy.info.resource, strategy.info.namespaced, strategy.info.subresources], ['networking.k8s.io', 'servicecidrs', false, ['status']]);
  });

  it('takes one block, or two of different families', () => {
    assert.deepEqual(errors(['10.100.0.0/16']), []);
    assert.deepEqual(errors(['10.100.0.0/16', 'fd00:10::/108']), []);
  });

  it('refuses bad blocks in kube-apiserver words', () => {
    assert.deepEqual(errors(), ['spec.cidrs: Required value: at least one CIDR required']);
    assert.deepEqual(errors(['10.0.0.0/33', '10.1.0.1/16', '10.2.0.0/16']), ['spec.cidrs: Invalid value: {"CIDRs":["10.0.0.0/33","10.1.0.1/16","10.2.0.0/16"]}: may only hold up to 2 values']);
    assert.deepEqual(errors(['10.0.0.0/33']), ['spec.cidrs[0]: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']);
    assert.deepEqual(errors(['10.1.0.1/16']), ['spec.cidrs[0]: Invalid value: "10.1.0.1/16": must not have bits set beyond the prefix length']);
    assert.deepEqual(errors(['fd00:0::/64']), ['spec.cidrs[0]: Invalid value: "fd00:0::/64": must be in canonical form ("fd00::/64")']);
    assert.deepEqual(errors(['fd00::/64', 'fd01::/64']), ['spec.cidrs: Invalid value: ["fd00::/64","fd01::/64"]: may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64']);
  });

  it('keeps its blocks, except that one block may gain the other family', () => {
    const update = (cidrs: string[], old: string[]) => strategy.validateUpdate(cidr(cidrs), cidr(old)).map(renderFieldError);
    assert.deepEqual(update(['10.101.0.0/16'], ['10.100.0.0/16', 'fd00:10::/108']), ['spec.cidrs: Invalid value: ["10.101.0.0/16"]: field is immutable']);
    assert.deepEqual(update(['10.101.0.0/16'], ['10.100.0.0/16']), ['spec.cidrs[0]: Invalid value: "10.101.0.0/16": field is immutable']);
    assert.deepEqual(update(['10.100.0.0/16', 'fd00::/64'], ['10.100.0.0/16']), []);
  });

  it('takes no status on create', () => {
    const obj = { ...cidr(['10.100.0.0/16']), status: { conditions: [] } };
    prepareNew(strategy, obj);
    assert.equal(obj.status, undefined);
  });

  it('prints NAME CIDRS AGE, the blocks comma-separated', () => {
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), ['Name', 'CIDRs', 'Age']);
    assert.equal(strategy.tableColumns[1].cell(cidr(['10.100.0.0/16', 'fd00:10::/108']), 0), '10.100.0.0/16,fd00:10::/108');
  });

  it('describes the default block as ready, as kube-apiserver keeps it', () => {
    const obj = defaultServiceCidr(['10.96.0.0/12'], '2026-01-02T03:04:05Z');
    assert.deepEqual(strategy.validate(obj), []);
    assert.deepEqual(obj.metadata, { name: 'kubernetes' });
    assert.deepEqual(obj.status, { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-02T03:04:05Z', reason: '', message: 'Kubernetes Service CIDR is ready' }] });
  });
});
