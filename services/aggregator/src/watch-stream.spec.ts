import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exchange, includeObjectParam, negotiate, type RequestHandler } from '@kapi/apiserver';
import { KindCatalogue, servedStrategies } from '@kapi/kinds';
import type { watchcacheV1 } from '@kapi/proto';
import { FakeWatchCall as FakeCall } from './testing-neighbours.js';
import { streamWatch } from './watch-stream.js';

/** A watch cache whose every stream sends `events` and ends. */
function watchCacheStreaming(events: Array<{ type: string; object: object }>) {
  const requests: watchcacheV1.WatchRequest[] = [];
  const calls: FakeCall[] = [];
  const watch = (request: watchcacheV1.WatchRequest) => {
    requests.push(request);
    const call = new FakeCall();
    calls.push(call);
    setImmediate(() => {
      for (const e of events) call.send(e.type, '', e.object);
      call.emit('end');
    });
    return call;
  };
  return { client: { watch } as unknown as watchcacheV1.WatchCacheClient, requests, calls };
}

const configMaps = new KindCatalogue(servedStrategies()).lookup('', 'configmaps')!;
const watching = (watchCache: watchcacheV1.WatchCacheClient): RequestHandler => ({
  name: 'watch',
  handle: ({ req, res, url, info }) =>
    streamWatch(watchCache, { info: () => undefined }, {
      req,
      res,
      query: url.searchParams,
      info,
      resource: { group: '', version: 'v1', resource: 'configmaps', namespace: info.namespace },
      representation: negotiate(req.headers.accept),
      include: includeObjectParam(url.searchParams.get('includeObject')),
      tableColumns: configMaps.tableColumns,
    }),
});

const cm = (name: string, rv: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'a', resourceVersion: rv } });

describe('streamWatch', () => {
  it('streams each event as a line of a chunked 200, and ends when the watch cache ends the watch', async () => {
    const watchCache = watchCacheStreaming([
      { type: 'ADDED', object: cm('x', '5') },
      { type: 'MODIFIED', object: cm('x', '6') },
    ]);
    const answered = await exchange([watching(watchCache.client)], { path: '/api/v1/namespaces/a/configmaps?watch=1&resourceVersion=4&labelSelector=app%3Dx&allowWatchBookmarks=true' });
    assert.equal(answered.status, 200);
    assert.equal(answered.headers['transfer-encoding'], 'chunked');
    assert.deepEqual(
      answered.body.trim().split('\n').map((l) => JSON.parse(l)),
      [
        { type: 'ADDED', object: cm('x', '5') },
        { type: 'MODIFIED', object: cm('x', '6') },
      ],
    );
    assert.deepEqual(watchCache.requests[0], {
      resource: { group: '', version: 'v1', resource: 'configmaps', namespace: 'a' },
      resourceVersion: '4',
      labelSelector: 'app=x',
      fieldSelector: '',
      allowBookmarks: true,
      sendInitialEvents: false,
      name: '',
    });
  });

  it('sends each event as a Table row to a client that asks for Tables, the column definitions first', async () => {
    const watchCache = watchCacheStreaming([
      { type: 'ADDED', object: cm('x', '5') },
      { type: 'ADDED', object: cm('y', '6') },
    ]);
    const answered = await exchange([watching(watchCache.client)], { path: '/api/v1/namespaces/a/configmaps?watch=1', headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    const [first, second] = answered.body.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(first.object.kind, 'Table');
    assert.ok(first.object.columnDefinitions.length > 0);
    assert.equal(first.object.rows[0].cells[0], 'x');
    assert.equal(second.object.columnDefinitions.length, 0);
  });

  it('ends the stream at the client\'s timeoutSeconds', async () => {
    const calls: FakeCall[] = [];
    const silent = { watch: () => (calls.push(new FakeCall()), calls[calls.length - 1]) } as unknown as watchcacheV1.WatchCacheClient;
    const answered = await exchange([watching(silent)], { path: '/api/v1/namespaces/a/configmaps?watch=1&timeoutSeconds=1' });
    assert.equal(answered.status, 200);
    assert.equal(answered.body, '');
    assert.equal(calls[0].cancelled, true);
  });
});
