import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WatchStore } from '@kapi/watch-store';
import { cacheEndpointSource } from './conversion-webhooks.js';

const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'converter', namespace: 'hooks' }, spec: { ports: [{ name: 'https', port: 443 }] } };
const slice = (name: string, serviceName: string) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'hooks', labels: { 'kubernetes.io/service-name': serviceName } },
  endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }],
  ports: [{ name: 'https', port: 8443 }],
});

describe('cacheEndpointSource', () => {
  it("reads a Service and the EndpointSlices labelled with its name from the cache's store", async () => {
    const store = new WatchStore();
    store.reset(
      [
        { key: '/registry/services/specs/hooks/converter', value: JSON.stringify(service), modRevision: 2 },
        { key: '/registry/endpointslices/hooks/converter-1', value: JSON.stringify(slice('converter-1', 'converter')), modRevision: 3 },
        { key: '/registry/endpointslices/hooks/other-1', value: JSON.stringify(slice('other-1', 'other')), modRevision: 4 },
      ],
      4,
    );
    const source = cacheEndpointSource(store);
    assert.deepEqual((await source.service('hooks', 'converter'))?.metadata, { ...service.metadata, resourceVersion: '2' });
    assert.equal(await source.service('hooks', 'missing'), undefined);
    assert.deepEqual((await source.endpointSlices('hooks', 'converter')).map((s) => s.metadata?.name), ['converter-1']);
    assert.deepEqual(await source.endpointSlices('elsewhere', 'converter'), []);
  });
});
