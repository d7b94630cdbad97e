// NATS as the local stack runs it refuses everyone but the registry and the watch-caches, and gives
// each only its role: a watch-cache cannot forge an event, manage the stream or read the registry's
// replies. Against a real nats-server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { expectIdentity, NATS_IDENTITY } from '@kapi/grpc';
import { encodeBatch, type RevisionBatch } from './events.js';
import { EVENTS_STREAM, EVENTS_SUBJECT, inboxPrefixOf, JetStreamEventBus, natsConnectionOptions } from './jetstream-bus.js';
import { startSecuredNats, type SecuredNats } from './test-nats.fixture.js';

const batch = (revision: number, prevRevision: number, name = `c${revision}`): RevisionBatch => ({
  revision,
  prevRevision,
  changes: [{ type: 'PUT', key: `/registry/configmaps/default/${name}`, value: '{}', createRevision: revision, modRevision: revision }],
});

/** A RoleBinding that would make anyone cluster-admin, as a forger would publish it. */
const forged = (revision: number): RevisionBatch => ({
  revision,
  prevRevision: revision - 1,
  changes: [
    {
      type: 'PUT',
      key: '/registry/clusterrolebindings/pwned',
      value: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'pwned' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:unauthenticated' }],
      }),
      createRevision: revision,
      modRevision: revision,
    },
  ],
});

/** Why a connection with these options was refused, or fails the test when it was not. */
async function refusal(options: ConnectionOptions): Promise<string> {
  let connection: NatsConnection | undefined;
  try {
    connection = await connect({ reconnect: false, timeout: 3000, ...options });
  } catch (err) {
    const cause = (err as { cause?: Error }).cause;
    return `${(err as Error).message}${cause ? ` (${cause.message})` : ''}`;
  }
  await connection.close();
  return assert.fail('the connection was accepted');
}

describe('trust on NATS', () => {
  let nats: SecuredNats;
  let publisher: JetStreamEventBus;
  const open: NatsConnection[] = [];

  /** A raw connection with `identity`'s certificate and inbox prefix. */
  const connectAs = async (identity: 'registry' | 'watch-cache') => {
    const connection = await connect({ ...natsConnectionOptions(nats.endpoint(identity)), reconnect: false });
    open.push(connection);
    return connection;
  };

  before(async () => {
    nats = await startSecuredNats();
    publisher = await JetStreamEventBus.connect({ ...nats.endpoint('registry'), name: 'registry-0', role: 'publisher' });
    await publisher.publish(batch(10, 0));
  });

  after(async () => {
    for (const connection of open) await connection.close().catch(() => undefined);
    await publisher?.close();
    await nats?.stop();
  });

  it('refuses a client without TLS', async () => {
    assert.match(await refusal({ servers: nats.nats.url, tls: null }), /tls|TLS/);
  });

  /** Options that trust the NATS server (the services CA, its identity), with whatever client certificate `extra` gives. */
  const trusting = (extra: { cert?: Buffer; key?: Buffer } = {}) =>
    natsConnectionOptions({ url: nats.nats.url, identity: 'anonymous', tls: { ca: fs.readFileSync(nats.pki.servicesCaCert), checkServerIdentity: expectIdentity(NATS_IDENTITY), ...extra } });

  // The server ends a refused handshake with an alert, or by closing the socket before the client reads the alert.
  it('refuses an anonymous client, one that has no certificate, at the handshake', async () => {
    assert.match(await refusal(trusting()), /certificate required|alert|ECONNRESET/i);
    assert.equal(await publisher.lastSequence(), 1);
  });

  it("refuses a user's certificate from the cluster CA, the admin's included", async () => {
    assert.match(await refusal(trusting({ cert: fs.readFileSync(nats.pki.adminCert), key: fs.readFileSync(nats.pki.adminKey) })), /unknown ca|ECONNRESET/i);
  });

  it('refuses an identity of the services CA that has no role on NATS', async () => {
    for (const identity of ['operator', 'aggregator', 'authz'] as const) {
      assert.match(await refusal(natsConnectionOptions(nats.endpoint(identity))), /Authorization Violation/, identity);
    }
  });

  it("refuses a forged event published with a watch-cache's credentials, and no watch-cache ever receives it", async () => {
    const watchCache = await connectAs('watch-cache');
    const forgedBytes = encodeBatch(forged(11));
    await assert.rejects(jetstream(watchCache).publish(EVENTS_SUBJECT, forgedBytes, { msgID: '11', timeout: 3000 }), /Permissions Violation for Publish to "kapi\.events"/);
    // A plain publish, which expects no answer, is dropped by the server all the same.
    watchCache.publish(EVENTS_SUBJECT, forgedBytes);
    await watchCache.flush();
    assert.equal(await publisher.lastSequence(), 1, 'the stream holds only what the publisher wrote');

    // A watch-cache following the stream meets the next real batch right after the one before it.
    await publisher.publish(batch(11, 10));
    const consumer = await JetStreamEventBus.connect({ ...nats.endpoint('watch-cache'), name: 'watch-cache-0', role: 'consumer' });
    try {
      const received: RevisionBatch[] = [];
      for await (const { batch: b } of consumer.subscribe(1)) {
        received.push(b);
        if (received.length === 2) break;
      }
      assert.deepEqual(received, [batch(10, 0), batch(11, 10)]);
    } finally {
      await consumer.close();
    }
  });

  it('lets a watch-cache neither manage nor empty the stream', async () => {
    const jsm = await jetstreamManager(await connectAs('watch-cache'));
    await assert.rejects(jsm.streams.purge(EVENTS_STREAM), /Permissions Violation for Publish to "\$JS\.API\.STREAM\.PURGE\.KAPI_EVENTS"/);
    await assert.rejects(jsm.streams.delete(EVENTS_STREAM), /Permissions Violation for Publish to "\$JS\.API\.STREAM\.DELETE\.KAPI_EVENTS"/);
    await assert.rejects(jsm.streams.deleteMessage(EVENTS_STREAM, 1), /Permissions Violation for Publish to "\$JS\.API\.STREAM\.MSG\.DELETE\.KAPI_EVENTS"/);
    await assert.rejects(jsm.streams.update(EVENTS_STREAM, { subjects: [EVENTS_SUBJECT, 'kapi.>'] }), /Permissions Violation/);
    await assert.rejects(jsm.streams.add({ name: 'KAPI_SHADOW', subjects: ['kapi.shadow'] }), /Permissions Violation for Publish to "\$JS\.API\.STREAM\.CREATE\.KAPI_SHADOW"/);
    assert.equal(await publisher.lastSequence(), 2);
    assert.equal((await publisher.lastPublished())?.revision, 11);
  });

  it("keeps each role's replies to itself: neither may read the other's inbox", async () => {
    const [watchCache, registry] = [await connectAs('watch-cache'), await connectAs('registry')];
    for (const [connection, inbox] of [
      [watchCache, `${inboxPrefixOf('registry')}.>`],
      [registry, `${inboxPrefixOf('watch-cache')}.>`],
      [watchCache, '_INBOX.>'],
    ] as const) {
      const subscription = connection.subscribe(inbox);
      await assert.rejects(subscription.closed.then((err) => Promise.reject(err ?? new Error('closed without an error'))), /Permissions Violation for Subscription/, inbox);
    }
  });
});
