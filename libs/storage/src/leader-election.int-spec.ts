// The registry's leader election against a real etcd: of two replicas only one leads and runs what
// runs once per cluster; when the leader resigns, or loses etcd so that its lease lapses, the other
// takes over and the old one stops.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startEtcd, type EtcdHandle } from '@kapi/local-stack';
import { EtcdBackend, LeaderElection, whileLeading } from './index.js';

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('LeaderElection on etcd', { timeout: 120_000 }, () => {
  let dir: string;
  let etcd: EtcdHandle;
  let endpoint: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kapi-election-'));
    etcd = await startEtcd({ dataDir: join(dir, 'etcd'), clientPort: await freePort(), peerPort: await freePort() });
    endpoint = etcd.endpoints[0];
  });

  after(async () => {
    await etcd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A registry replica: its own etcd client and election, and a controller counting what it does. */
  function replica(name: string, election = 'test-election') {
    const backend = new EtcdBackend({ endpoints: [endpoint] });
    const elect = new LeaderElection(backend.client, election, name, { ttlSeconds: 1, retryMs: 100 });
    const controller = { running: false, starts: 0 };
    const dispose = whileLeading(elect, {
      start: () => {
        controller.running = true;
        controller.starts++;
      },
      stop: () => {
        controller.running = false;
      },
    });
    elect.start();
    let closed = false;
    return {
      name,
      elect,
      controller,
      backend,
      close: async () => {
        if (closed) return;
        closed = true;
        await dispose();
        await elect.stop();
        await backend.close();
      },
    };
  }

  it('lets one replica of two lead; when it resigns the other takes over', async () => {
    const a = replica('registry-0', 'resign');
    const b = replica('registry-1', 'resign');
    try {
      await until(() => a.elect.leading || b.elect.leading, 'one leads');
      await new Promise((r) => setTimeout(r, 1500));
      const [leader, standby] = a.elect.leading ? [a, b] : [b, a];
      assert.equal(standby.elect.leading, false, 'both lead');
      assert.equal(leader.controller.running, true);
      assert.equal(standby.controller.running, false, 'the standby runs the controller');
      await leader.close();
      await until(() => standby.elect.leading && standby.controller.running, 'the standby leads and runs the controller', 5_000);
      assert.equal(leader.controller.running, false);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('ends the term of a leader whose lease lapses, and the other replica takes over', async () => {
    const a = replica('registry-0', 'lapse');
    const b = replica('registry-1', 'lapse');
    try {
      await until(() => a.elect.leading || b.elect.leading, 'one leads');
      const [leader, standby] = a.elect.leading ? [a, b] : [b, a];
      // The leader's lease is revoked, as it lapses when the leader cannot reach etcd for its TTL.
      // The leader holds the oldest key under the election's prefix; its lease is the key's last segment.
      const { kvs } = await standby.backend.client.getAll().prefix('election/lapse/').exec();
      const held = kvs.sort((x, y) => Number(x.create_revision) - Number(y.create_revision))[0];
      assert.equal(held.value.toString(), leader.name);
      await standby.backend.client.leaseClient.leaseRevoke({ ID: held.lease });
      await until(() => standby.elect.leading && standby.controller.running, 'the standby leads', 10_000);
      await until(() => !leader.controller.running, 'the old leader stops its controller', 10_000);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
