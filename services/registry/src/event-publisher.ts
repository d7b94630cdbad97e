// Follows etcd's history under /registry/ and publishes it, one message per revision, on the event
// bus. Exactly one replica publishes: the one that wins the etcd election; a standby campaigns and
// takes over when the leader's lease lapses. A new leader resumes after the last revision on the
// bus, so failover leaves neither a gap nor (thanks to the bus's de-duplication) a duplicate.
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { IKeyValue, IWatchResponse } from 'etcd3';
import type { ServiceConfig } from '@kapi/config';
import { JetStreamEventBus, natsEndpoint, type EventBus, type KeyChange, type RevisionBatch } from '@kapi/event-bus';
import type { ServiceCredentials } from '@kapi/grpc';
import { CONFIG, CREDENTIALS, LOGGER } from '@kapi/service-kit';
import { LeaderElection, type Leadership } from '@kapi/storage';
import { metrics, type Logger } from '@kapi/telemetry';
import { PublishPipeline } from './publish-pipeline.js';
import { Registry } from './registry.js';
import { feedPipeline, type RevisionSource } from './revision-feed.js';

const OBJECT_PREFIX = '/registry/';
const ELECTION = 'kapi-event-publisher';
const LEASE_TTL_SECONDS = 3;
const MAX_IN_FLIGHT = 64;
// What may wait for NATS before the publisher stops reading etcd: minutes of a busy cluster's
// writes, and well within a process's heap even if every batch were one of the largest objects.
const MAX_PENDING_BATCHES = 10_000;
const MAX_PENDING_BYTES = 64 * 1024 * 1024;

const unpublishable = metrics.counter(
  'kapi_event_publisher_unpublishable_batches_total',
  'Revisions whose batch could not be published whole (larger than an event stream message); a marker went instead and watch caches read them from etcd history.',
);
const pauses = metrics.counter('kapi_event_publisher_watch_pauses_total', 'Times the publisher stopped reading etcd because its queue for NATS was full.');

/** The changes of an etcd watch response, one batch per revision (values only: see KeyChange). */
export function batchesOf(res: IWatchResponse): RevisionBatch[] {
  const byRevision = new Map<number, KeyChange[]>();
  for (const event of res.events) {
    const kv = event.kv as IKeyValue;
    const revision = Number(kv.mod_revision);
    const change: KeyChange = {
      type: event.type === 'Delete' ? 'DELETE' : 'PUT',
      key: kv.key.toString('utf8'),
      createRevision: Number(kv.create_revision),
      modRevision: revision,
    };
    if (event.type !== 'Delete') change.value = kv.value.toString('utf8');
    const list = byRevision.get(revision) ?? [];
    list.push(change);
    byRevision.set(revision, list);
  }
  const observedAt = Date.now();
  return [...byRevision.entries()].sort(([a], [b]) => a - b).map(([revision, changes]) => ({ revision, prevRevision: 0, changes, observedAt }));
}

@Injectable()
export class EventPublisher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private bus?: EventBus;
  private readonly election: LeaderElection;
  private pipeline?: PublishPipeline;
  private stopped = false;
  /** Set when etcd compacted away revisions not yet published: the next term starts with a reset. */
  private historyLost = false;

  constructor(
    @Inject(CONFIG) private readonly config: ServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CREDENTIALS) private readonly credentials: ServiceCredentials,
    private readonly registry: Registry,
  ) {
    this.election = new LeaderElection(registry.backend.client, ELECTION, config.instance, {
      ttlSeconds: LEASE_TTL_SECONDS,
      onError: (err) => this.logger.warn('event publisher is not leading; retrying', { err }),
    });
    this.election.onChange((leading) => {
      if (leading) this.logger.info('elected event publisher');
    });
    metrics.gauge('kapi_event_publisher_pending_batches', 'Batches read from etcd and waiting for NATS to acknowledge them.', () => this.pipeline?.pendingCount ?? 0);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.natsUrl) throw new Error('KAPI_NATS_URL is not set: the registry publishes etcd events to NATS');
    void this.run();
  }

  /**
   * The registry's leader: the replica that publishes, and that runs what must run once per
   * cluster (kapi's controllers, compaction); a standby takes over when its term ends.
   */
  get leadership(): Leadership {
    return this.election;
  }

  get leading(): boolean {
    return this.election.leading;
  }

  /** Connects to the bus (retrying), then campaigns; each term publishes. */
  private async run(): Promise<void> {
    while (!this.stopped && !this.bus) {
      try {
        this.bus = await JetStreamEventBus.connect({ ...natsEndpoint(this.config.natsUrl, this.credentials), name: this.config.instance, role: 'publisher' });
      } catch (err) {
        if (this.stopped) return;
        this.logger.warn('event publisher cannot reach NATS; retrying', { err });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    if (!this.stopped) this.election.start((term) => this.lead(term));
  }

  private async lead(term: AbortSignal): Promise<void> {
    const bus = this.bus!;
    const last = await bus.lastPublished();
    const current = await this.registry.backend.currentRevision();
    let reset = false;
    let from: number;
    if (last && !this.historyLost) {
      from = last.revision;
    } else {
      // An empty bus, or history etcd no longer has: consumers re-snapshot, and the reset batch
      // tells them where history begins again.
      from = current;
      reset = true;
      this.historyLost = false;
    }
    const pipeline = new PublishPipeline(bus, from, {
      maxInFlight: MAX_IN_FLIGHT,
      maxPendingBatches: MAX_PENDING_BATCHES,
      maxPendingBytes: MAX_PENDING_BYTES,
      onRetry: (err, revision, attempt) => {
        if (attempt % 10 === 0) this.logger.warn('publishing to NATS failed; retrying', { revision, err });
      },
      onUnpublishable: (err, batch) => {
        unpublishable.inc();
        this.logger.error('a revision cannot be published whole; publishing a marker, and watch caches read it from etcd history', {
          revision: batch.revision,
          changes: batch.changes.length,
          bytes: err.bytes,
          err,
        });
      },
    });
    this.pipeline = pipeline;
    if (reset) pipeline.enqueue({ revision: from, prevRevision: from, changes: [], reset: true });
    const feeding = feedPipeline(this.etcdHistory(), pipeline, term, {
      paused: () => {
        pauses.inc();
        this.logger.warn('NATS is not keeping up: stopped reading etcd until the publish queue drains', {
          pending: pipeline.pendingCount,
          pendingBytes: pipeline.pendingByteCount,
          lastRevision: pipeline.lastEnqueued,
        });
      },
      resumed: (fromRevision) => this.logger.info('reading etcd again', { fromRevision }),
    }).catch((err: Error) => {
      if (/compacted/i.test(err.message)) this.historyLost = true;
      throw err;
    });
    // A feed that fails after the term ended has no one to tell.
    feeding.catch(() => {});
    try {
      await Promise.race([feeding, new Promise<void>((resolve) => term.addEventListener('abort', () => resolve(), { once: true }))]);
    } finally {
      // Drops what is not yet published; the next leader publishes it.
      pipeline.stop();
    }
  }

  /** etcd's history under /registry/, as the feed reads it. */
  private etcdHistory(): RevisionSource {
    const client = this.registry.backend.client;
    return {
      open: async (fromRevision, on) => {
        const watcher = await client.watch().prefix(OBJECT_PREFIX).startRevision(String(fromRevision)).create();
        watcher.on('data', (res) => on.batches(batchesOf(res)));
        watcher.on('error', (err) => on.error(err));
        watcher.on('end', () => on.end());
        return { close: () => watcher.cancel().catch(() => {}) };
      },
    };
  }

  /**
   * At SIGTERM, while the gRPC server drains: hand leadership over now (resigning deletes the
   * election key, so a standby is elected at once instead of after the lease's TTL); the new leader
   * publishes from the last revision on the bus, so what this replica's last writes changed is
   * published either way.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    // Publish what is already read from etcd, unless NATS is away; the next leader starts from the bus.
    await Promise.race([this.pipeline?.idle(), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
    await this.election.stop();
    await this.bus?.close().catch(() => {});
  }
}
