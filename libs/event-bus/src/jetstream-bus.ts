// EventBus on NATS JetStream. The stream keeps every batch on disk (the server is configured with
// sync_interval: always so an acknowledged publish survives a power loss) and the message id is the
// etcd revision, so a publisher that retries or fails over never stores a revision twice.
//
// NATS is reached over mutual TLS with the service's certificate; the server maps the certificate to
// a NATS user whose permissions fit its role (see NATS_PERMISSIONS in @kapi/local-stack's nats.ts
// and the chart's NATS config): only the registry's publisher writes the stream and manages it, the
// watch-caches only read it, and each identity's replies arrive under an inbox prefix of its own.
import type { ConnectionOptions } from 'node:tls';
import { connect, type ConnectionOptions as NatsConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { NATS_IDENTITY, type ServiceCredentials } from '@kapi/grpc';
import {
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { decodeBatch, encodeBatch, type EventBus, type ReceivedBatch, type RevisionBatch } from './events.js';

export const EVENTS_STREAM = 'KAPI_EVENTS';
export const EVENTS_SUBJECT = 'kapi.events';

const SECOND_NS = 1_000_000_000;

/** What a connection does on the event stream; the NATS user its certificate maps to allows no more. */
export type EventBusRole = 'publisher' | 'consumer';

/** Where NATS is and how this process proves who it is there. */
export interface NatsEndpoint {
  url: string;
  /** Node TLS options: the service's certificate and key, the services CA, and the check that the server is NATS. */
  tls: ConnectionOptions;
  /** The identity the certificate names: its replies come under `inboxPrefixOf(identity)`, the only inbox its NATS user may read. */
  identity: string;
}

export interface JetStreamBusOptions extends NatsEndpoint {
  name: string;
  /** The publisher creates the stream when it is missing; a consumer waits for it. */
  role: EventBusRole;
  /** How long batches are kept; watch-cache replicas that fall further behind re-list. */
  maxAgeSeconds?: number;
}

/** The inbox prefix of an identity's replies; its NATS user may subscribe under this prefix alone. */
export function inboxPrefixOf(identity: string): string {
  return `_INBOX.${identity}`;
}

/** NATS at `url`, reached with a service's credentials. */
export function natsEndpoint(url: string, credentials: ServiceCredentials): NatsEndpoint {
  return { url, tls: credentials.tlsTo(NATS_IDENTITY), identity: credentials.identity };
}

/** How nats.js connects to `endpoint`: over TLS with the endpoint's checks, replies under the identity's inbox prefix. */
export function natsConnectionOptions(endpoint: NatsEndpoint): NatsConnectionOptions {
  return { servers: endpoint.url, tls: endpoint.tls as NatsConnectionOptions['tls'], inboxPrefix: inboxPrefixOf(endpoint.identity) };
}

export class JetStreamEventBus implements EventBus {
  private constructor(
    readonly connection: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {}

  static async connect(options: JetStreamBusOptions): Promise<JetStreamEventBus> {
    const nc = await connect({
      ...natsConnectionOptions(options),
      name: options.name,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 3000,
    });
    const jsm = await jetstreamManager(nc);
    if (options.role === 'publisher') await JetStreamEventBus.ensureStream(jsm, options.maxAgeSeconds);
    return new JetStreamEventBus(nc, jetstream(nc), jsm);
  }

  private static async ensureStream(jsm: JetStreamManager, maxAgeSeconds = 3600): Promise<void> {
    const config = {
      name: EVENTS_STREAM,
      subjects: [EVENTS_SUBJECT],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: maxAgeSeconds * SECOND_NS,
      duplicate_window: 120 * SECOND_NS,
      num_replicas: 1,
    };
    try {
      await jsm.streams.info(EVENTS_STREAM);
    } catch {
      try {
        await jsm.streams.add(config);
      } catch (err) {
        // Another replica created it between our look and our add.
        await jsm.streams.info(EVENTS_STREAM).catch(() => {
          throw err;
        });
      }
    }
  }

  async publish(batch: RevisionBatch): Promise<void> {
    await this.js.publish(EVENTS_SUBJECT, encodeBatch(batch), { msgID: String(batch.revision), timeout: 5000 });
  }

  async lastPublished(): Promise<RevisionBatch | undefined> {
    const info = await this.jsm.streams.info(EVENTS_STREAM);
    if (info.state.messages === 0) return undefined;
    const msg = await this.jsm.streams.getMessage(EVENTS_STREAM, { seq: info.state.last_seq });
    return msg ? decodeBatch(msg.data) : undefined;
  }

  async lastSequence(): Promise<number> {
    const info = await this.jsm.streams.info(EVENTS_STREAM);
    return info.state.last_seq;
  }

  async *subscribe(fromSequence: number): AsyncIterable<ReceivedBatch> {
    const consumer = await this.js.consumers.get(EVENTS_STREAM, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, fromSequence),
    });
    // Short pull expiries and heartbeats: after a server restart a lost pull request is noticed in
    // seconds, not after the default half minute.
    const messages = await consumer.consume({ expires: 5_000, idle_heartbeat: 1_000 });
    let lost: Error | undefined;
    const status = this.connection.status() as AsyncIterable<{ type: string }> & { stop?: () => void };
    const watchStatus = (async () => {
      for await (const s of status) {
        if (s.type === 'disconnect') {
          lost = new Error('the connection to NATS was lost');
          await messages.close().catch(() => {});
          return;
        }
      }
    })();
    try {
      for await (const m of messages) {
        yield { sequence: m.seq, batch: decodeBatch(m.data) };
      }
      if (lost) throw lost;
    } finally {
      await messages.close().catch(() => {});
      status.stop?.();
      await watchStatus.catch(() => {});
    }
  }

  async close(): Promise<void> {
    await this.connection.drain().catch(() => this.connection.close());
  }
}

/** Resolves once a NATS server at `endpoint.url` accepts this process; rejects with why not (the socket's error when there is one). */
async function probeNats(endpoint: NatsEndpoint): Promise<void> {
  let connection: NatsConnection;
  try {
    connection = await connect({ ...natsConnectionOptions(endpoint), reconnect: false, timeout: 2000 });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    throw new Error(cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err));
  }
  await connection.close();
}

/** NATS as a dependency a service waits for at start (see @kapi/service-kit's awaitDependencies). */
export function natsDependency(endpoint: NatsEndpoint) {
  return { name: 'NATS', address: endpoint.url, probe: () => probeNats(endpoint) };
}
