// Service allocation against a real etcd, with two stores on two etcd clients standing for two
// registry replicas.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStatusError, type KubeObject } from '@kapi/api-machinery';
import { allowAll, GenericStore, type WriteContext } from '@kapi/generic-registry';
import { serviceStrategy } from '@kapi/kinds';
import { freePort, startEtcd, type EtcdHandle } from '@kapi/local-stack';
import { EtcdBackend } from '@kapi/storage';
import { serviceAllocationHooks } from './service-allocation.js';

const ctx: WriteContext = { user: { username: 'test', uid: '', groups: [], extra: {} }, dryRun: false, fieldManager: 'test' };
const svc = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({ metadata: { name }, spec: { ports: [{ port: 80 }], ...spec } });
const ranges = { clusterIpRange: '10.96.0.0/24', nodePortRange: [30000, 30300] as [number, number] };

describe('service allocation on etcd', () => {
  let etcd: EtcdHandle;
  let dir: string;
  let backends: EtcdBackend[];
  let replicas: GenericStore[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kapi-alloc-'));
    etcd = await startEtcd({ dataDir: join(dir, 'etcd'), clientPort: await freePort(), peerPort: await freePort() });
    backends = [new EtcdBackend({ endpoints: etcd.endpoints }), new EtcdBackend({ endpoints: etcd.endpoints })];
    replicas = backends.map((b) => new GenericStore(serviceStrategy, b, allowAll, serviceAllocationHooks(b, ranges)));
  });

  after(async () => {
    for (const b of backends) await b.close();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never hands out a cluster IP or node port twice under 200 concurrent creates on two replicas', async () => {
    const created = await Promise.all(
      Array.from({ length: 200 }, (_, i) => replicas[i % 2].create('default', svc(`s${i}`, { type: i % 4 === 0 ? 'NodePort' : 'ClusterIP' }), ctx)),
    );
    const ips = created.map((s) => (s.spec as { clusterIP: string }).clusterIP);
    assert.equal(new Set(ips).size, 200);
    for (const ip of ips) assert.match(ip, /^10\.96\.0\.(\d+)$/);
    assert.ok(!ips.includes('10.96.0.1'), 'the first address stays reserved for the kubernetes Service');
    const ports = created.flatMap((s) => (s.spec as { ports: { nodePort?: number }[] }).ports.map((p) => p.nodePort).filter(Boolean));
    assert.equal(ports.length, 50);
    assert.equal(new Set(ports).size, 50);
    // Deleting them all gives every address back.
    await Promise.all(created.map((s, i) => replicas[(i + 1) % 2].delete('default', s.metadata!.name!, {}, ctx)));
    assert.deepEqual((await backends[0].list('/kapi/allocations/')).items, []);
  });

  it('refuses a requested IP that is taken, in kube words, and frees what a failed create took', async () => {
    await replicas[0].create('default', svc('fixed', { clusterIP: '10.96.0.250' }), ctx);
    await assert.rejects(replicas[1].create('default', svc('fixed-again', { clusterIP: '10.96.0.250' }), ctx), (err: unknown) => {
      assert.ok(isStatusError(err));
      assert.equal(err.httpCode, 422);
      assert.equal(
        err.message,
        'Service "fixed-again" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.250"}: failed to allocate IP 10.96.0.250: provided IP is already allocated',
      );
      return true;
    });
    await assert.rejects(replicas[0].create('default', svc('outside', { clusterIP: '10.1.2.3' }), ctx), /is not in the valid range. The range of valid IPs is 10.96.0.0\/24/);
    // An invalid Service is refused after allocation: what it took is released.
    await assert.rejects(replicas[0].create('default', svc('Bad_Name', { clusterIP: '10.96.0.251' }), ctx), /is invalid/);
    const reused = await replicas[0].create('default', svc('good', { clusterIP: '10.96.0.251' }), ctx);
    assert.equal((reused.spec as { clusterIP: string }).clusterIP, '10.96.0.251');
  });

  it('releases the IP and node ports when the Service is deleted, and keeps nothing on a dry run', async () => {
    await replicas[0].create('default', svc('np', { type: 'NodePort', clusterIP: '10.96.0.252', ports: [{ port: 80, nodePort: 30299 }] }), ctx);
    await replicas[1].delete('default', 'np', {}, ctx);
    const again = await replicas[1].create('default', svc('np2', { type: 'NodePort', clusterIP: '10.96.0.252', ports: [{ port: 80, nodePort: 30299 }] }), ctx);
    assert.equal((again.spec as { ports: { nodePort: number }[] }).ports[0].nodePort, 30299);
    await replicas[0].create('default', svc('dry', { clusterIP: '10.96.0.253' }), { ...ctx, dryRun: true });
    await replicas[0].create('default', svc('wet', { clusterIP: '10.96.0.253' }), ctx);
  });
});
