// Mutual TLS and the caller table against real gRPC servers and clients: every way in that is not a
// service identity the table admits is refused, before the handler runs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createForeignServiceCertificate } from '@kapi/local-stack';
import { healthV1, registryV1 } from '@kapi/proto';
import type { Logger } from '@kapi/telemetry';
import { healthService } from './health.js';
import { ServiceCredentials } from './identity.js';
import { startGrpcServer, toGrpcHandlers, type GrpcServerHandle, type ServiceImplementation } from './server.js';
import { createTestPki, type TestPki } from './test-pki.fixture.js';

type Outcome = { ok: true } | { ok: false; code: grpc.status; details: string };

/** A logger that keeps what was logged, to show that a refusal is reported. */
function recordingLogger(lines: Array<{ msg: string; fields?: Record<string, unknown> }>): Logger {
  const log = (msg: string, fields?: Record<string, unknown>) => void lines.push({ msg, fields });
  const logger: Logger = { debug: log, info: log, warn: log, error: log, child: () => logger };
  return logger;
}

/** A registry stand-in that records which of its methods ran. */
function registryRecording(ran: string[]) {
  const reply = (name: string) => async () => {
    ran.push(name);
    return registryV1.ObjectReply.fromPartial({ object: Buffer.from('{}') });
  };
  const implementation = Object.fromEntries(Object.keys(registryV1.RegistryService).map((name) => [name, reply(name)]));
  return {
    ...implementation,
    snapshot: async function* () {
      ran.push('snapshot');
      yield registryV1.SnapshotChunk.fromPartial({ revision: 7 });
    },
    history: async function* () {
      ran.push('history');
    },
  } as unknown as ServiceImplementation<typeof registryV1.RegistryService>;
}

function callCreate(client: registryV1.RegistryClient): Promise<Outcome> {
  const request = registryV1.CreateRequest.fromPartial({ resource: { group: '', version: 'v1', resource: 'configmaps', namespace: 'default' }, object: Buffer.from('{}') });
  return new Promise((resolve) =>
    client.create(request, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (err) => resolve(err ? { ok: false, code: err.code, details: err.details } : { ok: true })),
  );
}

function callGet(client: registryV1.RegistryClient): Promise<Outcome> {
  return new Promise((resolve) =>
    client.get(registryV1.GetRequest.fromPartial({ name: 'x' }), new grpc.Metadata(), { deadline: Date.now() + 5000 }, (err) =>
      resolve(err ? { ok: false, code: err.code, details: err.details } : { ok: true }),
    ),
  );
}

function callSnapshot(client: registryV1.RegistryClient): Promise<Outcome> {
  return new Promise((resolve) => {
    const call = client.snapshot(registryV1.SnapshotRequest.fromPartial({ prefix: '/registry/secrets/' }), new grpc.Metadata(), { deadline: Date.now() + 5000 });
    call.on('data', () => undefined);
    call.on('error', (err: grpc.ServiceError) => resolve({ ok: false, code: err.code, details: err.details }));
    call.on('end', () => resolve({ ok: true }));
  });
}

function callHealth(client: healthV1.HealthClient): Promise<Outcome> {
  return new Promise((resolve) =>
    client.check({}, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (err) => resolve(err ? { ok: false, code: err.code, details: err.details } : { ok: true })),
  );
}

describe('trust between the services over gRPC', () => {
  let pki: TestPki;
  let server: GrpcServerHandle;
  let address: string;
  let foreignDir: string;
  const ran: string[] = [];
  const logged: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
  const clients: grpc.Client[] = [];

  /** A registry client over `credentials`, closed after the tests. */
  const registryClient = (credentials: grpc.ChannelCredentials, options: Partial<grpc.ClientOptions> = { 'grpc.ssl_target_name_override': 'registry' }) => {
    const client = new registryV1.RegistryClient(address, credentials, options);
    clients.push(client);
    return client;
  };
  const as = (identity: Parameters<TestPki['credentials']>[0]) => registryClient(pki.credentials(identity).channelTo('registry'));
  const healthAs = (identity: Parameters<TestPki['credentials']>[0]) => {
    const client = new healthV1.HealthClient(address, pki.credentials(identity).channelTo('registry'), { 'grpc.ssl_target_name_override': 'registry' });
    clients.push(client);
    return client;
  };
  const refusedAtHandshake = (outcome: Outcome) => {
    assert.equal(outcome.ok, false);
    assert.equal((outcome as { code: grpc.status }).code, grpc.status.UNAVAILABLE, JSON.stringify(outcome));
  };

  before(async () => {
    pki = createTestPki();
    foreignDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-foreign-'));
    server = await startGrpcServer(
      '127.0.0.1:0',
      [{ definition: registryV1.RegistryService, handlers: toGrpcHandlers(registryV1.RegistryService, registryRecording(ran)) }, healthService('registry', [])],
      { credentials: pki.credentials('registry'), logger: recordingLogger(logged) },
    );
    address = `127.0.0.1:${server.port}`;
  });

  after(async () => {
    for (const client of clients) client.close();
    await server?.stop();
    pki?.remove();
    fs.rmSync(foreignDir, { recursive: true, force: true });
  });

  it('refuses a plaintext client: no call reaches the handler', async () => {
    refusedAtHandshake(await callCreate(registryClient(grpc.credentials.createInsecure(), {})));
    assert.deepEqual(ran, []);
  });

  it('refuses a TLS client without a client certificate, at the handshake', async () => {
    const ca = fs.readFileSync(pki.files.servicesCaCert);
    const health = new healthV1.HealthClient(address, grpc.credentials.createSsl(ca), { 'grpc.ssl_target_name_override': 'registry' });
    clients.push(health);
    refusedAtHandshake(await callHealth(health));
    refusedAtHandshake(await callCreate(registryClient(grpc.credentials.createSsl(ca))));
    assert.deepEqual(ran, []);
  });

  it("refuses a user's client certificate from the cluster CA, even the admin's (system:masters)", async () => {
    const ca = fs.readFileSync(pki.files.servicesCaCert);
    const admin = grpc.credentials.createSsl(ca, fs.readFileSync(pki.files.adminKey), fs.readFileSync(pki.files.adminCert));
    refusedAtHandshake(await callCreate(registryClient(admin)));
    assert.deepEqual(ran, []);
  });

  it("refuses a certificate naming a front door that another CA issued", async () => {
    const foreign = createForeignServiceCertificate(foreignDir, 'aggregator');
    const ca = fs.readFileSync(pki.files.servicesCaCert);
    const impostor = grpc.credentials.createSsl(ca, fs.readFileSync(foreign.key), fs.readFileSync(foreign.cert));
    refusedAtHandshake(await callCreate(registryClient(impostor)));
    assert.deepEqual(ran, []);
  });

  it('refuses another service asking for what it may not, with PERMISSION_DENIED naming the identity and the method, and logs it', async () => {
    assert.deepEqual(await callCreate(as('watch-cache')), {
      ok: false,
      code: grpc.status.PERMISSION_DENIED,
      details: 'the identity "watch-cache" may not call kapi.registry.v1.Registry/Create',
    });
    assert.deepEqual(await callSnapshot(as('authn')), {
      ok: false,
      code: grpc.status.PERMISSION_DENIED,
      details: 'the identity "authn" may not call kapi.registry.v1.Registry/Snapshot',
    });
    assert.deepEqual(await callGet(as('operator')), {
      ok: false,
      code: grpc.status.PERMISSION_DENIED,
      details: 'the identity "operator" may not call kapi.registry.v1.Registry/Get',
    });
    assert.deepEqual(ran, [], 'no handler ran');
    const refusals = logged.filter((line) => line.msg === 'refused a gRPC call').map((line) => `${line.fields?.identity} ${line.fields?.method}`);
    assert.deepEqual(refusals, [
      'watch-cache /kapi.registry.v1.Registry/Create',
      'authn /kapi.registry.v1.Registry/Snapshot',
      'operator /kapi.registry.v1.Registry/Get',
    ]);
  });

  it('serves the callers the table admits', async () => {
    assert.deepEqual(await callCreate(as('aggregator')), { ok: true });
    assert.deepEqual(await callGet(as('authn')), { ok: true });
    assert.deepEqual(await callSnapshot(as('watch-cache')), { ok: true });
    assert.deepEqual(await callHealth(healthAs('operator')), { ok: true });
    assert.deepEqual(ran, ['create', 'get', 'snapshot']);
  });

  it("a client refuses a server whose certificate names another service, though the CA is the same", async () => {
    const expectingAuthz = registryClient(pki.credentials('aggregator').channelTo('authz'), { 'grpc.ssl_target_name_override': 'authz' });
    const before = ran.length;
    const outcome = await callCreate(expectingAuthz);
    refusedAtHandshake(outcome);
    assert.match((outcome as { details: string }).details, /the server's certificate names the identity "registry", not "authz"/);
    assert.equal(ran.length, before);
  });

  it('credentials refuse a certificate the services CA did not issue, or one that does not match its key', () => {
    const foreign = createForeignServiceCertificate(foreignDir, 'registry');
    assert.throws(
      () => ServiceCredentials.fromFiles({ caFile: pki.files.servicesCaCert, certFile: foreign.cert, keyFile: foreign.key }),
      /is not issued by the services CA/,
    );
    assert.throws(
      () => ServiceCredentials.fromFiles({ caFile: pki.files.servicesCaCert, certFile: pki.files.identities.registry.cert, keyFile: pki.files.identities.authz.key }),
      /does not match its key/,
    );
    assert.equal(pki.credentials('watch-cache').identity, 'watch-cache');
  });
});
