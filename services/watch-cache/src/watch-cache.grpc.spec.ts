import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceConfig } from '@kapi/config';
import type { ServiceCredentials } from '@kapi/grpc';
import type { watchcacheV1 } from '@kapi/proto';
import { createLogger } from '@kapi/telemetry';
import { WatchStore } from '@kapi/watch-store';
import type { CacheSync } from './cache-sync.js';
import { WatchCacheGrpcServer } from './watch-cache.grpc.js';

/** A synchronised cache at revision 5 whose event stream brings nothing newer (NATS away). */
function stalledSync(etcdRevision: number): CacheSync {
  const store = new WatchStore();
  store.reset([], 5);
  return {
    store,
    notReadyReason: undefined,
    consistentRevision: async () => etcdRevision,
    waitForRevision: async (revision: number) => store.revision >= revision,
  } as unknown as CacheSync;
}

const server = (sync: CacheSync) =>
  new WatchCacheGrpcServer({ runtimeConfig: {} } as unknown as ServiceConfig, createLogger({}, { write: () => {} }), {} as ServiceCredentials, sync);

const listOf = (resourceVersion: string, resourceVersionMatch = ''): watchcacheV1.ListRequest => ({
  resource: { group: '', version: 'v1', resource: 'configmaps', namespace: 'default' },
  labelSelector: 'team=web',
  fieldSelector: '',
  resourceVersion,
  resourceVersionMatch,
  limit: 0,
  continue: '',
});

describe('watch cache lists while the cache cannot catch up', () => {
  it('leaves a consistent list to etcd (kube falls back to storage) rather than timing it out', async () => {
    const reply = await server(stalledSync(9)).list(listOf(''));
    assert.equal(reply.notInCache, true);
    assert.equal(reply.status.length, 0);
  });

  it('serves a consistent list from the cache once it holds etcd revision', async () => {
    const reply = await server(stalledSync(5)).list(listOf(''));
    assert.equal(reply.notInCache, false);
    assert.equal(JSON.parse(reply.list.toString('utf8')).metadata.resourceVersion, '5');
  });

  it('still refuses a not-older-than list the cache has not reached with 504 Too large resource version', async () => {
    const reply = await server(stalledSync(9)).list(listOf('9', 'NotOlderThan'));
    assert.equal(reply.notInCache, false);
    const status = JSON.parse(reply.status.toString('utf8'));
    assert.equal(status.code, 504);
    assert.match(status.message, /^Timeout: Too large resource version: 9, current: 5$/);
  });
});
