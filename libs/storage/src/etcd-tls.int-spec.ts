// etcd over TLS, as kubeadm runs it: https:// client URLs, and a client certificate required. A real
// etcd started that way, and the backend and the start-up probe the registry uses.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestClientCertificate, createTestServingPki, freePort, startEtcd, type EtcdHandle } from '@kapi/local-stack';
import { EtcdBackend, etcdDependency, readEtcdTls } from './index.js';

describe('etcd over TLS with client certificates', { timeout: 120_000 }, () => {
  let dir: string;
  let etcd: EtcdHandle;
  let files: { caFile: string; certFile: string; keyFile: string };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kapi-etcd-tls-'));
    const pki = join(dir, 'pki');
    const serving = createTestServingPki(pki, { dns: ['localhost'], ips: ['127.0.0.1'] });
    const client = createTestClientCertificate(pki, 'kapi-registry');
    files = { caFile: serving.caCert, certFile: client.cert, keyFile: client.key };
    etcd = await startEtcd({
      dataDir: join(dir, 'etcd'),
      clientPort: await freePort(),
      peerPort: await freePort(),
      tls: {
        certFile: serving.cert,
        keyFile: serving.key,
        clientCaFile: serving.caCert,
        probe: { ca: readFileSync(serving.caCert), cert: readFileSync(client.cert), key: readFileSync(client.key) },
      },
    });
  });

  after(async () => {
    await etcd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves https:// endpoints only', () => {
    assert.match(etcd.endpoints[0], /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('writes and reads through the backend with the CA and the client certificate', async () => {
    const backend = new EtcdBackend({ endpoints: etcd.endpoints, tls: readEtcdTls(files) });
    try {
      const created = await backend.create('/registry/configmaps/default/over-tls', Buffer.from('{"kind":"ConfigMap"}'));
      const read = await backend.get('/registry/configmaps/default/over-tls');
      assert.equal(read?.value.toString(), '{"kind":"ConfigMap"}');
      assert.equal(read?.modRevision, created);
    } finally {
      await backend.close();
    }
  });

  it('is reachable for the start-up probe with them, and unreachable without a client certificate', async () => {
    await etcdDependency(etcd.endpoints, readEtcdTls(files)).probe();
    await assert.rejects(etcdDependency(etcd.endpoints, readEtcdTls({ caFile: files.caFile })).probe(), (err: Error) => {
      // etcd refuses the handshake of a client without a certificate. OpenSSL names the same alert
      // `sslv3 alert` or `ssl/tls alert` depending on the record layer that reads it, which varies
      // with timing (seen both ways on this machine).
      assert.match(err.message, /^(ssl\/tls|sslv3) alert (bad certificate|certificate required) \(SSL alert number \d+\)$/);
      return true;
    });
  });

  it('names a TLS file it cannot read', () => {
    const missing = join(dir, 'nowhere', 'ca.crt');
    assert.throws(() => readEtcdTls({ caFile: missing }), { message: `cannot read the etcd CA file ${missing}: ENOENT: no such file or directory, open '${missing}'` });
    assert.equal(readEtcdTls({}), undefined);
  });
});
