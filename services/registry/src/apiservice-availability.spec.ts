import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { notFound, type KubeObject } from '@kapi/api-machinery';
import type { ServiceConfig } from '@kapi/config';
import { metrics, type Logger } from '@kapi/telemetry';
import { APIServiceAvailability } from './apiservice-availability.js';
import type { APIServiceObject } from './apiservice-availability.check.js';
import type { EventPublisher } from './event-publisher.js';
import type { Registry } from './registry.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} } as unknown as Logger;

/** The registry's stores as the controller uses them: no Service, no slices, and the status writes recorded. */
function fakeRegistry() {
  const writes: { name: string; subresource: string; object: KubeObject }[] = [];
  const store = (group: string, resource: string) => ({
    async get(_ns: string | undefined, name: string) {
      throw notFound({ group, resource }, name);
    },
    async list() {
      return { items: [] };
    },
    async update(_ns: string | undefined, name: string, object: KubeObject, _ctx: unknown, subresource: string) {
      writes.push({ name, subresource, object });
      return object;
    },
  });
  return { registry: { store, backend: {} } as unknown as Registry, writes };
}

describe('APIServiceAvailability', () => {
  it('writes the Available condition when it changes, and only then', async () => {
    const { registry, writes } = fakeRegistry();
    const controller = new APIServiceAvailability(registry, { leading: true } as EventPublisher, { pkiDir: '/nonexistent' } as ServiceConfig, quiet);
    const apiService: APIServiceObject = { metadata: { name: 'v1.new.example.com', resourceVersion: '5' }, spec: { group: 'new.example.com', version: 'v1', service: { namespace: 'ns', name: 'things', port: 443 } } };
    await controller.reconcile(apiService);
    assert.equal(writes.length, 1);
    assert.equal(writes[0].subresource, 'status');
    const written = writes[0].object as APIServiceObject;
    const condition = written.status?.conditions?.[0];
    assert.deepEqual([condition?.type, condition?.status, condition?.reason, condition?.message], ['Available', 'False', 'ServiceNotFound', 'service/things in "ns" is not present']);
    assert.ok(condition?.lastTransitionTime);
    // The same finding again writes nothing.
    await controller.reconcile(written);
    assert.equal(writes.length, 1);
    // It was never available: nothing is counted, as kube counts only a change from available.
    assert.doesNotMatch(metrics.render(), /aggregator_unavailable_apiservice_total\{name="v1\.new\.example\.com"/);
    await controller.onApplicationShutdown();
  });

  it('counts an APIService that was available and is not any more, by reason', async () => {
    const { registry } = fakeRegistry();
    const controller = new APIServiceAvailability(registry, { leading: true } as EventPublisher, { pkiDir: '/nonexistent' } as ServiceConfig, quiet);
    const apiService: APIServiceObject = {
      metadata: { name: 'v1.things.example.com', resourceVersion: '5' },
      spec: { group: 'things.example.com', version: 'v1', service: { namespace: 'ns', name: 'things', port: 443 } },
      status: { conditions: [{ type: 'Available', status: 'True', reason: 'Passed', message: 'all checks passed', lastTransitionTime: 'then' }] },
    };
    await controller.reconcile(apiService);
    assert.match(metrics.render(), /^aggregator_unavailable_apiservice_total\{name="v1\.things\.example\.com",reason="ServiceNotFound"\} 1$/m);
    await controller.onApplicationShutdown();
  });
});
