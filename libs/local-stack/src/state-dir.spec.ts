import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { moveLegacyData, statePaths } from './state-dir';

function tempStateDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-state-dir-'));
}

describe('state directory layout', () => {
  it('keeps etcd data and the JetStream store under data/', () => {
    const paths = statePaths('/srv/kapi');
    assert.equal(paths.dataDir, '/srv/kapi/data');
    assert.equal(paths.etcdDataDir, '/srv/kapi/data/etcd');
    assert.equal(paths.natsStoreDir, '/srv/kapi/data/nats');
  });

  it('moves the data of a stack started before the move into data/, once', () => {
    const root = tempStateDir();
    try {
      fs.mkdirSync(path.join(root, 'etcd', 'member'), { recursive: true });
      fs.writeFileSync(path.join(root, 'etcd', 'member', 'wal'), 'etcd');
      fs.mkdirSync(path.join(root, 'nats', 'jetstream'), { recursive: true });
      fs.writeFileSync(path.join(root, 'nats', 'jetstream', 'stream'), 'nats');
      const paths = statePaths(root);
      moveLegacyData(paths);
      assert.equal(fs.readFileSync(path.join(paths.etcdDataDir, 'member', 'wal'), 'utf8'), 'etcd');
      assert.equal(fs.readFileSync(path.join(paths.natsStoreDir, 'jetstream', 'stream'), 'utf8'), 'nats');
      assert.equal(fs.existsSync(path.join(root, 'etcd')), false);

      // Once data/ exists, a directory that happens to be called etcd/ is left alone.
      fs.mkdirSync(path.join(root, 'etcd'));
      moveLegacyData(paths);
      assert.equal(fs.existsSync(path.join(root, 'etcd')), true);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('does nothing in a fresh state directory', () => {
    const root = tempStateDir();
    try {
      moveLegacyData(statePaths(root));
      assert.deepEqual(fs.readdirSync(root), []);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
