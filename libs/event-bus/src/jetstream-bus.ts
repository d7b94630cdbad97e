// EventBus on NATS JetStream. The stream keeps every batch on disk (the server is configured with
// sync_interval: always so an acknowledged publish survives a power loss) and the message id is the
// etcd revision, so a publisher that retries or fails over never stores a revision twice.
import { connect, type NatsConnection } from '@nats-io/transport-node';
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

export interface JetStreamBusOptions {
  url: string;
  name: string;
  /** How long batches are kept; watch-cache replicas that fall further behind re-list. */
  maxAgeSeconds?: number;
}

export class JetStreamEventBus implements EventBus {
  private constructor(
    readonly connection: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {}

  static async connect(options: JetStreamBusOptions): Promise<JetStreamEventBus> {
    const nc = await connect({
      servers: options.url,
      name: options.name,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 3000,
    });
    const jsm = await jetstreamManager(nc);
    const config = {
      name: EVENTS_STREAM,
      subjects: [EVENTS_SUBJECT],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: (options.maxAgeSeconds ?? 3600) * SECOND_NS,
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
    return new JetStreamEventBus(nc, jetstream(nc), jsm);
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

/** Resolves once a NATS server answers at `url`; rejects with why not (the socket's error when there is one). */
async function probeNats(url: string): Promise<void> {
  let connection: NatsConnection;
  try {
    connection = await connect({ servers: url, reconnect: false, timeout: 2000 });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    throw new Error(cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err));
  }
  await connection.close();
}

/** NATS as a dependency a service waits for at start (see @kapi/service-kit's awaitDependencies). */
export function natsDependency(url: string) {
  return { name: 'NATS', address: url, probe: () => probeNats(url) };
}
