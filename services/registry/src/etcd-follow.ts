// Following the objects under one etcd prefix, as a controller of the registry reads them: a list
// (paged), then a watch from the list's revision; a failed watch starts over with a fresh list, so
// the follower never misses a change. Objects are handed over decoded as stored.
import type { IWatchResponse, Watcher } from 'etcd3';
import type { KubeObject } from '@kapi/api-machinery';
import { decodeStored } from '@kapi/generic-registry';
import type { EtcdBackend } from '@kapi/storage';

export interface PrefixFollower {
  /** Every object under the prefix, read afresh (at the start and after each lost watch). */
  listed(objects: KubeObject[]): void;
  /** An object written (`deleted` false) or removed, by its key's last segment. */
  changed(name: string, object: KubeObject | undefined): void;
  /** The watch failed; the follow starts over after `restartMs`. */
  lost(err: unknown): void;
}

export class EtcdPrefixFollow {
  private watcher?: Watcher;
  private stopped = false;

  constructor(
    private readonly backend: EtcdBackend,
    private readonly prefix: string,
    private readonly follower: PrefixFollower,
    private readonly restartMs = 1000,
  ) {}

  start(): void {
    void this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.watcher?.cancel().catch(() => {});
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const objects: KubeObject[] = [];
        let startKey: string | undefined;
        let revision = 0;
        for (;;) {
          const page = await this.backend.list(this.prefix, { startKey, limit: 500, revision: revision || undefined });
          revision ||= page.revision;
          for (const item of page.items) objects.push(decodeStored(item));
          if (!page.more || page.items.length === 0) break;
          startKey = page.items[page.items.length - 1].key + '\0';
        }
        this.follower.listed(objects);
        const watcher = await this.backend.client.watch().prefix(this.prefix).startRevision(String(revision + 1)).create();
        this.watcher = watcher;
        await new Promise<void>((resolve, reject) => {
          watcher.on('data', (res: IWatchResponse) => {
            for (const event of res.events) {
              const key = event.kv.key.toString('utf8');
              const name = key.slice(this.prefix.length);
              if (event.type === 'Put') {
                this.follower.changed(name, decodeStored({ key, value: event.kv.value, createRevision: Number(event.kv.create_revision), modRevision: Number(event.kv.mod_revision) }));
              } else this.follower.changed(name, undefined);
            }
          });
          watcher.on('error', reject);
          watcher.on('end', resolve);
        });
      } catch (err) {
        if (this.stopped) return;
        this.follower.lost(err);
      }
      await this.watcher?.cancel().catch(() => {});
      if (!this.stopped) await new Promise((r) => setTimeout(r, this.restartMs));
    }
  }
}
