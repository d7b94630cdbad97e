// Keeps the watch store equal to etcd: a snapshot through the registry at revision R, then every
// batch on the event bus after R, applied by the StreamFollower, which repairs from etcd's own
// history (the registry's History stream) whatever the stream lacks; so does coming back after the
// bus was unreachable. Only when etcd has compacted that history is the store rebuilt from a new
// snapshot, which ends the open watches.
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ServiceConfig } from '@kapi/config';
import { decodeBatch, JetStreamEventBus, natsEndpoint, type EventBus, type RevisionBatch } from '@kapi/event-bus';
import { createClient, serverStream, unary, type ServiceCredentials } from '@kapi/grpc';
import { PROGRESS_KEY } from '@kapi/storage';
import { registryV1 } from '@kapi/proto';
import { CONFIG, CREDENTIALS, LOGGER } from '@kapi/service-kit';
import { metrics, type Logger } from '@kapi/telemetry';
import { StatusError, type Status } from '@kapi/api-machinery';
import { WatchStore } from '@kapi/watch-store';
import { ResyncNeeded, StreamFollower } from './stream-follower.js';

const resyncs = metrics.counter('kapi_watch_cache_resyncs_total', 'Times the watch cache lost the event stream or found a gap in it.');

/** A tuning knob from the environment; a malformed one stops the start with its name. */
export function positiveInteger(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${variable}=${JSON.stringify(raw)} is not a positive integer`);
  return value;
}

@Injectable()
export class CacheSync implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly store = new WatchStore(
    positiveInteger('KAPI_WATCH_WINDOW_EVENTS', 10_000),
    positiveInteger('KAPI_WATCH_BUFFER_EVENTS', 1_000),
    positiveInteger('KAPI_WATCH_WINDOW_BYTES', 128 * 1024 * 1024),
  );
  private readonly follower: StreamFollower;
  private bus?: EventBus;
  private readonly registry: registryV1.RegistryClient;
  private stopped = false;
  private abort?: AbortController;
  /** Why the cache cannot serve, or undefined when it is in sync. */
  notReadyReason: string | undefined = 'not synchronised yet';

  constructor(
    @Inject(CONFIG) private readonly config: ServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CREDENTIALS) private readonly credentials: ServiceCredentials,
  ) {
    this.registry = createClient(registryV1.RegistryClient, config.registryAddrs, credentials.channelTo('registry'), 'registry');
    this.follower = new StreamFollower(this.store, (from, apply) => this.replayHistory(from, apply), logger, () => this.wakeRevisionWaiters());
  }

  onApplicationBootstrap(): void {
    void this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    await this.bus?.close().catch(() => {});
    this.registry.close();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        this.bus ??= await JetStreamEventBus.connect({ ...natsEndpoint(this.config.natsUrl, this.credentials), name: this.config.instance, role: 'consumer' });
        await this.syncOnce(this.bus);
      } catch (err) {
        if (this.stopped) return;
        const reason = err instanceof ResyncNeeded ? err.message : `cannot follow the event stream: ${err instanceof Error ? err.message : String(err)}`;
        this.notReadyReason = reason;
        resyncs.inc();
        this.logger.warn('watch cache re-synchronising', { reason });
        if (!(err instanceof ResyncNeeded)) await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async snapshot(): Promise<number> {
    const items: { key: string; value: Buffer; modRevision: number }[] = [];
    let revision = 0;
    const call = serverStream('registry', 'Snapshot', this.registry.snapshot.bind(this.registry), { prefix: '/registry/' });
    for await (const chunk of call as AsyncIterable<registryV1.SnapshotChunk>) {
      revision = chunk.revision;
      for (const kv of chunk.items) if (kv.key !== PROGRESS_KEY) items.push({ key: kv.key, value: kv.value, modRevision: kv.modRevision });
    }
    this.store.reset(items, revision);
    return revision;
  }

  private async syncOnce(bus: EventBus): Promise<void> {
    // The bus position is taken before the snapshot (or the catch-up), so every batch newer than
    // what the store then holds comes after it.
    const fromSequence = (await bus.lastSequence()) + 1;
    if (this.store.revision > 0 && (await this.follower.catchUp('the event stream was unreachable'))) {
      this.logger.info('watch cache caught up from etcd history', { revision: this.store.revision, objects: this.store.size });
    } else {
      const revision = await this.snapshot();
      this.logger.info('watch cache synchronised from snapshot', { revision, objects: this.store.size });
    }
    this.notReadyReason = undefined;
    this.abort = new AbortController();
    for await (const { batch } of bus.subscribe(fromSequence)) {
      if (this.stopped) return;
      await this.follower.follow(batch);
    }
    throw new Error('the event stream ended');
  }

  /** etcd's history through the registry's History stream (see HistoryReplay). */
  private async replayHistory(fromRevision: number, apply: (batch: RevisionBatch) => void): Promise<boolean> {
    const call = serverStream('registry', 'History', this.registry.history.bind(this.registry), { prefix: '/registry/', fromRevision });
    for await (const chunk of call as AsyncIterable<registryV1.HistoryBatch>) {
      if (chunk.status.length) {
        const status = JSON.parse(chunk.status.toString('utf8')) as Status;
        if (status.code === 410) return false;
        throw StatusError.fromStatus(status);
      }
      apply(decodeBatch(chunk.batch));
    }
    return true;
  }

  private readonly revisionWaiters = new Set<{ revision: number; done: (reached: boolean) => void }>();

  private wakeRevisionWaiters(): void {
    for (const w of this.revisionWaiters) {
      if (this.store.revision >= w.revision) {
        this.revisionWaiters.delete(w);
        w.done(true);
      }
    }
  }

  /** Resolves true once the cache holds every change up to `revision`, false after `timeoutMs`. */
  waitForRevision(revision: number, timeoutMs: number): Promise<boolean> {
    if (!this.notReadyReason && this.store.revision >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        revision,
        done: (reached: boolean) => {
          clearTimeout(timer);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => {
        this.revisionWaiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      this.revisionWaiters.add(waiter);
    });
  }

  /** The revision the cache must reach to answer a consistent read: etcd's, marked on the stream. */
  async consistentRevision(): Promise<number> {
    const reply = await unary('registry', 'Progress', this.registry.progress.bind(this.registry), {}, { timeoutMs: 15_000 });
    if (reply.status.length) throw StatusError.fromStatus(JSON.parse(reply.status.toString('utf8')));
    return reply.revision;
  }
}
