import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { ComponentStatuses, CONTROLLER_MANAGER_HEALTHZ, httpsProbe, SCHEDULER_HEALTHZ } from './component-statuses.js';

const healthyProbe = async (url: string) => ({ healthy: url === SCHEDULER_HEALTHZ, message: url === SCHEDULER_HEALTHZ ? 'ok' : `Get ${JSON.stringify(url)}: dial tcp 127.0.0.1:10257: connect: connection refused` });

describe('ComponentStatuses', () => {
  it('lists the controller manager, the scheduler and each etcd server as kube-apiserver does', async () => {
    const statuses = new ComponentStatuses(['https://a:2379', 'https://b:2379'], async () => {}, healthyProbe);
    assert.deepEqual(await statuses.list(), {
      kind: 'ComponentStatusList',
      apiVersion: 'v1',
      metadata: {},
      items: [
        { metadata: { name: 'controller-manager' }, conditions: [{ type: 'Healthy', status: 'False', message: `Get "${CONTROLLER_MANAGER_HEALTHZ}": dial tcp 127.0.0.1:10257: connect: connection refused` }] },
        { metadata: { name: 'scheduler' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] },
        { metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] },
        { metadata: { name: 'etcd-1' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] },
      ],
    });
  });

  it('reports an etcd that does not answer, and 404s a component it does not know', async () => {
    const statuses = new ComponentStatuses(['https://a:2379'], () => Promise.reject(new Error('context deadline exceeded')), healthyProbe);
    assert.deepEqual(await statuses.get('etcd-0'), { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'False', message: 'context deadline exceeded' }] });
    await assert.rejects(statuses.get('nope'), { message: 'componentstatus "nope" not found' });
  });

  it('words a refused connection as Go does', async () => {
    // A port just released: nothing listens on it.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const url = `https://127.0.0.1:${port}/healthz`;
    assert.deepEqual(await httpsProbe(url), { healthy: false, message: `Get "${url}": dial tcp 127.0.0.1:${port}: connect: connection refused` });
  });
});
