// Replays etcd's history under a prefix from a revision, for a watch cache that lost the event
// stream for a while and would otherwise have to drop its state (and every open watch) for a new
// snapshot. The replay ends at a progress write made after the etcd watch began, so it provably
// covers everything etcd held when it was asked.
import type { Etcd3 } from 'etcd3';
import type { RevisionBatch } from '@kapi/event-bus';
import { batchesOf } from './event-publisher.js';

export async function* readHistory(client: Etcd3, prefix: string, fromRevision: number, markProgress: () => Promise<number>): AsyncGenerator<RevisionBatch> {
  const watcher = await client.watch().prefix(prefix).startRevision(String(fromRevision)).create();
  const queue: RevisionBatch[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  watcher.on('data', (res) => {
    queue.push(...batchesOf(res));
    wake?.();
  });
  watcher.on('error', (err: Error) => {
    failure = err;
    wake?.();
  });
  try {
    const until = await markProgress();
    for (;;) {
      while (queue.length) {
        const batch = queue.shift()!;
        yield batch;
        if (batch.revision >= until) return;
      }
      if (failure) throw failure;
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (queue.length || failure) resolve();
      });
      wake = undefined;
    }
  } finally {
    await watcher.cancel().catch(() => {});
  }
}

export function isCompacted(err: unknown): boolean {
  return err instanceof Error && /compacted/i.test(err.message);
}
