// Watch semantics over raw HTTP, as client-go's reflector and WatchList use them: resuming from a
// resourceVersion, 410 beyond the window, bookmarks, and sendInitialEvents.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { METRICS_ADDRESS } from '@kapi/local-stack';
import { apiRequest, collectWatch, eventually, startTestStack, type TestStack } from './harness.js';

const WINDOW = 20;
const NS = '/api/v1/namespaces/watching/configmaps';

describe('watch semantics', () => {
  let stack: TestStack;

  before(async () => {
    // A small window and frequent bookmarks make the edges reachable in a short test.
    stack = await startTestStack({ aggregatorReplicas: 1, env: { KAPI_WATCH_WINDOW_EVENTS: String(WINDOW), KAPI_WATCH_BOOKMARK_INTERVAL_MS: '300' } });
    await apiRequest(stack, 'POST', '/api/v1/namespaces', { metadata: { name: 'watching' } });
  });

  after(async () => {
    await stack?.stop();
  });

  const create = async (name: string) => {
    const res = await apiRequest(stack, 'POST', NS, { metadata: { name }, data: { v: '1' } });
    assert.equal(res.code, 201, res.body);
    return JSON.parse(res.body).metadata.resourceVersion as string;
  };

  it('resumes exactly after a resourceVersion inside the window', async () => {
    const rv = await create('resume-a');
    await create('resume-b');
    await create('resume-c');
    const events = await collectWatch(stack, `${NS}?watch=true&resourceVersion=${rv}`, (e) => e.length >= 2);
    assert.deepEqual(
      events.map((e) => [e.type, e.object.metadata?.name]),
      [
        ['ADDED', 'resume-b'],
        ['ADDED', 'resume-c'],
      ],
    );
    assert.ok(Number(events[0].object.metadata?.resourceVersion) > Number(rv));
  });

  it('answers a resourceVersion older than the window with an ERROR event carrying 410 Expired', async () => {
    const old = await create('old');
    for (let i = 0; i < WINDOW + 5; i++) await create(`filler-${i}`);
    const events = await collectWatch(stack, `${NS}?watch=true&resourceVersion=${old}`, (e) => e.length >= 1);
    assert.equal(events[0].type, 'ERROR');
    assert.equal(events[0].object.kind, 'Status');
    assert.equal(events[0].object.code, 410);
    assert.equal(events[0].object.reason, 'Expired');
    assert.match(events[0].object.message ?? '', new RegExp(`^too old resource version: ${old} \\(\\d+\\)$`));
  });

  it('sends bookmarks to a watch that allows them, at a resourceVersion covering what it delivered', async () => {
    const list = JSON.parse((await apiRequest(stack, 'GET', NS)).body);
    const events = await collectWatch(stack, `${NS}?watch=true&allowWatchBookmarks=true&resourceVersion=${list.metadata.resourceVersion}`, (e) =>
      e.some((x) => x.type === 'BOOKMARK'),
    );
    const bookmark = events.find((e) => e.type === 'BOOKMARK')!;
    assert.equal(bookmark.object.kind, 'ConfigMap');
    assert.ok(Number(bookmark.object.metadata?.resourceVersion) >= Number(list.metadata.resourceVersion));
  });

  it('does not send bookmarks to a watch that did not ask for them', async () => {
    const list = JSON.parse((await apiRequest(stack, 'GET', NS)).body);
    const name = 'after-no-bookmarks';
    const watching = collectWatch(stack, `${NS}?watch=true&resourceVersion=${list.metadata.resourceVersion}`, (e) => e.some((x) => x.object.metadata?.name === name));
    await new Promise((r) => setTimeout(r, 1000));
    await create(name);
    const events = await watching;
    assert.deepEqual(events.map((e) => e.type), ['ADDED']);
  });

  it('streams the current state with sendInitialEvents and ends it with the initial-events-end bookmark', async () => {
    const list = JSON.parse((await apiRequest(stack, 'GET', NS)).body);
    const events = await collectWatch(
      stack,
      `${NS}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`,
      (e) => e.some((x) => x.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true'),
    );
    const end = events.findIndex((e) => e.type === 'BOOKMARK' && e.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true');
    const initial = events.slice(0, end);
    assert.ok(initial.every((e) => e.type === 'ADDED'));
    assert.deepEqual(initial.map((e) => e.object.metadata?.name).sort(), list.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort());
    assert.ok(Number(events[end].object.metadata?.resourceVersion) >= Number(list.metadata.resourceVersion));
  });

  it('filters a watch by field selector on metadata.name, as kubectl wait and delete --wait use it', async () => {
    const list = JSON.parse((await apiRequest(stack, 'GET', NS)).body);
    const watching = collectWatch(stack, `${NS}?watch=true&fieldSelector=metadata.name%3Dpicked&resourceVersion=${list.metadata.resourceVersion}`, (e) => e.length >= 2);
    await create('not-picked');
    await create('picked');
    await apiRequest(stack, 'DELETE', `${NS}/picked`);
    const events = await watching;
    assert.deepEqual(events.map((e) => [e.type, e.object.metadata?.name]), [
      ['ADDED', 'picked'],
      ['DELETED', 'picked'],
    ]);
  });

  it('serves a list at resourceVersion=0 from the watch cache, equal to the list from etcd', async () => {
    await create('listed');
    const fromEtcd = JSON.parse((await apiRequest(stack, 'GET', NS)).body);
    await eventually(async () => {
      const fromCache = JSON.parse((await apiRequest(stack, 'GET', `${NS}?resourceVersion=0`)).body);
      assert.equal(fromCache.kind, 'ConfigMapList');
      assert.deepEqual(fromCache.items, fromEtcd.items);
    });
    await eventually(() => assert.ok(stack.traceSpans().some((s) => s.service === 'watch-cache' && s.name.endsWith('WatchCache/List'))));
  });

  it('exposes watcher, dispatch and delivery-latency metrics of the watch cache, and request metrics of the front door', async () => {
    const list = JSON.parse((await apiRequest(stack, 'GET', NS)).body);
    const watching = collectWatch(stack, `${NS}?watch=true&resourceVersion=${list.metadata.resourceVersion}`, (e) => e.length >= 1);
    await eventually(async () => {
      await create(`measured-${Date.now()}`);
      await watching;
    });
    const instance = stack.handle.topology.services.find((s) => s.instance === 'watch-cache-0')!;
    const text = await new Promise<string>((resolve, reject) =>
      httpGet(`http://${METRICS_ADDRESS}:${instance.listen.port}/metrics`, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(body));
      }).on('error', reject),
    );
    assert.match(text, /^# TYPE apiserver_registered_watchers gauge$/m);
    assert.match(text, /^apiserver_registered_watchers \d+$/m);
    assert.match(text, /^kapi_watch_cache_events_dispatched_total [1-9]\d*$/m);
    assert.match(text, /^kapi_watch_cache_delivery_latency_seconds_count [1-9]\d*$/m);
    assert.match(text, /^kapi_watch_cache_delivery_latency_seconds_bucket\{le="\+Inf"\} [1-9]\d*$/m);
    const front = await apiRequest(stack, 'GET', '/metrics');
    assert.equal(front.code, 200);
    assert.match(front.body, /^apiserver_request_total\{code="201",component="apiserver",group="",resource="configmaps",scope="namespace",subresource="",verb="POST",version="v1"\} [1-9]\d*$/m);
    assert.match(front.body, /^# TYPE apiserver_request_duration_seconds histogram$/m);
    assert.match(front.body, /^apiserver_current_inflight_requests\{request_kind="readOnly"\} \d+$/m);
  });

  it('serves consistent, not-older-than and first-page lists from the watch cache, continued pages from etcd', async () => {
    // Read-your-writes: a consistent list right after a create holds it.
    for (let i = 0; i < 5; i++) {
      const rv = await create(`consistent-${i}`);
      const list = JSON.parse((await apiRequest(stack, 'GET', NS)).body);
      assert.ok(list.items.some((o: { metadata: { name: string } }) => o.metadata.name === `consistent-${i}`));
      assert.ok(Number(list.metadata.resourceVersion) >= Number(rv));
      const notOlder = JSON.parse((await apiRequest(stack, 'GET', `${NS}?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`)).body);
      assert.ok(Number(notOlder.metadata.resourceVersion) >= Number(rv));
    }
    await eventually(() => assert.ok(stack.traceSpans().filter((s) => s.service === 'watch-cache' && s.name.endsWith('WatchCache/List')).length >= 10));
    const tooLarge = await apiRequest(stack, 'GET', `${NS}?resourceVersion=999999999&resourceVersionMatch=NotOlderThan`);
    assert.equal(tooLarge.code, 504);
    const status = JSON.parse(tooLarge.body);
    assert.equal(status.reason, 'Timeout');
    assert.match(status.message, /^Timeout: Too large resource version: 999999999, current: \d+$/);
    // A first page from the cache, the rest from etcd at the same revision: one consistent list.
    const whole = JSON.parse((await apiRequest(stack, 'GET', NS)).body);
    const names: string[] = [];
    let page = JSON.parse((await apiRequest(stack, 'GET', `${NS}?limit=2`)).body);
    assert.equal(page.items.length, 2);
    assert.equal(page.metadata.remainingItemCount, whole.items.length - 2);
    await create('between-pages');
    for (;;) {
      names.push(...page.items.map((o: { metadata: { name: string } }) => o.metadata.name));
      if (!page.metadata.continue) break;
      page = JSON.parse((await apiRequest(stack, 'GET', `${NS}?limit=2&continue=${encodeURIComponent(page.metadata.continue)}`)).body);
    }
    assert.deepEqual(names, whole.items.map((o: { metadata: { name: string } }) => o.metadata.name));
  });

  it('serves an exact list from the watch cache while its window holds the revision, older ones from etcd', async () => {
    const EXACT = '/api/v1/namespaces/exact/configmaps';
    await apiRequest(stack, 'POST', '/api/v1/namespaces', { metadata: { name: 'exact' } });
    const put = async (method: string, path: string, body: unknown) => {
      const res = await apiRequest(stack, method, path, body);
      assert.ok(res.code < 300, res.body);
      return JSON.parse(res.body).metadata.resourceVersion as string;
    };
    const rv1 = await put('POST', EXACT, { metadata: { name: 'a' }, data: { v: '1' } });
    await put('PUT', `${EXACT}/a`, { metadata: { name: 'a', resourceVersion: rv1 }, data: { v: '2' } });
    const rv3 = await put('POST', EXACT, { metadata: { name: 'b' }, data: { v: '1' } });
    await apiRequest(stack, 'DELETE', `${EXACT}/b`);
    // The backends that served the n-th list, from its trace (spans are written asynchronously).
    const servedBy = (n: number, expected: string[]) =>
      eventually(() => {
        const spans = stack.traceSpans();
        const roots = spans.filter((s) => s.service === 'aggregator' && s.name === `HTTP GET ${EXACT}`);
        assert.equal(roots.length, n + 1);
        const trace = roots[n].traceId;
        const backends = spans.filter((s) => s.traceId === trace && s.service !== 'aggregator' && s.name.endsWith('/List')).map((s) => s.service);
        assert.deepEqual([...new Set(backends)].sort(), expected);
      });
    const exact = (rv: string) => apiRequest(stack, 'GET', `${EXACT}?resourceVersion=${rv}&resourceVersionMatch=Exact`);
    const summary = (body: string) => JSON.parse(body).items.map((o: { metadata: { name: string }; data: { v: string } }) => `${o.metadata.name}=${o.data.v}`);

    const atFirst = await exact(rv1);
    assert.equal(atFirst.code, 200, atFirst.body);
    assert.deepEqual(summary(atFirst.body), ['a=1']);
    assert.equal(JSON.parse(atFirst.body).metadata.resourceVersion, rv1);
    await servedBy(0, ['watch-cache']);
    const atThird = await exact(rv3);
    assert.deepEqual(summary(atThird.body), ['a=2', 'b=1']);
    await servedBy(1, ['watch-cache']);

    // Once the window has moved past it, etcd answers the same.
    for (let i = 0; i < WINDOW + 5; i++) await create(`exact-filler-${i}`);
    const fromEtcd = await exact(rv1);
    assert.equal(fromEtcd.code, 200, fromEtcd.body);
    assert.deepEqual(summary(fromEtcd.body), ['a=1']);
    await servedBy(2, ['registry', 'watch-cache']);
  });
});
