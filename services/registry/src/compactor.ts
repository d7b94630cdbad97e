// Drops etcd history older than one interval, as kube-apiserver compacts every five minutes. Only the
// replica that leads event publishing compacts, so replicas never compact at the same time, and the
// revision compacted to is the one seen an interval ago: watchers and continue tokens keep an
// interval of history.
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { EventPublisher } from './event-publisher.js';
import { Registry } from './registry.js';

export function compactionIntervalSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KAPI_COMPACTION_INTERVAL_SECONDS;
  if (raw === undefined || raw === '') return 300;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`KAPI_COMPACTION_INTERVAL_SECONDS=${JSON.stringify(raw)} is not a positive integer`);
  return value;
}

@Injectable()
export class Compactor implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private previousRevision = 0;
  private readonly intervalMs = compactionIntervalSeconds() * 1000;

  constructor(
    private readonly registry: Registry,
    private readonly publisher: EventPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    if (!this.publisher.leading) {
      this.previousRevision = 0;
      return;
    }
    try {
      const current = await this.registry.backend.currentRevision();
      if (this.previousRevision > 0) {
        await this.registry.backend.compact(this.previousRevision);
        this.logger.info('compacted etcd history', { revision: this.previousRevision });
      }
      this.previousRevision = current;
    } catch (err) {
      // Another compaction got there first, or etcd is away: try again next interval.
      this.logger.warn('compaction failed', { err });
    }
  }
}
