// npm run bench: a list of 10,000 configmaps three ways: through the front door with
// resourceVersion=0 (which kube-apiserver serves from its watch cache), through the front door with
// no resourceVersion (a consistent read: the registry ranges over etcd), and a raw etcd range read
// of the same prefix. Which backend answered resourceVersion=0 is read from the front doors' traces.
import { Etcd3 } from 'etcd3';
import type { StackHandle } from '@kapi/local-stack';
import {
  ApiClient,
  createConfigMaps,
  createNamespace,
  describeMachineLoad,
  envNumber,
  haproxyDownEvents,
  machineCpu,
  median,
  nowMs,
  runBench,
  sleep,
  smallConfigMap,
  spansSince,
  step,
  stackCpu,
  traceOffsets,
  waitForWatchEvent,
} from './bench-kit.js';

const OBJECTS = envNumber('KAPI_BENCH_LIST_OBJECTS', 10_000);
const REPETITIONS = envNumber('KAPI_BENCH_LIST_REPETITIONS', 7);
const NAMESPACE = 'bench-list';
/** kubectl's default chunk size for lists. */
const PAGE = 500;

interface Sample {
  ms: number;
  bytes: number;
  items: number;
  resourceVersion: string;
}

async function frontDoorList(client: ApiClient, query: string): Promise<Sample> {
  const sample = await tryFrontDoorList(client, query);
  if (typeof sample === 'string') throw new Error(`list${query} answered ${sample}`);
  return sample;
}

/** A consistent list read page by page with limit and continue, as kubectl does by default. */
async function pagedList(client: ApiClient): Promise<Sample> {
  const started = nowMs();
  let bytes = 0;
  let items = 0;
  let resourceVersion = '';
  let token = '';
  // Bounded: a correct server needs OBJECTS / PAGE pages, plus one for the sentinel-free remainder.
  for (let page = 0; page < OBJECTS / PAGE + 5; page++) {
    const reply = await client.request('GET', `/api/v1/namespaces/${NAMESPACE}/configmaps?limit=${PAGE}${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
    if (reply.code !== 200) throw new Error(`paged list answered ${reply.code}: ${reply.body.toString('utf8').slice(0, 200)}`);
    const list = JSON.parse(reply.body.toString('utf8')) as { items: unknown[]; metadata: { resourceVersion: string; continue?: string } };
    bytes += reply.body.length;
    items += list.items.length;
    resourceVersion ||= list.metadata.resourceVersion;
    token = list.metadata.continue ?? '';
    if (!token) return { ms: nowMs() - started, bytes, items, resourceVersion };
  }
  throw new Error(`a paged list did not end within ${OBJECTS / PAGE + 5} pages`);
}

/** One unpaged request; the answer's status line when the server refuses it. */
async function tryFrontDoorList(client: ApiClient, query: string): Promise<Sample | string> {
  const started = nowMs();
  const reply = await client.request('GET', `/api/v1/namespaces/${NAMESPACE}/configmaps${query}`);
  if (reply.code === 200) {
    const ms = nowMs() - started;
    const list = JSON.parse(reply.body.toString('utf8')) as { items: unknown[]; metadata: { resourceVersion: string } };
    return { ms, bytes: reply.body.length, items: list.items.length, resourceVersion: list.metadata.resourceVersion };
  }
  let message = reply.body.toString('utf8').slice(0, 300);
  try {
    message = (JSON.parse(reply.body.toString('utf8')) as { message?: string }).message ?? message;
  } catch {
    // Not a Status: keep the raw text.
  }
  return `HTTP ${reply.code}: ${message}`;
}

/**
 * After a refused list: how long small requests through the same path fail, and with what. A bounded
 * wait; the registry is expected back within a minute.
 */
async function aftermath(client: ApiClient): Promise<string> {
  const started = nowMs();
  let failures = 0;
  let first = '';
  for (;;) {
    const reply = await client.request('GET', `/api/v1/namespaces/${NAMESPACE}/configmaps?limit=1`);
    if (reply.code === 200) break;
    failures++;
    first ||= `HTTP ${reply.code}: ${reply.body.toString('utf8').match(/"message":"([^"]*)"/)?.[1] ?? reply.body.toString('utf8').slice(0, 120)}`;
    if (nowMs() - started > 60_000) throw new Error(`the registry still fails a minute after the refused list: ${first}`);
    await sleep(100);
  }
  if (!failures) return 'the next request succeeded';
  return `then every list through the registry failed for ${((nowMs() - started) / 1000).toFixed(1)} s (${failures} probes, first: ${first})`;
}

function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1]++;
  return end;
}

async function etcdRange(etcd: Etcd3, prefix: Buffer): Promise<Sample> {
  const started = nowMs();
  const reply = await etcd.kv.range({ key: prefix, range_end: prefixEnd(prefix) });
  const ms = nowMs() - started;
  const bytes = reply.kvs.reduce((s, kv) => s + kv.key.length + kv.value.length, 0);
  return { ms, bytes, items: reply.kvs.length, resourceVersion: reply.header.revision };
}

const summary = (samples: Sample[]) => {
  const ms = samples.map((s) => s.ms);
  const last = samples[samples.length - 1];
  return `median ${median(ms).toFixed(1)} ms (min ${Math.min(...ms).toFixed(1)}, max ${Math.max(...ms).toFixed(1)}; ${last.items} items, ${(last.bytes / 1024 / 1024).toFixed(2)} MiB)`;
};

async function bench(stack: StackHandle): Promise<void> {
  const client = new ApiClient(stack, 32);
  const etcd = new Etcd3({
    hosts: `http://${stack.topology.etcd.host}:${stack.topology.etcd.clientPort}`,
    grpcOptions: { 'grpc.max_receive_message_length': 256 * 1024 * 1024 },
  });
  try {
    await step('creating the namespace', () => createNamespace(client, NAMESPACE));
    const created = await step(`creating ${OBJECTS} configmaps`, () =>
      createConfigMaps(client, NAMESPACE, { prefix: 'cm', count: OBJECTS, concurrency: 32, deadlineMs: 900_000 }),
    );

    // Barrier: a write after all of them, seen on a watch, means the watch-cache has applied them all.
    await step('waiting for the watch-cache to catch up', async () => {
      const barrier = waitForWatchEvent(stack, 'default', created.maxResourceVersion, 'bench-list-barrier');
      await barrier.ready;
      await client.expect('POST', '/api/v1/namespaces/default/configmaps', [201], smallConfigMap('bench-list-barrier'));
      await barrier.seen;
    });

    // Which backend the front door asked for resourceVersion=0, from the spans of its gRPC calls.
    const offsets = traceOffsets(stack, 'aggregator-');
    const probe = await step('the first resourceVersion=0 list', () => frontDoorList(client, '?resourceVersion=0'));
    await sleep(1500);
    const probeSpans = spansSince(stack, 'aggregator-', offsets, ['watch-cache/List', 'registry/List']);
    const servedBy =
      probeSpans.get('watch-cache/List')!.length > 0
        ? 'the watch-cache (cache path)'
        : probeSpans.get('registry/List')!.length > 0
          ? 'the registry (NOT the cache: the front door still sends it to etcd)'
          : 'unknown (no List span found)';
    if (probe.items !== OBJECTS) throw new Error(`list?resourceVersion=0 returned ${probe.items} items, expected ${OBJECTS}`);

    const prefix = Buffer.from(`/registry/configmaps/${NAMESPACE}/`);
    // One warm-up of each, then all of them interleaved so that drift hits all of them alike. A
    // consistent list in one piece may be refused (a response too large somewhere on the way):
    // that is reported, and the paged read below still measures the etcd path.
    const unpaged = await step('the first consistent list', () => tryFrontDoorList(client, ''));
    const afterRefusal = typeof unpaged === 'string' ? await step('after the refused list', () => aftermath(client)) : '';
    await step('the first paged list', () => pagedList(client));
    await step('the first etcd range read', () => etcdRange(etcd, prefix));
    const measured = traceOffsets(stack, 'aggregator-');
    const machineBefore = machineCpu();
    const stackBefore = stackCpu(stack);
    const ownBefore = process.cpuUsage();
    const loopStarted = nowMs();
    const cached: Sample[] = [];
    const consistent: Sample[] = [];
    const paged: Sample[] = [];
    const raw: Sample[] = [];
    for (let i = 0; i < REPETITIONS; i++) {
      cached.push(await step('a resourceVersion=0 list', () => frontDoorList(client, '?resourceVersion=0')));
      if (typeof unpaged !== 'string') consistent.push(await step('a consistent list', () => frontDoorList(client, '')));
      paged.push(await step('a paged list', () => pagedList(client)));
      raw.push(await step('an etcd range read', () => etcdRange(etcd, prefix)));
    }
    for (const [what, samples] of [['resourceVersion=0', cached], ['consistent', consistent], ['paged', paged], ['etcd', raw]] as const) {
      const wrong = samples.find((s) => s.items !== OBJECTS);
      if (wrong) throw new Error(`a ${what} list returned ${wrong.items} items, expected ${OBJECTS}`);
    }
    const loopSeconds = (nowMs() - loopStarted) / 1000;
    const stackAfter = stackCpu(stack);
    const own = process.cpuUsage(ownBefore);
    const ownCpu = [...stackAfter].reduce((sum, [instance, cpu]) => sum + cpu - (stackBefore.get(instance) ?? 0), 0) + (own.user + own.system) / 1e6;
    const load = describeMachineLoad(machineBefore, machineCpu(), ownCpu, loopSeconds);
    const rawMedian = median(raw.map((s) => s.ms));
    // Where the time of a front-door list goes: the front door's gRPC call to its backend, and the rest.
    await sleep(1500);
    const spans = spansSince(stack, 'aggregator-', measured, ['watch-cache/List', 'registry/List']);
    const spanMedian = (name: string) => {
      const durations = spans.get(name)!;
      return durations.length ? `${median(durations).toFixed(1)} ms (${durations.length} calls)` : 'n/a';
    };

    console.log(`list of ${OBJECTS} configmaps in one namespace (${REPETITIONS} runs each, interleaved; time to the last byte)`);
    console.log(
      `  created them at ${created.perSecond.toFixed(0)} creates/s (32 concurrent clients, ${created.seconds.toFixed(0)} s${created.retries ? `, ${created.retries} attempts retried` : ''})`,
    );
    console.log(`  (a) GET ...?resourceVersion=0 through HAProxy and a front door, answered by ${servedBy}: ${summary(cached)}`);
    console.log(`  (b) GET ... without resourceVersion (consistent read; registry → etcd), one piece: ${typeof unpaged === 'string' ? `REFUSED, ${unpaged}; ${afterRefusal}` : summary(consistent)}`);
    console.log(`      the same in pages of ${PAGE} (limit/continue, as kubectl lists): ${summary(paged)}`);
    console.log(`  (c) raw etcd range read of ${prefix.toString()} (etcd3 client): ${summary(raw)}`);
    console.log(
      `  inside the front door, median gRPC call: watch-cache List ${spanMedian('watch-cache/List')}, registry List ${spanMedian('registry/List')} (one per page or unpaged list)`,
    );
    const ratio = (samples: Sample[]) => (samples.length ? (median(samples.map((s) => s.ms)) / rawMedian).toFixed(1) : 'n/a');
    console.log(`  ratio to (c): (a) ${ratio(cached)}, (b) one piece ${ratio(consistent)}, (b) paged ${ratio(paged)}`);
    console.log(`  while measuring: ${load}`);
    const downs = haproxyDownEvents(stack);
    if (downs.length) console.log(`  HAProxy marked a front door DOWN ${downs.length} times during the run: ${downs.join('; ')}`);
  } finally {
    etcd.close();
    client.close();
  }
}

runBench('list-from-cache bench', 25 * 60_000, bench);
