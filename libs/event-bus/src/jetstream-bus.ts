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
import { decodeBatch, encodeBatch, UnpublishableBatchError, type EventBus, type ReceivedBatch, type RevisionBatch } from './events.js';

export const EVENTS_STREAM = 'KAPI_EVENTS';
export const EVENTS_SUBJECT = 'kapi.events';

/**
 * The largest message on the event stream: the stream's max_msg_size, and the max_payload the
 * local stack's and the chart's NATS servers are configured with (NATS's default of 1 MiB would
 * refuse the largest objects). etcd takes requests of at most 1.5 MiB (its --max-request-bytes,
 * kube's object limit), so a revision's values are no larger; as JSON strings inside the batch's
 * JSON they grow by at most twice (each quote and backslash escaped again). 4 MiB carries that
 * with room for keys and revisions. A larger batch is published as a history marker instead.
 */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** What NATS adds to a message besides the batch: the message id header and its framing. */
const HEADER_ALLOWANCE = 1024;
/** JetStream's error code for a message larger than the stream's max_msg_size. */
const MESSAGE_TOO_LARGE = 10054;

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
    /** The stream's max_msg_size (-1: no limit of its own). */
    private readonly streamMaxMessageBytes: number,
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
    // Only the publisher creates the stream and learns its message limit; a consumer never publishes.
    const streamMaxMessageBytes = options.role === 'publisher' ? await JetStreamEventBus.ensureStream(jsm, options.maxAgeSeconds) : -1;
    return new JetStreamEventBus(nc, jetstream(nc), jsm, streamMaxMessageBytes);
  }

  /** Creates the stream when it is missing, and answers its largest message. */
  private static async ensureStream(jsm: JetStreamManager, maxAgeSeconds = 3600): Promise<number> {
    const config = {
      name: EVENTS_STREAM,
      subjects: [EVENTS_SUBJECT],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: maxAgeSeconds * SECOND_NS,
      duplicate_window: 120 * SECOND_NS,
      num_replicas: 1,
      max_msg_size: MAX_BATCH_BYTES,
    };
    let streamMaxMessageBytes: number;
    try {
      streamMaxMessageBytes = (await jsm.streams.info(EVENTS_STREAM)).config.max_msg_size;
    } catch {
      try {
        streamMaxMessageBytes = (await jsm.streams.add(config)).config.max_msg_size;
      } catch (err) {
        // Another replica created it between our look and our add.
        streamMaxMessageBytes = (
          await jsm.streams.info(EVENTS_STREAM).catch(() => {
            throw err;
          })
        ).config.max_msg_size;
      }
    }
    if (streamMaxMessageBytes !== MAX_BATCH_BYTES) {
      // A stream made before the limit was set (or changed since). Left as it is if this connection
      // may not change it: publish then keeps to the limit the stream has.
      streamMaxMessageBytes = await jsm.streams
        .update(EVENTS_STREAM, { max_msg_size: MAX_BATCH_BYTES })
        .then((info) => info.config.max_msg_size)
        .catch(() => streamMaxMessageBytes);
    }
    return streamMaxMessageBytes;
  }

  /** The largest message this bus can store now: the stream's limit and the server's max_payload, whichever is smaller. */
  get maxMessageBytes(): number {
    const limits = [this.streamMaxMessageBytes, this.connection.info?.max_payload ?? -1].filter((limit) => limit > 0);
    return limits.length ? Math.min(...limits) : Infinity;
  }

  /** Throws UnpublishableBatchError for a batch larger than a message may be, checked here or refused by NATS. */
  async publish(batch: RevisionBatch): Promise<void> {
    const data = encodeBatch(batch);
    const limit = this.maxMessageBytes;
    if (data.length + HEADER_ALLOWANCE > limit) {
      throw new UnpublishableBatchError(batch.revision, data.length, `the batch of revision ${batch.revision} is ${data.length} bytes; the event stream takes at most ${limit}`);
    }
    try {
      await this.js.publish(EVENTS_SUBJECT, data, { msgID: String(batch.revision), timeout: 5000 });
    } catch (err) {
      if (!refusesSize(err)) throw err;
      throw new UnpublishableBatchError(batch.revision, data.length, `NATS refused the batch of revision ${batch.revision} (${data.length} bytes): ${(err as Error).message}`, { cause: err });
    }
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

/** Whether NATS refused a message for its size: the client against max_payload, or JetStream against max_msg_size. */
function refusesSize(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if ((err as { code?: unknown }).code === MESSAGE_TOO_LARGE) return true;
  return /max_payload/i.test(err.message);
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
