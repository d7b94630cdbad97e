// A service whose etcd or NATS is not there, or whose etcd wants TLS it was not given, or that lacks
// its own identity among the services: the real service processes, started the way the stack
// starts them, stop with one line naming the dependency and its address (or the missing file),
// never a start that hangs or retries forever. A dependency that comes up a moment after the
// service is waited for.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createTestClientCertificate,
  createTestServingPki,
  ensurePki,
  findRepoRoot,
  freePort,
  servingSubjectAltNames,
  startEtcd,
  startNats,
  type EtcdHandle,
  type NatsHandle,
  type PkiFiles,
} from '@kapi/local-stack';

const repoRoot = findRepoRoot();
const node = path.join(repoRoot, 'node_modules', '.bin', 'node');

/** A services PKI as the stack issues it, so each service started here holds its own identity. */
let pkiDir: string;
let pki: PkiFiles;
before(() => {
  pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-startup-pki-'));
  pki = ensurePki(pkiDir, servingSubjectAltNames([])).files;
});
after(() => fs.rmSync(pkiDir, { recursive: true, force: true }));

/** The variables with which a service finds its identity (service-env.ts hands out the same). */
function identityEnv(identity: keyof PkiFiles['identities']): Record<string, string> {
  return { KAPI_SERVICES_CA_FILE: pki.servicesCaCert, KAPI_SERVICE_CERT_FILE: pki.identities[identity].cert, KAPI_SERVICE_KEY_FILE: pki.identities[identity].key };
}

interface Exit {
  code: number | null;
  stderr: string;
  log: string;
}

/** Runs one service's entry point until it exits, or until `whileRunning` is done with it. */
async function runService(service: string, env: Record<string, string>, whileRunning?: (log: () => string) => Promise<void>): Promise<Exit> {
  const child = spawn(node, [path.join(repoRoot, 'services', service, 'dist', 'main.js')], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', KAPI_INSTANCE: `${service}-0`, KAPI_DEPENDENCY_TIMEOUT: '3s', ...identityEnv(service as keyof PkiFiles['identities']), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    if (whileRunning) {
      await whileRunning(() => log);
      child.kill('SIGTERM');
    }
    return { code: await exited, stderr, log };
  } finally {
    child.kill('SIGKILL');
  }
}

/** The last line of stderr: what `kapi <service>: cannot start:` said. */
const lastLine = (stderr: string) => stderr.trimEnd().split('\n').pop() ?? '';

describe('the admission service with admission flags it cannot honour', () => {
  it('stops with one line, as kube-apiserver does, for an unknown plugin, an overlap, or a plugin without its configuration', async () => {
    const listen = `127.0.0.1:${await freePort('127.0.0.1')}`;
    const base = { KAPI_LISTEN: listen, KAPI_WATCH_CACHE_ADDR: '127.0.0.1:1', KAPI_REGISTRY_ADDR: '127.0.0.1:1', KAPI_AUTHZ_ADDR: '127.0.0.1:1' };
    const cases: [Record<string, string>, string][] = [
      [{ KAPI_ENABLE_ADMISSION_PLUGINS: 'NamespaceLifecycle,Bogus' }, 'KAPI_ENABLE_ADMISSION_PLUGINS plugin "Bogus" is unknown'],
      [{ KAPI_DISABLE_ADMISSION_PLUGINS: 'Priorty' }, 'KAPI_DISABLE_ADMISSION_PLUGINS plugin "Priorty" is unknown'],
      [{ KAPI_ENABLE_ADMISSION_PLUGINS: 'AlwaysPullImages', KAPI_DISABLE_ADMISSION_PLUGINS: 'AlwaysPullImages' }, '[AlwaysPullImages] in KAPI_ENABLE_ADMISSION_PLUGINS and KAPI_DISABLE_ADMISSION_PLUGINS overlapped'],
      [{ KAPI_ENABLE_ADMISSION_PLUGINS: 'EventRateLimit' }, 'EventRateLimit needs a configuration: name it in the AdmissionConfiguration of KAPI_ADMISSION_CONTROL_CONFIG_FILE'],
    ];
    for (const [env, line] of cases) {
      const exit = await runService('admission', { ...base, ...env });
      assert.equal(exit.code, 1, line);
      assert.equal(lastLine(exit.stderr), `kapi admission: cannot start: ${line}`);
      assert.doesNotMatch(exit.stderr, /\n\s+at /, 'no stack trace');
    }
  });
});

describe('a service whose dependency is unreachable', () => {
  it('registry: stops with one line naming etcd and NATS and their addresses', async () => {
    const [etcdPort, natsPort, listenPort] = [await freePort('127.0.0.1'), await freePort('127.0.0.1'), await freePort('127.0.0.1')];
    const exit = await runService('registry', {
      KAPI_LISTEN: `127.0.0.1:${listenPort}`,
      KAPI_ETCD_ENDPOINTS: `http://127.0.0.1:${etcdPort}`,
      KAPI_NATS_URL: `nats://127.0.0.1:${natsPort}`,
      KAPI_ADMISSION_ADDR: '127.0.0.1:1',
      KAPI_AUTHZ_ADDR: '127.0.0.1:1',
    });
    assert.equal(exit.code, 1);
    assert.equal(
      lastLine(exit.stderr),
      `kapi registry: cannot start: etcd at http://127.0.0.1:${etcdPort} is unreachable (connect ECONNREFUSED 127.0.0.1:${etcdPort}), ` +
        `NATS at nats://127.0.0.1:${natsPort} is unreachable (connect ECONNREFUSED 127.0.0.1:${natsPort}); gave up after 3s`,
    );
    assert.doesNotMatch(exit.stderr, /\n\s+at /, 'no stack trace');
    // The JSON log says it waited, once per dependency, before it gave up.
    assert.equal(exit.log.match(/"msg":"waiting for etcd"/g)?.length, 1);
    assert.equal(exit.log.match(/"msg":"waiting for NATS"/g)?.length, 1);
  });

  it('registry: reaches an etcd that requires TLS client certificates with KAPI_ETCD_CAFILE/CERTFILE/KEYFILE, and says why not without them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-startup-tls-'));
    let etcd: EtcdHandle | undefined;
    try {
      const pki = path.join(dir, 'pki');
      const serving = createTestServingPki(pki, { dns: ['localhost'], ips: ['127.0.0.1'] });
      const client = createTestClientCertificate(pki, 'kapi-registry');
      etcd = await startEtcd({
        dataDir: path.join(dir, 'etcd'),
        clientPort: await freePort('127.0.0.1'),
        peerPort: await freePort('127.0.0.1'),
        tls: { certFile: serving.cert, keyFile: serving.key, clientCaFile: serving.caCert, probe: { ca: fs.readFileSync(serving.caCert), cert: fs.readFileSync(client.cert), key: fs.readFileSync(client.key) } },
      });
      const [natsPort, listenPort] = [await freePort('127.0.0.1'), await freePort('127.0.0.1')];
      const env = {
        KAPI_LISTEN: `127.0.0.1:${listenPort}`,
        KAPI_ETCD_ENDPOINTS: etcd.endpoints[0],
        KAPI_NATS_URL: `nats://127.0.0.1:${natsPort}`,
        KAPI_ADMISSION_ADDR: '127.0.0.1:1',
        KAPI_AUTHZ_ADDR: '127.0.0.1:1',
      };
      const natsLine = `NATS at nats://127.0.0.1:${natsPort} is unreachable (connect ECONNREFUSED 127.0.0.1:${natsPort})`;

      // etcd answers over TLS, so only the missing NATS stops the start.
      const withCertificate = await runService('registry', { ...env, KAPI_ETCD_CAFILE: serving.caCert, KAPI_ETCD_CERTFILE: client.cert, KAPI_ETCD_KEYFILE: client.key });
      assert.equal(lastLine(withCertificate.stderr), `kapi registry: cannot start: ${natsLine}; gave up after 3s`);

      const withoutCertificate = await runService('registry', { ...env, KAPI_ETCD_CAFILE: serving.caCert });
      assert.match(
        lastLine(withoutCertificate.stderr),
        new RegExp(`^kapi registry: cannot start: etcd at ${etcd.endpoints[0]} is unreachable \\(ssl/tls alert (bad certificate|certificate required) \\(SSL alert number \\d+\\)\\), `),
      );

      const missing = path.join(dir, 'no-such-ca.crt');
      const unreadable = await runService('registry', { ...env, KAPI_ETCD_CAFILE: missing });
      assert.equal(lastLine(unreadable.stderr), `kapi registry: cannot start: cannot read the etcd CA file ${missing}: ENOENT: no such file or directory, open '${missing}'`);

      const halfPair = await runService('registry', { ...env, KAPI_ETCD_CERTFILE: client.cert });
      assert.equal(lastLine(halfPair.stderr), 'kapi registry: cannot start: KAPI_ETCD_CERTFILE and KAPI_ETCD_KEYFILE go together: KAPI_ETCD_KEYFILE is not set');
      for (const exit of [withCertificate, withoutCertificate, unreadable, halfPair]) {
        assert.equal(exit.code, 1);
        assert.doesNotMatch(exit.stderr, /\n\s+at /, 'no stack trace');
      }
    } finally {
      await etcd?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('watch-cache: stops with one line naming NATS', async () => {
    const [natsPort, listenPort] = [await freePort('127.0.0.1'), await freePort('127.0.0.1')];
    const exit = await runService('watch-cache', {
      KAPI_LISTEN: `127.0.0.1:${listenPort}`,
      KAPI_NATS_URL: `nats://127.0.0.1:${natsPort}`,
      KAPI_REGISTRY_ADDR: '127.0.0.1:1',
    });
    assert.equal(exit.code, 1);
    assert.equal(
      lastLine(exit.stderr),
      `kapi watch-cache: cannot start: NATS at nats://127.0.0.1:${natsPort} is unreachable (connect ECONNREFUSED 127.0.0.1:${natsPort}); gave up after 3s`,
    );
  });

  it('watch-cache: waits for a NATS that starts a moment later, then goes on starting', async () => {
    const [natsPort, monitorPort, listenPort] = [await freePort('127.0.0.1'), await freePort('127.0.0.1'), await freePort('127.0.0.1')];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-startup-'));
    let nats: NatsHandle | undefined;
    try {
      await runService(
        'watch-cache',
        { KAPI_LISTEN: `127.0.0.1:${listenPort}`, KAPI_NATS_URL: `nats://127.0.0.1:${natsPort}`, KAPI_REGISTRY_ADDR: '127.0.0.1:1', KAPI_DEPENDENCY_TIMEOUT: '60s' },
        async (log) => {
          while (!/"msg":"waiting for NATS"/.test(log())) await new Promise((r) => setTimeout(r, 100));
          nats = await startNats({
            storeDir: path.join(dir, 'nats'),
            port: natsPort,
            monitorPort,
            runDir: dir,
            tls: { certFile: pki.identities.nats.cert, keyFile: pki.identities.nats.key, caFile: pki.servicesCaCert },
          });
          // Past its dependencies, the watch cache starts serving gRPC (its snapshot waits for a registry).
          while (!/"msg":"watch-cache started"/.test(log()) && !/cannot start/.test(log())) await new Promise((r) => setTimeout(r, 100));
          assert.doesNotMatch(log(), /cannot start|start failed/);
        },
      );
    } finally {
      await nats?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('any service: stops with one line without its own certificate from the services CA', async () => {
    const listen = `127.0.0.1:${await freePort('127.0.0.1')}`;
    const missing = await runService('authz', { KAPI_LISTEN: listen, KAPI_SERVICE_KEY_FILE: '' });
    assert.equal(lastLine(missing.stderr), "kapi authz: cannot start: KAPI_SERVICE_KEY_FILE is not set: every connection between kapi's services is mutual TLS");

    const another = await runService('authz', { KAPI_LISTEN: listen, ...identityEnv('registry') });
    assert.equal(
      lastLine(another.stderr),
      `kapi authz: cannot start: the certificate in KAPI_SERVICE_CERT_FILE (${pki.identities.registry.cert}) names the identity "registry", not "authz"`,
    );

    // A user's certificate from the cluster CA, the admin's included, is no service's identity.
    const user = await runService('authz', { KAPI_LISTEN: listen, KAPI_SERVICE_CERT_FILE: pki.adminCert, KAPI_SERVICE_KEY_FILE: pki.adminKey });
    assert.equal(lastLine(user.stderr), `kapi authz: cannot start: ${pki.adminCert} is not issued by the services CA`);
    for (const exit of [missing, another, user]) {
      assert.equal(exit.code, 1);
      assert.doesNotMatch(exit.stderr, /\n\s+at /, 'no stack trace');
    }
  });
});
