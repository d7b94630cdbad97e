import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { checkAvailability, conditionIsCurrent, DISCOVERY_ATTEMPTS, withCondition, type APIServiceObject, type AvailabilityProbe, type AvailableCondition } from './apiservice-availability.check.js';

const apiService = (service?: { namespace: string; name: string; port?: number }): APIServiceObject => ({
  metadata: { name: 'v1alpha1.wardle.example.com' },
  spec: { group: 'wardle.example.com', version: 'v1alpha1', ...(service ? { service } : {}) },
});
const api = { namespace: 'wardle', name: 'api', port: 443 };
const service = (spec: Record<string, unknown> = { ports: [{ name: 'https', port: 443 }] }): KubeObject => ({ metadata: { name: 'api', namespace: 'wardle' }, spec });
const slice = (ready: boolean | undefined, portName = 'https'): KubeObject => ({ endpoints: [{ addresses: ['10.0.0.1'], conditions: ready === undefined ? {} : { ready } }], ports: [{ name: portName, port: 8443 }] });

/** A probe over fixed answers; `get` answers each try in turn from `codes` (a string is a transport error). */
function probe(svc: KubeObject | undefined, slices: KubeObject[], codes: (number | string)[] = [200]): AvailabilityProbe & { urls: string[] } {
  const urls: string[] = [];
  let n = 0;
  return {
    urls,
    service: async () => svc,
    endpointSlices: async () => slices,
    resolve: async () => ({ host: '10.0.0.1', port: 8443 }),
    get: async (url) => {
      urls.push(url);
      const answer = codes[Math.min(n++, codes.length - 1)];
      if (typeof answer === 'string') throw new Error(answer);
      return answer;
    },
  };
}

const reasonAndMessage = (c: AvailableCondition) => [c.status, c.reason, c.message];

describe('checkAvailability', () => {
  it('a Local APIService is always available', async () => {
    assert.deepEqual(reasonAndMessage(await checkAvailability(apiService(), probe(undefined, []))), ['True', 'Local', 'Local APIServices are always available']);
  });

  it('says, in kube\'s words, what is missing: the Service, its port, its EndpointSlices, a ready endpoint on the port\'s name', async () => {
    assert.deepEqual(reasonAndMessage(await checkAvailability(apiService(api), probe(undefined, []))), ['False', 'ServiceNotFound', 'service/api in "wardle" is not present']);
    assert.deepEqual(reasonAndMessage(await checkAvailability(apiService({ ...api, port: 444 }), probe(service(), []))), ['False', 'ServicePortError', 'service/api in "wardle" is not listening on port 444']);
    assert.deepEqual(reasonAndMessage(await checkAvailability(apiService(api), probe(service(), []))), ['False', 'EndpointsNotFound', 'cannot find endpointslices for service/api in "wardle"']);
    assert.deepEqual(reasonAndMessage(await checkAvailability(apiService(api), probe(service(), [slice(false)]))), ['False', 'MissingEndpoints', 'endpointslices for service/api in "wardle" have no addresses with port name "https"']);
    assert.deepEqual(reasonAndMessage(await checkAvailability(apiService(api), probe(service(), [slice(true, 'metrics')]))), ['False', 'MissingEndpoints', 'endpointslices for service/api in "wardle" have no addresses with port name "https"']);
  });

  it('checks the port and endpoints of ClusterIP Services only', async () => {
    const external = service({ type: 'ExternalName', externalName: 'api.example.com' });
    assert.deepEqual(reasonAndMessage(await checkAvailability(apiService(api), probe(external, []))), ['True', 'Passed', 'all checks passed']);
  });

  it('passes when one of its tries at /apis/<group>/<version> answers 2xx', async () => {
    const p = probe(service(), [slice(undefined)], [500, 'dial tcp 10.0.0.1:8443: connect: connection refused', 200]);
    assert.deepEqual(reasonAndMessage(await checkAvailability(apiService(api), p)), ['True', 'Passed', 'all checks passed']);
    assert.equal(p.urls.length, DISCOVERY_ATTEMPTS);
    assert.equal(p.urls[0], 'https://10.0.0.1:8443/apis/wardle.example.com/v1alpha1');
  });

  it('fails the discovery check with the last try\'s error when none passes', async () => {
    const url = 'https://10.0.0.1:8443/apis/wardle.example.com/v1alpha1';
    assert.deepEqual(reasonAndMessage(await checkAvailability(apiService(api), probe(service(), [slice(true)], [403]))), ['False', 'FailedDiscoveryCheck', `failing or missing response from ${url}: bad status from ${url}: 403`]);
    assert.deepEqual(reasonAndMessage(await checkAvailability(apiService(api), probe(service(), [slice(true)], ['dial tcp 10.0.0.1:8443: connect: connection refused']))), [
      'False',
      'FailedDiscoveryCheck',
      `failing or missing response from ${url}: Get "${url}": dial tcp 10.0.0.1:8443: connect: connection refused`,
    ]);
  });
});

describe('withCondition', () => {
  const passed: AvailableCondition = { type: 'Available', status: 'True', reason: 'Passed', message: 'all checks passed' };
  it('keeps the lastTransitionTime while the status stays, and sets it when the status changes', () => {
    const stored = [{ ...passed, status: 'True' as const, reason: 'Local', lastTransitionTime: 'then' }];
    assert.deepEqual(withCondition(stored, passed, 'now'), [{ ...passed, lastTransitionTime: 'then' }]);
    assert.deepEqual(withCondition(stored, { ...passed, status: 'False', reason: 'MissingEndpoints' }, 'now'), [{ ...passed, status: 'False', reason: 'MissingEndpoints', lastTransitionTime: 'now' }]);
    assert.deepEqual(withCondition(undefined, passed, 'now'), [{ ...passed, lastTransitionTime: 'now' }]);
  });

  it('a condition that says the same is current: nothing to write', () => {
    assert.ok(conditionIsCurrent([{ ...passed, lastTransitionTime: 'then' }], passed));
    assert.ok(!conditionIsCurrent([{ ...passed, lastTransitionTime: 'then' }], { ...passed, message: 'other' }));
    assert.ok(!conditionIsCurrent(undefined, passed));
  });
});
