// Trust between the services of a running stack: only identities from the services CA get past the
// handshake of any gRPC port or of NATS, each only to what the caller table or its NATS user grants,
// and the stack still serves kubectl through every hop.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { EVENTS_SUBJECT, encodeBatch, natsConnectionOptions, natsEndpoint } from '@kapi/event-bus';
import { expectIdentity, grpc, NATS_IDENTITY } from '@kapi/grpc';
import { stackStatus } from '@kapi/local-stack';
import { healthV1, registryV1 } from '@kapi/proto';
import { apiRequest, collectWatch, credentialsOf, eventually, startTestStack, type TestStack } from './harness.js';

type Outcome = { ok: true } | { ok: false; code: grpc.status; details: string };

/** The end of one gRPC call, as its status. */
function outcome(invoke: (done: (err: grpc.ServiceError | null) => void) => void): Promise<Outcome> {
  return new Promise((resolve) => invoke((err) => resolve(err ? { ok: false, code: err.code, details: err.details } : { ok: true })));
}

const deadline = () => ({ deadline: Date.now() + 10_000 });

/** A ClusterRoleBinding that would make every authenticated user cluster-admin. */
const PWNED = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: 'pwned' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }],
};

describe('trust between the services of a running stack', { timeout: 300_000 }, () => {
  let stack: TestStack;
  const clients: grpc.Client[] = [];
  const natsUrl = () => `nats://${stack.handle.topology.nats.host}:${stack.handle.topology.nats.port}`;
  const registryAddress = () => stack.handle.processes.find((p) => p.instance === 'registry-0')!.address;

  /** A client of the registry replica over `credentials`, closed after the tests. */
  const registry = (credentials: grpc.ChannelCredentials) => {
    const client = new registryV1.RegistryClient(registryAddress(), credentials, { 'grpc.ssl_target_name_override': 'registry' });
    clients.push(client);
    return client;
  };
  const createAsMasters = (client: registryV1.RegistryClient) =>
    outcome((done) =>
      client.create(
        registryV1.CreateRequest.fromPartial({
          resource: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', namespace: '' },
          object: Buffer.from(JSON.stringify(PWNED)),
          context: { user: { username: 'kubernetes-admin', uid: '', groups: ['system:masters', 'system:authenticated'], extra: {} } },
        }),
        new grpc.Metadata(),
        deadline(),
        done,
      ),
    );
  const pwnedIsAbsent = async () => {
    const got = await apiRequest(stack, 'GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/pwned');
    assert.equal(got.code, 404, got.body);
  };
  const refusedAtHandshake = (result: Outcome) => {
    assert.equal(result.ok, false);
    assert.equal((result as { code: grpc.status }).code, grpc.status.UNAVAILABLE, JSON.stringify(result));
  };
  const registryLog = () =>
    fs
      .readFileSync(stack.handle.processes.find((p) => p.instance === 'registry-0')!.logFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes('refused a gRPC call'))
      .map((line) => JSON.parse(line) as { identity?: string; method?: string; reason?: string });

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1 });
  });

  after(async () => {
    for (const client of clients) client.close();
    await stack?.stop();
  });

  it('serves kubectl through every hop, each over mutual TLS', async () => {
    const created = await stack.kubectl(['create', 'configmap', 'trusted', '--from-literal=k=v']);
    assert.equal(created.code, 0, created.stderr);
    const got = await stack.kubectl(['get', 'configmap', 'trusted', '-o', 'jsonpath={.data.k}']);
    assert.deepEqual([got.code, got.stdout], [0, 'v'], got.stderr);
    const canI = await stack.kubectl(['auth', 'can-i', 'list', 'secrets', '--as', 'mallory']);
    assert.equal(canI.stdout, 'no\n', canI.stderr);
  });

  it('refuses a plaintext gRPC client', async () => {
    refusedAtHandshake(await createAsMasters(registry(grpc.credentials.createInsecure())));
    await pwnedIsAbsent();
  });

  it("refuses a user's client certificate from the cluster CA, even system:masters'", async () => {
    const ca = fs.readFileSync(stack.handle.pki.servicesCaCert);
    const admin = grpc.credentials.createSsl(ca, fs.readFileSync(stack.handle.pki.adminKey), fs.readFileSync(stack.handle.pki.adminCert));
    refusedAtHandshake(await createAsMasters(registry(admin)));
    await pwnedIsAbsent();
  });

  it('refuses a service asking the registry for what it may not: a write as system:masters, a snapshot of the Secrets', async () => {
    assert.deepEqual(await createAsMasters(registry(credentialsOf(stack, 'watch-cache').channelTo('registry'))), {
      ok: false,
      code: grpc.status.PERMISSION_DENIED,
      details: 'the identity "watch-cache" may not call kapi.registry.v1.Registry/Create',
    });
    await pwnedIsAbsent();

    const secrets = await new Promise<Outcome>((resolve) => {
      const call = registry(credentialsOf(stack, 'authn').channelTo('registry')).snapshot(registryV1.SnapshotRequest.fromPartial({ prefix: '/registry/secrets/' }), new grpc.Metadata(), deadline());
      let chunks = 0;
      call.on('data', () => chunks++);
      call.on('error', (err: grpc.ServiceError) => resolve({ ok: false, code: err.code, details: `${err.details} (${chunks} chunks)` }));
      call.on('end', () => resolve({ ok: true }));
    });
    assert.deepEqual(secrets, { ok: false, code: grpc.status.PERMISSION_DENIED, details: 'the identity "authn" may not call kapi.registry.v1.Registry/Snapshot (0 chunks)' });

    await eventually(() =>
      assert.deepEqual(
        registryLog().map((line) => `${line.identity} ${line.method}`),
        ['watch-cache /kapi.registry.v1.Registry/Create', 'authn /kapi.registry.v1.Registry/Snapshot'],
      ),
    );
  });

  it("lets the operator ask every service's Health, which is what npm run status does", async () => {
    const operator = credentialsOf(stack, 'operator');
    for (const process of stack.handle.processes.filter((p) => p.kind === 'service')) {
      const service = process.instance.replace(/-\d+$/, '');
      const health = new healthV1.HealthClient(process.address, operator.channelTo(service), { 'grpc.ssl_target_name_override': service });
      clients.push(health);
      assert.deepEqual(await outcome((done) => health.check({}, new grpc.Metadata(), deadline(), done)), { ok: true }, process.instance);
    }
    assert.deepEqual(await createAsMasters(registry(operator.channelTo('registry'))), {
      ok: false,
      code: grpc.status.PERMISSION_DENIED,
      details: 'the identity "operator" may not call kapi.registry.v1.Registry/Create',
    });
    const rows = await stackStatus(stack.handle.stateDir, stack.handle.topology);
    for (const row of rows.filter((r) => r.kind === 'service')) {
      assert.equal(row.health?.healthy, true, `${row.instance}: ${row.health?.detail}`);
      assert.match(row.health?.detail ?? '', /^(ready|answering, not ready .*)$/, row.instance);
    }
  });

  it('refuses an anonymous NATS client, with TLS or without', async () => {
    await assert.rejects(connect({ servers: natsUrl(), reconnect: false, timeout: 3000, tls: null }), /tls|TLS/);
    const anonymous = natsConnectionOptions({ url: natsUrl(), identity: 'anonymous', tls: { ca: fs.readFileSync(stack.handle.pki.servicesCaCert), checkServerIdentity: expectIdentity(NATS_IDENTITY) } });
    await assert.rejects(connect({ ...anonymous, reconnect: false, timeout: 3000 }), (err: Error & { cause?: Error }) => {
      // The server ends the handshake: with an alert, or by closing the socket before the client reads it.
      assert.match(`${err.message} ${err.cause?.message ?? ''}`, /certificate required|alert|ECONNRESET/i);
      return true;
    });
  });

  it("refuses a forged event published with a watch-cache's NATS credentials, and no watch-cache ever serves it", async () => {
    const list = JSON.parse((await apiRequest(stack, 'GET', '/api/v1/namespaces/default/configmaps')).body) as { metadata: { resourceVersion: string } };
    const revision = Number(list.metadata.resourceVersion);
    const forgedObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'forged', namespace: 'default', uid: 'forged', resourceVersion: String(revision + 1) } };
    const forged = encodeBatch({
      revision: revision + 1,
      prevRevision: revision,
      changes: [
        { type: 'PUT', key: '/registry/configmaps/default/forged', value: JSON.stringify(forgedObject), createRevision: revision + 1, modRevision: revision + 1 },
        { type: 'PUT', key: '/registry/clusterrolebindings/pwned', value: JSON.stringify(PWNED), createRevision: revision + 1, modRevision: revision + 1 },
      ],
    });

    const watched = collectWatch(stack, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${revision}`, (events) =>
      events.some((e) => e.object.metadata?.name === 'after-forgery'),
    );
    const nats = await connect({ ...natsConnectionOptions(natsEndpoint(natsUrl(), credentialsOf(stack, 'watch-cache'))), reconnect: false });
    try {
      await assert.rejects(jetstream(nats).publish(EVENTS_SUBJECT, forged, { msgID: String(revision + 1), timeout: 5000 }), /Permissions Violation for Publish to "kapi\.events"/);
      nats.publish(EVENTS_SUBJECT, forged);
      await nats.flush();
    } finally {
      await nats.close();
    }

    const created = await stack.kubectl(['create', 'configmap', 'after-forgery']);
    assert.equal(created.code, 0, created.stderr);
    const events = await watched;
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.object.metadata?.name}`),
      ['ADDED after-forgery'],
      'the watch goes on from the real write, without the forged one',
    );
    const forgedGet = await apiRequest(stack, 'GET', '/api/v1/namespaces/default/configmaps/forged');
    assert.equal(forgedGet.code, 404);
    await pwnedIsAbsent();
    const canI = await stack.kubectl(['auth', 'can-i', 'list', 'secrets', '--as', 'mallory']);
    assert.equal(canI.stdout, 'no\n', `the RBAC index authz builds from the stream holds no forged binding: ${canI.stderr}`);
  });
});
