// npm run bench: 1,000 raw `?watch=true` streams on the configmaps of one namespace, through HAProxy
// and both front doors, while one writer creates configmaps at a steady rate. Reports how long each
// event took from the writer's 201 to each watcher, and whether every watcher got every event; and,
// to say where time goes, the publisher and watch-cache backlogs, the watch-cache's own delivery
// histogram, the CPU of every process, and HAProxy's health-check verdicts.
//
// The watchers live in worker threads (parsing 1,000 streams must not slow the writer's clock or
// become the bottleneck); the main thread only writes and keeps time. All timestamps come from the
// monotonic clock, which every thread shares.
//
// Knobs: KAPI_BENCH_WATCHERS (1000), KAPI_BENCH_WATCH_WORKERS (4 threads), KAPI_BENCH_WATCH_AGENTS
// (5 keep-alive agents per thread), KAPI_BENCH_WRITE_RATE (200/s), KAPI_BENCH_WRITE_SECONDS (20),
// KAPI_BENCH_WRITE_IN_FLIGHT (64), KAPI_BENCH_WATCH_DIRECT=1 (watchers and writer talk to the front
// doors directly, bypassing HAProxy), KAPI_BENCH_KEEP_STATE=1 (keep logs and traces).
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Etcd3 } from 'etcd3';
import type { StackHandle } from '@kapi/local-stack';
import {
  ApiClient,
  bucketQuantile,
  createNamespace,
  describeMachineLoad,
  envNumber,
  fetchMetrics,
  formatCpu,
  haproxyDownEvents,
  histogramBuckets,
  machineCpu,
  nowMs,
  quantile,
  runBench,
  sleep,
  smallConfigMap,
  stackCpu,
  step,
} from './bench-kit.js';
import type { FromWorker, ToWorker, WatchWorkerConfig } from './watch-worker.js';

const WATCHERS = envNumber('KAPI_BENCH_WATCHERS', 1000);
const WORKERS = envNumber('KAPI_BENCH_WATCH_WORKERS', 4);
const AGENTS_PER_WORKER = envNumber('KAPI_BENCH_WATCH_AGENTS', 5);
const RATE = envNumber('KAPI_BENCH_WRITE_RATE', 200);
const SECONDS = envNumber('KAPI_BENCH_WRITE_SECONDS', 20);
const MAX_IN_FLIGHT = envNumber('KAPI_BENCH_WRITE_IN_FLIGHT', 64);
/** After the last write, how long watchers may take to catch up, and how long without progress ends the wait. */
const DRAIN_MS = 120_000;
const STALL_MS = 15_000;
/** KAPI_BENCH_WATCH_DIRECT=1 connects the watchers to the front doors themselves, bypassing HAProxy. */
const DIRECT = process.env.KAPI_BENCH_WATCH_DIRECT === '1';
const NAMESPACE = 'bench-watch';
const DELIVERY_HISTOGRAM = 'kapi_watch_cache_delivery_latency_seconds';
const PREFIX = 'w-';

class WorkerHandle {
  private readonly worker: Worker;
  private readonly waiting: Array<{ type: FromWorker['type']; resolve: (m: any) => void; reject: (err: Error) => void }> = [];
  private failure?: Error;
  private terminating = false;

  constructor(config: WatchWorkerConfig) {
    this.worker = new Worker(join(__dirname, 'watch-worker.js'), { workerData: config });
    this.worker.on('message', (m: FromWorker) => {
      const i = this.waiting.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiting.splice(i, 1)[0].resolve(m);
    });
    this.worker.on('error', (err) => this.fail(new Error(`a watch worker failed: ${err.message}`)));
    this.worker.on('exit', (code) => {
      if (!this.terminating) this.fail(new Error(`a watch worker exited with code ${code}`));
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
  }

  /** The next message of `type`, within `timeoutMs`. */
  next<T extends FromWorker['type']>(type: T, timeoutMs: number): Promise<Extract<FromWorker, { type: T }>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`a watch worker sent no ${type} within ${timeoutMs / 1000} s`)), timeoutMs);
      this.waiting.push({
        type,
        resolve: (m) => (clearTimeout(timer), resolve(m)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      });
    });
  }

  ask<T extends FromWorker['type']>(message: ToWorker, reply: T, timeoutMs = 30_000, transfer: ArrayBuffer[] = []) {
    const answer = this.next(reply, timeoutMs);
    this.worker.postMessage(message, transfer);
    return answer;
  }

  send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  terminate(): Promise<number> {
    this.terminating = true;
    return this.worker.terminate();
  }
}

async function statusOf(workers: WorkerHandle[], sentinel?: string) {
  const all = await Promise.all(workers.map((w) => w.ask({ type: 'status', sentinel }, 'status')));
  return {
    received: all.reduce((s, m) => s + m.received, 0),
    open: all.reduce((s, m) => s + m.open, 0),
    minReceived: Math.min(...all.filter((m) => m.open > 0).map((m) => m.minReceived), Infinity),
    sawSentinel: all.reduce((s, m) => s + m.sawSentinel, 0),
  };
}

/** Creates a sentinel configmap and waits until every open watcher has seen it; returns how long that took. */
async function sentinelRound(client: ApiClient, workers: WorkerHandle[], name: string, timeoutMs: number): Promise<number> {
  await client.expect('POST', `/api/v1/namespaces/${NAMESPACE}/configmaps`, [201], smallConfigMap(name));
  const acked = nowMs();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await statusOf(workers, name);
    if (s.sawSentinel >= s.open) return nowMs() - acked;
    if (Date.now() > deadline) throw new Error(`only ${s.sawSentinel} of ${s.open} watchers saw ${name} within ${timeoutMs / 1000} s`);
    await sleep(50);
  }
}

/** GET of a small JSON document over plain HTTP, within a few seconds. */
function getJson(url: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { timeout: 3000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        try {
          resolve(JSON.parse(text));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${url} did not answer within 3 s`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Follows each stage of the event path while the writer runs: etcd's revision, the last message on
 * the NATS stream (one per revision, from the publisher in the registry) and the revision the
 * watch-cache has applied. The differences say where events wait: in the publisher (written to
 * etcd, not yet on NATS) or before the watch-cache (on NATS, not yet applied).
 */
class PipelineSampler {
  private readonly etcd: Etcd3;
  private readonly jsz: string;
  private timer?: NodeJS.Timeout;
  private busy = false;
  private base?: { etcd: number; nats: number };
  maxPublisherBacklog = 0;
  maxCacheBacklog = 0;
  samples = 0;

  constructor(private readonly stack: StackHandle) {
    this.etcd = new Etcd3({ hosts: `http://${stack.topology.etcd.host}:${stack.topology.etcd.clientPort}` });
    this.jsz = `http://${stack.topology.nats.host}:${stack.topology.nats.monitorPort}/jsz?streams=true`;
  }

  async sample(): Promise<{ etcd: number; nats: number; cache: number }> {
    const [range, jsz, metricsText] = await Promise.all([
      this.etcd.kv.range({ key: Buffer.from('/kapi-bench-probe') }),
      getJson(this.jsz),
      fetchMetrics(this.stack, 'watch-cache-0'),
    ]);
    const stream = (jsz.account_details ?? []).flatMap((a: any) => a.stream_detail ?? []).find((d: any) => d.name === 'KAPI_EVENTS');
    const cache = /^kapi_watch_cache_revision\s+(\S+)/m.exec(metricsText);
    return { etcd: Number(range.header.revision), nats: Number(stream?.state?.last_seq ?? NaN), cache: Number(cache?.[1] ?? NaN) };
  }

  async start(): Promise<void> {
    const first = await this.sample();
    this.base = { etcd: first.etcd, nats: first.nats };
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      this.sample()
        .then((s) => {
          this.samples++;
          const written = s.etcd - this.base!.etcd;
          const published = s.nats - this.base!.nats;
          this.maxPublisherBacklog = Math.max(this.maxPublisherBacklog, written - published);
          this.maxCacheBacklog = Math.max(this.maxCacheBacklog, s.etcd - s.cache);
        })
        .catch(() => undefined)
        .finally(() => (this.busy = false));
    }, 500);
  }

  private stopped = false;

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.etcd.close();
  }
}

interface WriteLog {
  acks: Float64Array;
  resourceVersions: Float64Array;
  latencies: number[];
  issued: number;
  succeeded: number;
  failures: Map<string, number>;
  seconds: number;
}

/**
 * One writer, open loop: write i is due at start + i/RATE and goes out when due, with at most
 * MAX_IN_FLIGHT outstanding. A writer that falls behind catches up as fast as that allows; nothing
 * is issued after the window closes.
 */
async function write(client: ApiClient, slots: number): Promise<WriteLog> {
  const log: WriteLog = {
    acks: new Float64Array(slots).fill(NaN),
    resourceVersions: new Float64Array(slots).fill(NaN),
    latencies: [],
    issued: 0,
    succeeded: 0,
    failures: new Map(),
    seconds: 0,
  };
  const path = `/api/v1/namespaces/${NAMESPACE}/configmaps`;
  const interval = 1000 / RATE;
  const start = nowMs();
  const end = start + SECONDS * 1000;
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const outstanding: Promise<void>[] = [];
  const one = async (i: number) => {
    const sent = nowMs();
    try {
      const reply = await client.request('POST', path, smallConfigMap(`${PREFIX}${i}`), 30_000);
      const at = nowMs();
      if (reply.code === 201) {
        log.acks[i] = at;
        log.resourceVersions[i] = Number(JSON.parse(reply.body.toString('utf8')).metadata.resourceVersion);
        log.latencies.push(at - sent);
        log.succeeded++;
      } else {
        log.failures.set(`HTTP ${reply.code}`, (log.failures.get(`HTTP ${reply.code}`) ?? 0) + 1);
      }
    } catch (err) {
      const key = err instanceof Error ? err.message : String(err);
      log.failures.set(key, (log.failures.get(key) ?? 0) + 1);
      // A failed write holds its slot a moment, so that a writer cut off does not spin on reconnects.
      await sleep(200);
    } finally {
      inFlight--;
      wake?.();
    }
  };
  for (let i = 0; i < slots; i++) {
    const due = start + i * interval;
    for (;;) {
      const now = nowMs();
      if (now >= end) break;
      if (now >= due && inFlight < MAX_IN_FLIGHT) break;
      // Sleep until the write is due or a slot frees, whichever comes first.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => ((wake = undefined), resolve()), inFlight < MAX_IN_FLIGHT ? Math.max(0, due - now) : 50);
        wake = () => (clearTimeout(timer), (wake = undefined), resolve());
      });
    }
    if (nowMs() >= end) break;
    inFlight++;
    log.issued++;
    outstanding.push(one(i));
  }
  log.seconds = (nowMs() - start) / 1000;
  await Promise.all(outstanding);
  return log;
}

const fmt = (ms: number) => (Number.isNaN(ms) ? 'n/a' : ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);

async function bench(stack: StackHandle): Promise<void> {
  const frontDoors = stack.topology.services.filter((s) => s.service === 'aggregator');
  const frontDoorUrls = frontDoors.map((f) => `https://${f.listen.host}:${f.listen.port}`);
  const client = new ApiClient(stack, MAX_IN_FLIGHT, DIRECT ? frontDoorUrls : undefined);
  const workers: WorkerHandle[] = [];
  let sampler: PipelineSampler | undefined;
  try {
    await step('creating the namespace', () => createNamespace(client, NAMESPACE));
    const list = await client.expect('GET', `/api/v1/namespaces/${NAMESPACE}/configmaps`, [200]);
    const fromRv = list.metadata.resourceVersion as string;
    const slots = Math.ceil(RATE * SECONDS);

    const perWorker = Math.ceil(WATCHERS / WORKERS);
    let remaining = WATCHERS;
    const openStarted = nowMs();
    while (remaining > 0) {
      const count = Math.min(perWorker, remaining);
      remaining -= count;
      workers.push(
        new WorkerHandle({
          serverUrls: DIRECT ? frontDoorUrls : [stack.serverUrl],
          ca: stack.tls.ca,
          cert: stack.tls.cert ?? '',
          key: stack.tls.key ?? '',
          path: `/api/v1/namespaces/${NAMESPACE}/configmaps?watch=true&resourceVersion=${fromRv}`,
          watchers: count,
          agents: AGENTS_PER_WORKER,
          // Gentle: a burst of TLS handshakes stalls the front doors' event loops.
          openConcurrency: 10,
          slots,
          writePrefix: PREFIX,
        }),
      );
    }
    const opened = await Promise.all(workers.map((w) => w.next('opened', 180_000)));
    const failedOpen = opened.reduce((s, m) => s + m.failed, 0);
    if (failedOpen > 0) {
      const downs = haproxyDownEvents(stack);
      throw new Error(
        `${failedOpen} of ${WATCHERS} watches did not open: ${opened.find((m) => m.firstError)?.firstError}` +
          (downs.length ? ` (HAProxy marked front doors DOWN ${downs.length} times meanwhile: ${downs.join('; ')})` : ''),
      );
    }
    const openSeconds = (nowMs() - openStarted) / 1000;

    // Every stream is live end to end once all of them have delivered a sentinel; the second round
    // is one event fanned out to every watcher on a quiet system.
    await step('the first event to every watcher', () => sentinelRound(client, workers, 'sentinel-0', 60_000));
    const fanOutMs = await step('the second event to every watcher', () => sentinelRound(client, workers, 'sentinel-1', 60_000));

    for (const w of workers) w.send({ type: 'mark' });
    const downsBefore = haproxyDownEvents(stack).length;
    const histogramBefore = histogramBuckets(await fetchMetrics(stack, 'watch-cache-0'), DELIVERY_HISTOGRAM);
    sampler = new PipelineSampler(stack);
    await sampler.start();
    const cpuBefore = stackCpu(stack);
    const benchCpuBefore = process.cpuUsage();
    const machineBefore = machineCpu();
    const writeStarted = nowMs();
    const log = await write(client, slots);
    const writeSeconds = (nowMs() - writeStarted) / 1000;
    const cpuAfterWrite = stackCpu(stack);
    const benchCpuWrite = process.cpuUsage(benchCpuBefore);
    const machineAfterWrite = machineCpu();

    // Drain: until every open watcher has every successful write, nothing moves for STALL_MS, or DRAIN_MS passes.
    const drainStarted = nowMs();
    let last = -1;
    let lastProgress = drainStarted;
    let status = await statusOf(workers);
    while (status.open > 0 && status.minReceived < log.succeeded) {
      if (status.received !== last) {
        last = status.received;
        lastProgress = nowMs();
      }
      if (nowMs() - lastProgress > STALL_MS || nowMs() - drainStarted > DRAIN_MS) break;
      await sleep(250);
      status = await statusOf(workers);
    }
    const drainSeconds = (nowMs() - drainStarted) / 1000;
    // An overloaded watch-cache may not answer; the histogram line is then left out.
    const histogramAfter = histogramBuckets(await fetchMetrics(stack, 'watch-cache-0').catch(() => ''), DELIVERY_HISTOGRAM);
    sampler.stop();

    const results = await Promise.all(
      workers.map((w) => {
        const resourceVersions = log.resourceVersions.slice();
        const acks = log.acks.slice();
        return w.ask({ type: 'finish', resourceVersions, acks }, 'result', 120_000, [resourceVersions.buffer, acks.buffer]);
      }),
    );

    // Every delivery of a successful write, and per quarter of the write window.
    const deliveries: number[] = [];
    const quarters: number[][] = [[], [], [], []];
    const writeIndexQuarter = (k: number) => Math.min(3, Math.floor(((log.acks[k] - writeStarted) / 1000 / SECONDS) * 4));
    for (const r of results) {
      for (let wi = 0; wi < r.watchers; wi++) {
        for (let k = 0; k < slots; k++) {
          const v = r.latencies[wi * slots + k];
          if (Number.isNaN(v)) continue;
          deliveries.push(v);
          quarters[writeIndexQuarter(k)].push(v);
        }
      }
    }
    const sorted = Float64Array.from(deliveries).sort();
    const matched = results.flatMap((r) => r.matched);
    const complete = matched.filter((m) => m === log.succeeded).length;
    const missing = matched.reduce((s, m) => s + (log.succeeded - m), 0);
    const closedEarly = results.flatMap((r) => r.closedEarly);
    const closedAt = results.flatMap((r) => r.closedAt).map((t) => (t - writeStarted) / 1000).sort((a, b) => a - b);
    const errorEvents = results.flatMap((r) => r.errorEvents);
    const reasons = (list: string[]) =>
      [...list.reduce((m, r) => m.set(r, (m.get(r) ?? 0) + 1), new Map<string, number>())].map(([r, n]) => `${n}× ${r}`).join('; ');
    const writeLatencies = [...log.latencies].sort((a, b) => a - b);
    const benchCpuShare = (benchCpuWrite.user + benchCpuWrite.system) / 1e6 / writeSeconds;
    const lines = results.reduce((sum, r) => sum + r.parsedLines, 0);
    const perLine = lines ? `${((results.reduce((sum, r) => sum + r.activeMs, 0) / lines) * 1000).toFixed(0)} µs of watch-thread time` : 'no events';
    const workerElu = results.map((r) => `${(r.eventLoopUtilization * 100).toFixed(0)}%`).join(' ');

    console.log(
      `watch fan-out: ${WATCHERS} raw ?watch=true streams on configmaps of one namespace, ${DIRECT ? 'straight to' : 'through HAProxy and'} ${frontDoors.length} front doors`,
    );
    console.log(`  watchers: ${workers.length} worker threads × ~${perWorker} streams, ${AGENTS_PER_WORKER} keep-alive agents per thread; all open in ${openSeconds.toFixed(1)} s`);
    console.log(`  one event to all ${WATCHERS} watchers on a quiet system: ${fmt(fanOutMs)} until the last one had it`);
    console.log(
      `  writer: 1 client, target ${RATE} creates/s for ${SECONDS} s (≤ ${MAX_IN_FLIGHT} in flight): achieved ${(log.succeeded / writeSeconds).toFixed(1)} creates/s ` +
        `(${log.succeeded} ok, ${log.issued - log.succeeded} failed${log.failures.size ? `: ${reasons([...log.failures].flatMap(([k, n]) => Array(n).fill(k)))}` : ''}); ` +
        `create latency p50 ${fmt(quantile(writeLatencies, 0.5))}, p99 ${fmt(quantile(writeLatencies, 0.99))}`,
    );
    console.log(
      `  delivery latency (writer got 201 → watcher got the event, matched by name and resourceVersion), ${sorted.length} deliveries: ` +
        `p50 ${fmt(quantile(sorted, 0.5))}, p90 ${fmt(quantile(sorted, 0.9))}, p99 ${fmt(quantile(sorted, 0.99))}, max ${fmt(sorted[sorted.length - 1])}` +
        (sorted[0] < 0 ? ` (min ${fmt(sorted[0])}: some events beat the writer's response)` : ''),
    );
    console.log(
      `    by quarter of the write window (p50 / p99): ` +
        quarters
          .map((q, i) => {
            const s = Float64Array.from(q).sort();
            return `Q${i + 1} ${fmt(quantile(s, 0.5))} / ${fmt(quantile(s, 0.99))}`;
          })
          .join(', '),
    );
    console.log(
      `  where events waited (sampled every 0.5 s, ${sampler.samples} samples): at most ${sampler.maxPublisherBacklog} revisions written to etcd but not yet on NATS (publisher), ` +
        `at most ${sampler.maxCacheBacklog} revisions behind etcd in the watch-cache`,
    );
    const cacheP50 = bucketQuantile(histogramBefore, histogramAfter, 0.5);
    const cacheP99 = bucketQuantile(histogramBefore, histogramAfter, 0.99);
    if (cacheP50.count > 0) {
      console.log(
        `  of which inside the watch-cache (its ${DELIVERY_HISTOGRAM}: publisher got the change from etcd → watch-cache handed it to gRPC), ` +
          `${cacheP50.count} sends: p50 ${cacheP50.text}, p99 ${cacheP99.text} (bucket bounds)`,
      );
    }
    console.log(
      `  completeness: ${complete} of ${WATCHERS} watchers got all ${log.succeeded} events; ${missing} deliveries missing` +
        (missing ? ` (per watcher: min ${Math.min(...matched)}, max ${Math.max(...matched)} received)` : '') +
        `; ${closedEarly.length} streams closed early` +
        (closedEarly.length ? ` (${reasons(closedEarly)}; ${closedAt[0].toFixed(1)} to ${closedAt[closedAt.length - 1].toFixed(1)} s after the first write)` : '') +
        `; ${errorEvents.length} ERROR events${errorEvents.length ? ` (${reasons(errorEvents)})` : ''}` +
        `; ${results.reduce((s, r) => s + r.rvMismatches, 0)} resourceVersion mismatches, ${results.reduce((s, r) => s + r.duplicates, 0)} duplicates` +
        `; waited ${drainSeconds.toFixed(1)} s after the last write (at most ${DRAIN_MS / 1000} s, or ${STALL_MS / 1000} s without progress)`,
    );
    console.log(
      `  CPU during the write window (share of one core; the machine has 2): bench process ${(benchCpuShare * 100).toFixed(0)}% ` +
        `(event-loop use per watch thread over writes and drain: ${workerElu}; ${perLine} per event line), ${formatCpu(cpuBefore, cpuAfterWrite, writeSeconds)}`,
    );
    const downs = haproxyDownEvents(stack).slice(downsBefore);
    if (downs.length) console.log(`  HAProxy marked a front door DOWN ${downs.length} times after the writes began, cutting its sessions: ${downs.join('; ')}`);
    const ownCpu = [...cpuAfterWrite].reduce((s, [instance, cpu]) => s + cpu - (cpuBefore.get(instance) ?? 0), 0) + benchCpuShare * writeSeconds;
    console.log(`  ${describeMachineLoad(machineBefore, machineAfterWrite, ownCpu, writeSeconds)}`);
  } finally {
    sampler?.stop();
    client.close();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

runBench('watch-latency bench', 15 * 60_000, bench);
