// The watch-cache service as a ListWatch: a list at resourceVersion 0 is served from its memory, and
// the watch continues from that list's resourceVersion, with bookmarks.
import { StatusError, type Status } from '@kapi/api-machinery';
import { grpc, serverStream, unary } from '@kapi/grpc';
import type { watchcacheV1 } from '@kapi/proto';
import type { ListWatch, ObjectLike, ResourceRef, WatchEvent } from './list-watch.js';

export class WatchCacheListWatch<T extends ObjectLike = ObjectLike> implements ListWatch<T> {
  constructor(private readonly client: watchcacheV1.WatchCacheClient) {}

  async list(resource: ResourceRef): Promise<{ items: T[]; resourceVersion: string }> {
    const ask = () =>
      unary(
        'watch-cache',
        'List',
        this.client.list.bind(this.client),
        { resource: { ...resource, namespace: '' }, labelSelector: '', fieldSelector: '', resourceVersion: '0', resourceVersionMatch: '', limit: 0, continue: '' },
        { timeoutMs: 15_000 },
      );
    let reply = await ask();
    // A replica that has not synchronised answers at once; round-robin asks another next. When
    // none has, the 429 it answers is the reflector's to retry.
    if (reply.notReady) reply = await ask();
    if (reply.status.length) throw StatusError.fromStatus(JSON.parse(reply.status.toString('utf8')) as Status);
    const list = JSON.parse(reply.list.toString('utf8')) as { items?: T[]; metadata?: { resourceVersion?: string } };
    return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '0' };
  }

  async *watch(resource: ResourceRef, resourceVersion: string, signal: AbortSignal): AsyncIterable<WatchEvent<T>> {
    const call = serverStream('watch-cache', 'Watch', this.client.watch.bind(this.client), {
      resource: { ...resource, namespace: '' },
      resourceVersion,
      labelSelector: '',
      fieldSelector: '',
      // Bookmarks keep the stream's resourceVersion fresh while nothing changes.
      allowBookmarks: true,
      sendInitialEvents: false,
      name: '',
    });
    const cancel = () => call.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    try {
      for await (const e of call as AsyncIterable<watchcacheV1.WatchEvent>) {
        yield { type: e.type, object: JSON.parse(e.object.toString('utf8')) as T };
      }
    } catch (err) {
      // Our own cancel ends the stream quietly; anything else is the reflector's to retry.
      if (signal.aborted || (err as { code?: number }).code === grpc.status.CANCELLED) return;
      throw err;
    } finally {
      signal.removeEventListener('abort', cancel);
      call.cancel();
    }
  }
}
