import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { endpointSliceResolver, joinHostPort, listerEndpointSource, type ObjectLister } from './service-resolver.js';

const service = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'hooks', namespace: 'team' }, spec });
const slice = (addressType: string, ports: unknown[], endpoints: unknown[]): KubeObject => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType, ports, endpoints });

function resolver(svc: KubeObject | undefined, slices: KubeObject[], random = () => 0) {
  const asked: string[] = [];
  const r = endpointSliceResolver(
    {
      service: async (ns, name) => (asked.push(`${ns}/${name}`), svc),
      endpointSlices: async () => slices,
    },
    random,
  );
  return { r, asked };
}

describe('endpointSliceResolver', () => {
  it('connects to a ready endpoint of the slice port named as the Service port', async () => {
    const { r, asked } = resolver(service({ ports: [{ name: 'https', port: 443, targetPort: 8443 }] }), [
      slice('IPv4', [{ name: 'metrics', port: 9090 }, { name: 'https', port: 8443 }], [
        { addresses: ['10.0.0.1'], conditions: { ready: false } },
        { addresses: ['10.0.0.2'], conditions: { ready: true } },
      ]),
    ]);
    assert.deepEqual(await r.resolveEndpoint('team', 'hooks', 443), { host: '10.0.0.2', port: 8443 });
    assert.deepEqual(asked, ['team/hooks']);
  });

  it('takes an endpoint whose readiness is unknown, and an unnamed port for an unnamed Service port', async () => {
    const { r } = resolver(service({ ports: [{ port: 443 }] }), [slice('IPv4', [{ port: 9443 }], [{ addresses: ['127.0.0.1'] }])]);
    assert.deepEqual(await r.resolveEndpoint('team', 'hooks', 443), { host: '127.0.0.1', port: 9443 });
  });

  it("prefers the slices of the Service's first IP family", async () => {
    const { r } = resolver(service({ ipFamilies: ['IPv6'], ports: [{ port: 443 }] }), [
      slice('IPv4', [{ port: 443 }], [{ addresses: ['10.0.0.1'] }]),
      slice('IPv6', [{ port: 443 }], [{ addresses: ['fd00::1'] }]),
    ]);
    assert.deepEqual(await r.resolveEndpoint('team', 'hooks', 443), { host: 'fd00::1', port: 443 });
    assert.equal(joinHostPort('fd00::1', 443), '[fd00::1]:443');
  });

  it('fails in kube-apiserver\'s words', async () => {
    await assert.rejects(resolver(undefined, []).r.resolveEndpoint('team', 'hooks', 443), { message: 'service "hooks" not found' });
    await assert.rejects(resolver(service({ type: 'ExternalName', externalName: 'x' }), []).r.resolveEndpoint('team', 'hooks', 443), { message: 'unsupported service type "ExternalName"' });
    await assert.rejects(resolver(service({ ports: [{ port: 8443 }] }), []).r.resolveEndpoint('team', 'hooks', 443), { message: 'no service port 443 found for service "hooks"' });
    await assert.rejects(resolver(service({ ports: [{ port: 443 }] }), []).r.resolveEndpoint('team', 'hooks', 443), { message: 'no endpoints available for service "hooks"' });
    const notReady = resolver(service({ ports: [{ port: 443 }] }), [slice('IPv4', [{ port: 443 }], [{ addresses: ['10.0.0.1'], conditions: { ready: false } }])]);
    await assert.rejects(notReady.r.resolveEndpoint('team', 'hooks', 443), { message: 'no endpoints available for service "hooks"' });
    const otherPort = resolver(service({ ports: [{ name: 'https', port: 443 }] }), [slice('IPv4', [{ name: 'http', port: 80 }], [{ addresses: ['10.0.0.1'] }])]);
    await assert.rejects(otherPort.r.resolveEndpoint('team', 'hooks', 443), { message: 'no endpoints available for service "hooks"' });
  });

  it('picks among ready endpoints at random', async () => {
    const svc = service({ ports: [{ port: 443 }] });
    const slices = [slice('IPv4', [{ port: 443 }], [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }])];
    assert.equal((await resolver(svc, slices, () => 0).r.resolveEndpoint('team', 'hooks', 443)).host, '10.0.0.1');
    assert.equal((await resolver(svc, slices, () => 0.9).r.resolveEndpoint('team', 'hooks', 443)).host, '10.0.0.2');
  });
});

describe('listerEndpointSource', () => {
  const lister = (objects: KubeObject[]): ObjectLister => ({
    synced: true,
    waitUntilSynced: async () => true,
    get: (namespace, name) => objects.find((o) => (o.metadata?.namespace ?? '') === namespace && o.metadata?.name === name),
    list: (namespace) => objects.filter((o) => namespace === undefined || o.metadata?.namespace === namespace),
  });

  it('finds a Service and the EndpointSlices labelled with its name, in its namespace', async () => {
    const labelled = (name: string, namespace: string, service: string): KubeObject => ({ metadata: { name, namespace, labels: { 'kubernetes.io/service-name': service } } });
    const source = listerEndpointSource(lister([{ metadata: { name: 'hook', namespace: 'webhooks' } }]), lister([labelled('hook-1', 'webhooks', 'hook'), labelled('other-1', 'webhooks', 'other'), labelled('hook-2', 'elsewhere', 'hook')]));
    assert.equal((await source.service('webhooks', 'hook'))?.metadata?.name, 'hook');
    assert.equal(await source.service('webhooks', 'missing'), undefined);
    assert.deepEqual(
      (await source.endpointSlices('webhooks', 'hook')).map((s) => s.metadata?.name),
      ['hook-1'],
    );
  });
});
