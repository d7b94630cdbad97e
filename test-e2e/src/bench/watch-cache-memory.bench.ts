// npm run bench: resident memory of the watch-cache process per 10,000 small configmaps. RSS is read
// from /proc/<pid>/status before any object exists, after 10,000 and after 20,000 (the event window
// holds the last 10,000 events, so the second step shows objects without a growing window).
import { Etcd3 } from 'etcd3';
import type { StackHandle } from '@kapi/local-stack';
import {
  ApiClient,
  createConfigMaps,
  createNamespace,
  envNumber,
  fetchMetrics,
  median,
  pidOf,
  rssMiB,
  runBench,
  sleep,
  smallConfigMap,
  step,
  waitForWatchEvent,
} from './bench-kit.js';

const STEP = envNumber('KAPI_BENCH_MEMORY_STEP', 10_000);
const NAMESPACE = 'bench-memory';
/** The watch-cache's event window, set explicitly so that the numbers below mean what they say. */
const WINDOW = 10_000;

/** RSS once the process has settled: the median of several samples a second apart. */
async function settledRss(pid: number): Promise<number> {
  await sleep(5000);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssMiB(pid));
    await sleep(1000);
  }
  return median(samples);
}

/** How many objects the watch-cache says it holds (every kind, every namespace). */
async function cachedObjects(stack: StackHandle): Promise<number> {
  const match = /^kapi_watch_cache_objects\s+(\S+)/m.exec(await fetchMetrics(stack, 'watch-cache-0'));
  return match ? Number(match[1]) : NaN;
}

/** Waits until the watch-cache has applied every write up to `resourceVersion`. */
async function cacheCaughtUp(stack: StackHandle, client: ApiClient, resourceVersion: number, name: string): Promise<void> {
  const barrier = waitForWatchEvent(stack, 'default', resourceVersion, name);
  await barrier.ready;
  await client.expect('POST', '/api/v1/namespaces/default/configmaps', [201], smallConfigMap(name));
  await barrier.seen;
}

async function bench(stack: StackHandle): Promise<void> {
  const client = new ApiClient(stack, 32);
  const etcd = new Etcd3({
    hosts: `http://${stack.topology.etcd.host}:${stack.topology.etcd.clientPort}`,
    grpcOptions: { 'grpc.max_receive_message_length': 256 * 1024 * 1024 },
  });
  const pid = pidOf(stack, 'watch-cache-0');
  try {
    await step('creating the namespace', () => createNamespace(client, NAMESPACE));
    const rss0 = await settledRss(pid);
    const objects0 = await cachedObjects(stack);

    const first = await step(`creating the first ${STEP} configmaps`, () =>
      createConfigMaps(client, NAMESPACE, { prefix: 'a', count: STEP, concurrency: 32, deadlineMs: 900_000 }),
    );
    await step('waiting for the watch-cache to catch up', () => cacheCaughtUp(stack, client, first.maxResourceVersion, 'bench-memory-barrier-1'));
    const rss1 = await settledRss(pid);
    const objects1 = await cachedObjects(stack);

    const second = await step(`creating the next ${STEP} configmaps`, () =>
      createConfigMaps(client, NAMESPACE, { prefix: 'b', count: STEP, concurrency: 32, deadlineMs: 900_000 }),
    );
    await step('waiting for the watch-cache to catch up', () => cacheCaughtUp(stack, client, second.maxResourceVersion, 'bench-memory-barrier-2'));
    const rss2 = await settledRss(pid);
    const objects2 = await cachedObjects(stack);

    // What the same objects take in etcd: key and value bytes of the namespace's prefix.
    const prefix = Buffer.from(`/registry/configmaps/${NAMESPACE}/`);
    const end = Buffer.from(prefix);
    end[end.length - 1]++;
    const range = await etcd.kv.range({ key: prefix, range_end: end });
    const storedBytes = range.kvs.reduce((s, kv) => s + kv.key.length + kv.value.length, 0);
    if (range.kvs.length !== 2 * STEP) throw new Error(`etcd holds ${range.kvs.length} configmaps in ${NAMESPACE}, expected ${2 * STEP}`);
    const storedPerStep = storedBytes / 2 / 1024 / 1024;

    const per = (mib: number) => `${mib.toFixed(1)} MiB`;
    console.log(`watch-cache memory (RSS of watch-cache-0 from /proc/${pid}/status, median of 5 samples after 5 s settling)`);
    console.log(
      `  configmaps of ~${Math.round(storedBytes / range.kvs.length)} bytes as stored in etcd (key + value), created at ${first.perSecond.toFixed(0)} and ${second.perSecond.toFixed(0)} creates/s` +
        (first.retries + second.retries ? ` (${first.retries + second.retries} attempts retried)` : ''),
    );
    console.log(`  RSS with no bench objects (cache holds ${objects0} objects): ${per(rss0)}`);
    console.log(`  RSS with ${STEP} bench objects (cache holds ${objects1}): ${per(rss1)}, +${per(rss1 - rss0)} for the first ${STEP} (objects, plus their events in the ${WINDOW}-event window)`);
    console.log(`  RSS with ${2 * STEP} bench objects (cache holds ${objects2}): ${per(rss2)}, +${per(rss2 - rss1)} for the next ${STEP} (${STEP >= WINDOW ? 'objects; the window was already full' : 'objects and their events'})`);
    console.log(`  per 10,000 objects: ${per(((rss2 - rss0) / (2 * STEP)) * 10_000)} averaged over ${2 * STEP}; the same objects take ${per((storedPerStep / STEP) * 10_000)} in etcd`);
  } finally {
    etcd.close();
    client.close();
  }
}

runBench('watch-cache-memory bench', 30 * 60_000, bench, { env: { ...process.env, KAPI_WATCH_WINDOW_EVENTS: String(WINDOW) } });
