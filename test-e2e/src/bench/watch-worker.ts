// A worker thread of watch-latency.bench: holds its share of the raw `?watch=true` streams, parses
// every event line and notes when each event arrived. The main thread only writes and keeps time.
import type { ClientRequest } from 'node:http';
import { Agent, request } from 'node:https';
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

export interface WatchWorkerConfig {
  /** Watcher i connects to serverUrls[i % length]: the load balancer, or each front door directly. */
  serverUrls: string[];
  ca: string | Uint8Array;
  cert: string | Uint8Array;
  key: string | Uint8Array;
  /** The watch path with its query, e.g. `/api/v1/namespaces/x/configmaps?watch=true&resourceVersion=5`. */
  path: string;
  watchers: number;
  agents: number;
  openConcurrency: number;
  /** Writes are named `<writePrefix><index>` with index below `slots`. */
  slots: number;
  writePrefix: string;
}

export type ToWorker =
  | { type: 'status'; sentinel?: string }
  | { type: 'mark' }
  | { type: 'finish'; resourceVersions: Float64Array; acks: Float64Array };

export type FromWorker =
  | { type: 'opened'; ok: number; failed: number; firstError?: string }
  | { type: 'status'; received: number; minReceived: number; open: number; sawSentinel: number }
  | {
      type: 'result';
      /** watcher-major, `slots` per watcher: delivery latency in ms, NaN when not delivered. */
      latencies: Float64Array;
      watchers: number;
      matched: number[];
      rvMismatches: number;
      duplicates: number;
      unknownEvents: number;
      errorEvents: string[];
      closedEarly: string[];
      /** When each of those streams ended, on the shared monotonic clock. */
      closedAt: number[];
      eventLoopUtilization: number;
      /** Busy time of this thread's event loop and the event lines it parsed, both since `mark`. */
      activeMs: number;
      parsedLines: number;
    };

/** PEM text, or bytes that became a plain Uint8Array on their way to this thread. */
const tlsMaterial = (value: string | Uint8Array) => (typeof value === 'string' ? value : Buffer.from(value));

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

class Watcher {
  readonly times: Float64Array;
  readonly resourceVersions: Float64Array;
  received = 0;
  duplicates = 0;
  unknown = 0;
  lastSentinel = '';
  errors: string[] = [];
  closedReason: string | undefined;
  closedAt = NaN;
  /** The address this watcher connected to, to tell front doors apart when connecting to them directly. */
  target = '';
  req?: ClientRequest;
  private rest: Buffer = Buffer.alloc(0);

  constructor(slots: number) {
    this.times = new Float64Array(slots).fill(NaN);
    this.resourceVersions = new Float64Array(slots);
  }

  /** Notes why and when the stream ended, unless the benchmark itself is ending it. */
  close(reason: string): void {
    if (this.finishing || this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.closedAt = nowMs();
  }

  finishing = false;

  onData(chunk: Buffer, prefix: string): number {
    const at = nowMs();
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let start = 0;
    let lines = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      if (nl > start) {
        lines++;
        this.onEvent(JSON.parse(buf.toString('utf8', start, nl)), at, prefix);
      }
      start = nl + 1;
    }
    this.rest = start < buf.length ? Buffer.from(buf.subarray(start)) : Buffer.alloc(0);
    return lines;
  }

  private onEvent(event: { type?: string; object?: { message?: string; metadata?: { name?: string; resourceVersion?: string } } }, at: number, prefix: string): void {
    if (event.type === 'ERROR') {
      this.errors.push(event.object?.message ?? 'ERROR event');
      return;
    }
    const name = event.object?.metadata?.name ?? '';
    if (name.startsWith(prefix)) {
      const index = Number(name.slice(prefix.length));
      if (!Number.isInteger(index) || index < 0 || index >= this.times.length) {
        this.unknown++;
      } else if (!Number.isNaN(this.times[index])) {
        this.duplicates++;
      } else {
        this.times[index] = at;
        this.resourceVersions[index] = Number(event.object?.metadata?.resourceVersion);
        this.received++;
      }
    } else if (name.startsWith('sentinel-')) {
      this.lastSentinel = name;
    } else {
      this.unknown++;
    }
  }
}

function main(): void {
  const config = workerData as WatchWorkerConfig;
  const port = parentPort!;
  const agents = Array.from(
    { length: config.agents },
    () => new Agent({ keepAlive: true, maxSockets: Infinity, ca: tlsMaterial(config.ca), cert: tlsMaterial(config.cert), key: tlsMaterial(config.key) }),
  );
  const watchers = Array.from({ length: config.watchers }, () => new Watcher(config.slots));
  const urls = config.serverUrls.map((base) => new URL(config.path, base));
  let parsedLines = 0;
  let linesAtMark = 0;
  let eluMark = performance.eventLoopUtilization();

  const open = (watcher: Watcher, i: number) =>
    new Promise<void>((resolve, reject) => {
      const url = urls[i % urls.length];
      watcher.target = url.host;
      const req = request(url, { agent: agents[i % agents.length] }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`watch answered ${res.statusCode}`));
          return;
        }
        res.on('data', (chunk: Buffer) => {
          parsedLines += watcher.onData(chunk, config.writePrefix);
        });
        res.on('end', () => watcher.close('the server ended the stream'));
        res.on('error', (err) => watcher.close(err.message));
        resolve();
      });
      watcher.req = req;
      // Opening is bounded; once open, a watch lasts until the benchmark ends it.
      const timer = setTimeout(() => req.destroy(new Error('watch did not answer within 60 s')), 60_000);
      req.on('response', () => clearTimeout(timer));
      req.on('error', (err) => {
        clearTimeout(timer);
        watcher.close(err.message);
        reject(err);
      });
      req.end();
    });

  void (async () => {
    let next = 0;
    let ok = 0;
    let failed = 0;
    let firstError: string | undefined;
    await Promise.all(
      Array.from({ length: config.openConcurrency }, async () => {
        for (let i = next++; i < watchers.length; i = next++) {
          try {
            await open(watchers[i], i);
            ok++;
          } catch (err) {
            failed++;
            firstError ??= err instanceof Error ? err.message : String(err);
          }
        }
      }),
    );
    port.postMessage({ type: 'opened', ok, failed, firstError } satisfies FromWorker);
  })();

  port.on('message', (message: ToWorker) => {
    if (message.type === 'status') {
      let received = 0;
      let minReceived = Infinity;
      let openCount = 0;
      let sawSentinel = 0;
      for (const w of watchers) {
        received += w.received;
        if (w.closedReason === undefined) {
          openCount++;
          minReceived = Math.min(minReceived, w.received);
        }
        if (message.sentinel && w.lastSentinel === message.sentinel) sawSentinel++;
      }
      port.postMessage({ type: 'status', received, minReceived: openCount ? minReceived : 0, open: openCount, sawSentinel } satisfies FromWorker);
    } else if (message.type === 'mark') {
      eluMark = performance.eventLoopUtilization();
      linesAtMark = parsedLines;
    } else if (message.type === 'finish') {
      const elu = performance.eventLoopUtilization(eluMark);
      for (const w of watchers) w.finishing = true;
      for (const w of watchers) w.req?.destroy();
      for (const a of agents) a.destroy();
      const slots = config.slots;
      const latencies = new Float64Array(watchers.length * slots).fill(NaN);
      let rvMismatches = 0;
      const matched: number[] = [];
      watchers.forEach((w, wi) => {
        let count = 0;
        for (let k = 0; k < slots; k++) {
          if (Number.isNaN(message.acks[k]) || Number.isNaN(w.times[k])) continue;
          if (w.resourceVersions[k] !== message.resourceVersions[k]) {
            rvMismatches++;
            continue;
          }
          latencies[wi * slots + k] = w.times[k] - message.acks[k];
          count++;
        }
        matched.push(count);
      });
      const result: FromWorker = {
        type: 'result',
        latencies,
        watchers: watchers.length,
        matched,
        rvMismatches,
        duplicates: watchers.reduce((s, w) => s + w.duplicates, 0),
        unknownEvents: watchers.reduce((s, w) => s + w.unknown, 0),
        errorEvents: watchers.flatMap((w) => w.errors),
        closedEarly: watchers.flatMap((w) => (w.closedReason === undefined ? [] : [urls.length > 1 ? `${w.closedReason} (${w.target})` : w.closedReason])),
        closedAt: watchers.flatMap((w) => (w.closedReason === undefined ? [] : [w.closedAt])),
        eventLoopUtilization: elu.utilization,
        activeMs: elu.active,
        parsedLines: parsedLines - linesAtMark,
      };
      port.postMessage(result, [latencies.buffer]);
    }
  });
}

main();
