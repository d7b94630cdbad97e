import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StackError } from './errors';
import { checkEtcdHealth, startEtcd } from './etcd';
import { checkNatsHealth, startNats } from './nats';
import { freePort, httpGet } from './network';
import { processState } from './processes';

let workDir: string;
before(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-infra-'));
});
after(() => fs.rmSync(workDir, { recursive: true, force: true }));

describe('startEtcd', { timeout: 60_000 }, () => {
  test('starts on free ports, answers /health, keeps data across a restart, and stop leaves no process', async () => {
    const dataDir = path.join(workDir, 'etcd');
    const runDir = path.join(workDir, 'run');
    const ports = { clientPort: await freePort(), peerPort: await freePort() };
    const etcd = await startEtcd({ dataDir, ...ports, runDir });
    const endpoint = etcd.endpoints[0];
    assert.equal(endpoint, `http://127.0.0.1:${ports.clientPort}`);
    assert.deepEqual(await checkEtcdHealth(endpoint), { healthy: true, detail: 'healthy' });
    assert.ok(fs.existsSync(path.join(runDir, 'etcd.pid')));
    await etcdPut(endpoint, 'kapi-probe', 'survives');

    assert.equal(await etcd.stop(), 'stopped');
    assert.equal(processState(etcd.process.record), 'gone');
    assert.ok(!fs.existsSync(path.join(runDir, 'etcd.pid')));
    assert.equal((await checkEtcdHealth(endpoint)).healthy, false);

    const restarted = await startEtcd({ dataDir, ...ports, runDir });
    try {
      assert.equal(await etcdGet(endpoint, 'kapi-probe'), 'survives');
    } finally {
      await restarted.stop();
    }
    assert.equal(processState(restarted.process.record), 'gone');
  });

  test('a port conflict makes etcd exit during start and fails with a one-line error naming its log', async () => {
    // etcd dials its own client URL before it notices the bind failure; those connections must be cut to close the blocker.
    const connections = new Set<net.Socket>();
    const blocker = net.createServer((socket) => connections.add(socket));
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const blockedPort = (blocker.address() as net.AddressInfo).port;
    try {
      const logFile = path.join(workDir, 'conflict.log');
      await assert.rejects(
        startEtcd({ dataDir: path.join(workDir, 'etcd-conflict'), clientPort: blockedPort, peerPort: await freePort(), logFile }),
        (error: Error) => {
          assert.ok(error instanceof StackError);
          assert.match(error.message, new RegExp(`^etcd exited during start \\(exit code \\d+\\); see ${logFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
          return true;
        },
      );
    } finally {
      for (const socket of connections) socket.destroy();
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('startNats', { timeout: 60_000 }, () => {
  test('starts JetStream with fsync always on free ports, reports healthy, and stop leaves no process', async () => {
    const storeDir = path.join(workDir, 'nats');
    const nats = await startNats({ storeDir, port: await freePort(), monitorPort: await freePort() });
    try {
      assert.match(nats.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
      assert.deepEqual(await checkNatsHealth(nats.monitorUrl), { healthy: true, detail: 'healthy' });
      const varz = JSON.parse((await httpGet(`${nats.monitorUrl}/varz`)).body) as { jetstream: { config: { store_dir: string; sync_always: boolean } } };
      assert.equal(varz.jetstream.config.sync_always, true);
      assert.ok(varz.jetstream.config.store_dir.startsWith(storeDir));
    } finally {
      assert.equal(await nats.stop(), 'stopped');
    }
    assert.equal(processState(nats.process.record), 'gone');
    assert.equal((await checkNatsHealth(nats.monitorUrl)).healthy, false);
  });
});

async function etcdPut(endpoint: string, key: string, value: string): Promise<void> {
  const response = await fetch(`${endpoint}/v3/kv/put`, {
    method: 'POST',
    body: JSON.stringify({ key: base64(key), value: base64(value) }),
  });
  assert.equal(response.status, 200);
}

async function etcdGet(endpoint: string, key: string): Promise<string | undefined> {
  const response = await fetch(`${endpoint}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: base64(key) }) });
  const body = (await response.json()) as { kvs?: Array<{ value: string }> };
  return body.kvs?.[0] ? Buffer.from(body.kvs[0].value, 'base64').toString('utf8') : undefined;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
