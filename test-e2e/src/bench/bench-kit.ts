// Shared pieces of the benchmarks: a stack of their own, a keep-alive HTTPS client with the admin
// certificate, bounded bulk creates, and what /proc says about the stack's processes.
import { request as httpRequest } from 'node:http';
import { Agent, request } from 'node:https';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METRICS_ADDRESS, startStack, withFreePorts, type StackHandle, type StackOptions } from '@kapi/local-stack';

/** Milliseconds on the monotonic clock, comparable between threads and processes of this machine. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}=${JSON.stringify(raw)} is not a positive number`);
  return value;
}

/**
 * Runs one benchmark against a stack of its own, stops the stack whatever happens, and turns a
 * failure (or running past `budgetMs`) into one line on stderr and exit code 1.
 */
export function runBench(
  name: string,
  budgetMs: number,
  body: (stack: StackHandle) => Promise<void>,
  stackOptions: Partial<StackOptions> = {},
): void {
  const stateDir = mkdtempSync(join(tmpdir(), 'kapi-bench-'));
  // KAPI_BENCH_KEEP_STATE=1 keeps the stack's logs and traces for a post-mortem.
  const keep = process.env.KAPI_BENCH_KEEP_STATE === '1';
  const cleanUp = () => {
    if (keep) console.error(`${name}: state, logs and traces kept in ${stateDir}`);
    else rmSync(stateDir, { recursive: true, force: true });
  };
  const fail = (message: string) => {
    console.error(`${name} failed: ${message}`);
    // Attached stack processes are killed by local-stack's exit hook.
    cleanUp();
    process.exit(1);
  };
  const watchdog = setTimeout(() => fail(`did not finish within ${Math.round(budgetMs / 1000)} s`), budgetMs);
  watchdog.unref();
  (async () => {
    const stack = await startStack(await withFreePorts({ stateDir, detached: false, ...stackOptions }));
    try {
      await body(stack);
    } finally {
      await stack.stop();
    }
  })().then(
    () => {
      clearTimeout(watchdog);
      cleanUp();
      process.exit(0);
    },
    (err: unknown) => fail((err instanceof Error ? err.message : String(err)).split('\n')[0]),
  );
}

export interface Reply {
  code: number;
  body: Buffer;
}

/** An HTTPS client of the stack as the admin user, over keep-alive connections. */
export class ApiClient {
  readonly agent: Agent;

  constructor(
    stack: StackHandle,
    maxSockets = 32,
    /** Requests go round-robin to these base URLs: the load balancer by default, or front doors directly. */
    private readonly baseUrls: string[] = [stack.serverUrl],
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets, ca: stack.tls.ca, cert: stack.tls.cert, key: stack.tls.key });
  }

  private turn = 0;

  request(method: string, path: string, body?: unknown, timeoutMs = 60_000): Promise<Reply> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const base = this.baseUrls[this.turn++ % this.baseUrls.length];
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, base),
        {
          method,
          agent: this.agent,
          headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path} got no answer within ${timeoutMs / 1000} s`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async expect(method: string, path: string, codes: number[], body?: unknown): Promise<any> {
    const reply = await this.request(method, path, body);
    if (!codes.includes(reply.code)) throw new Error(`${method} ${path} answered ${reply.code}: ${reply.body.toString('utf8').slice(0, 200)}`);
    return reply.body.length ? JSON.parse(reply.body.toString('utf8')) : undefined;
  }

  close(): void {
    this.agent.destroy();
  }
}

export async function createNamespace(client: ApiClient, name: string): Promise<void> {
  await client.expect('POST', '/api/v1/namespaces', [201], { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

export function smallConfigMap(name: string, dataBytes = 64) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { bench: 'kapi' } }, data: { key: 'v'.repeat(dataBytes) } };
}

/**
 * Creates `count` small configmaps named `<prefix>-<i>` with `concurrency` clients. A create that
 * failed on the way (5xx, 429, a lost connection) is retried up to 5 times over about 8 s, and a
 * 409 on a retry means an earlier attempt landed. Gives up past `deadlineMs`. Returns creates per
 * second, how many attempts were retried, and the highest resourceVersion written.
 */
export async function createConfigMaps(
  client: ApiClient,
  namespace: string,
  options: { prefix: string; count: number; concurrency?: number; deadlineMs?: number; dataBytes?: number; onProgress?: (done: number) => void },
): Promise<{ perSecond: number; seconds: number; retries: number; maxResourceVersion: number }> {
  const concurrency = options.concurrency ?? 32;
  const deadline = Date.now() + (options.deadlineMs ?? 600_000);
  const path = `/api/v1/namespaces/${namespace}/configmaps`;
  let next = 0;
  let done = 0;
  let maxResourceVersion = 0;
  let retries = 0;
  const started = nowMs();
  const createOne = async (i: number) => {
    const body = smallConfigMap(`${options.prefix}-${i}`, options.dataBytes);
    for (let attempt = 0; ; attempt++) {
      if (Date.now() > deadline) throw new Error(`creating ${options.count} configmaps took longer than ${Math.round((options.deadlineMs ?? 600_000) / 1000)} s (${done} done)`);
      let reply: Reply | undefined;
      if (attempt > 0) retries++;
      try {
        reply = await client.request('POST', path, body);
      } catch (err) {
        if (attempt >= 5) throw err;
      }
      if (reply?.code === 201) {
        const rv = Number(JSON.parse(reply.body.toString('utf8')).metadata?.resourceVersion);
        if (rv > maxResourceVersion) maxResourceVersion = rv;
        return;
      }
      if (reply?.code === 409 && attempt > 0) return;
      if (reply && attempt >= 5) throw new Error(`create ${body.metadata.name} answered ${reply.code}: ${reply.body.toString('utf8').slice(0, 200)}`);
      if (reply && reply.code < 500 && reply.code !== 429) throw new Error(`create ${body.metadata.name} answered ${reply.code}: ${reply.body.toString('utf8').slice(0, 200)}`);
      await sleep(250 * 2 ** attempt);
    }
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < options.count; i = next++) {
        await createOne(i);
        done++;
        if (done % 1000 === 0) options.onProgress?.(done);
      }
    }),
  );
  const seconds = (nowMs() - started) / 1000;
  return { perSecond: options.count / seconds, seconds, retries, maxResourceVersion };
}

/**
 * Resolves once a watch of `namespace` from `fromResourceVersion` has seen an event for `name`:
 * a barrier proving the watch-cache has applied everything up to that object's write.
 */
export function waitForWatchEvent(stack: StackHandle, namespace: string, fromResourceVersion: number, name: string, timeoutMs = 60_000): { ready: Promise<void>; seen: Promise<void> } {
  let readyResolve!: () => void;
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));
  const seen = new Promise<void>((resolve, reject) => {
    const path = `/api/v1/namespaces/${namespace}/configmaps?watch=true&resourceVersion=${fromResourceVersion}&fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`;
    const req = request(new URL(path, stack.serverUrl), { ca: stack.tls.ca, cert: stack.tls.cert, key: stack.tls.key }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`watch for ${name} answered ${res.statusCode}`));
        return;
      }
      readyResolve();
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (!line.trim()) continue;
          const event = JSON.parse(line) as { type: string; object?: { metadata?: { name?: string }; message?: string } };
          if (event.type === 'ERROR') return finish(new Error(`watch for ${name} ended with an ERROR event: ${event.object?.message}`));
          if (event.object?.metadata?.name === name) return finish();
        }
      });
      res.on('end', () => finish(new Error(`watch for ${name} ended before its event arrived`)));
    });
    const timer = setTimeout(() => finish(new Error(`no watch event for ${name} within ${timeoutMs / 1000} s`)), timeoutMs);
    function finish(err?: Error) {
      clearTimeout(timer);
      req.destroy();
      if (err) reject(err);
      else resolve();
    }
    req.on('error', (err) => {
      if (!req.destroyed) reject(err);
    });
    req.end();
  });
  seen.catch(() => undefined);
  return { ready, seen };
}

export function pidOf(stack: StackHandle, instance: string): number {
  const found = stack.processes.find((p) => p.instance === instance);
  if (!found) throw new Error(`the stack has no process named ${instance}`);
  return found.pid;
}

/** Resident set size of a process in MiB, from /proc/<pid>/status. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return clockTicks;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const ticks = ticksPerSecond();
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces; fields after it are space-separated, utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

/** CPU seconds of every process of the stack, keyed by instance. */
export function stackCpu(stack: StackHandle): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of stack.processes) {
    try {
      out.set(p.instance, cpuSeconds(p.pid));
    } catch {
      // A process that is gone has no CPU to report.
    }
  }
  return out;
}

/** "instance 85%" for each process, busiest first, as a share of one core over `seconds`. */
export function formatCpu(before: Map<string, number>, after: Map<string, number>, seconds: number): string {
  return [...after.entries()]
    .map(([instance, cpu]) => ({ instance, share: (cpu - (before.get(instance) ?? 0)) / seconds }))
    .sort((a, b) => b.share - a.share)
    .map((p) => `${p.instance} ${(p.share * 100).toFixed(0)}%`)
    .join(', ');
}

/** The value at quantile q (0..1) of an ascending array. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function median(values: number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

/** Byte size of every trace file of the given instances, to read only what is appended later. */
export function traceOffsets(stack: StackHandle, instancePrefix: string): Map<string, number> {
  const dir = join(stack.stateDir, 'logs');
  const out = new Map<string, number>();
  if (!existsSync(dir)) return out;
  for (const file of readdirSync(dir)) {
    if (file.startsWith(instancePrefix) && file.endsWith('.traces.jsonl')) out.set(join(dir, file), statSync(join(dir, file)).size);
  }
  return out;
}

/** The spans of the given names written to those trace files after `offsets` was taken, with their durations in ms. */
export function spansSince(stack: StackHandle, instancePrefix: string, offsets: Map<string, number>, names: string[]): Map<string, number[]> {
  const found = new Map<string, number[]>(names.map((n) => [n, []]));
  for (const file of traceOffsets(stack, instancePrefix).keys()) {
    const from = offsets.get(file) ?? 0;
    const size = statSync(file).size;
    if (size <= from) continue;
    const buffer = Buffer.alloc(size - from);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, from);
    } finally {
      closeSync(fd);
    }
    for (const line of buffer.toString('utf8').split('\n')) {
      const name = names.find((n) => line.includes(`"name":${JSON.stringify(n)}`));
      if (!name) continue;
      try {
        const span = JSON.parse(line) as { start: number; end: number };
        found.get(name)!.push(span.end - span.start);
      } catch {
        // A line cut by a concurrent append: skip it.
      }
    }
  }
  return found;
}

/** Busy and total CPU time of the whole machine so far, in clock ticks, from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((s, v) => s + v, 0);
  // idle and iowait are the idle columns.
  return { busy: total - fields[3] - (fields[4] ?? 0), total };
}

/**
 * How busy the machine was between two machine samples, and how much of that was neither the stack
 * nor this process: other work competing for the same cores makes every number above worse.
 */
export function describeMachineLoad(
  before: { busy: number; total: number },
  after: { busy: number; total: number },
  ownCpuSeconds: number,
  seconds: number,
): string {
  const cores = (after.total - before.total) / (seconds * ticksPerSecond());
  const busyCores = ((after.busy - before.busy) / (after.total - before.total)) * cores;
  const others = Math.max(0, busyCores - ownCpuSeconds / seconds);
  return `machine busy ${busyCores.toFixed(2)} of ${cores.toFixed(0)} cores, of which ${others.toFixed(2)} outside this stack and benchmark`;
}

/**
 * The times HAProxy marked a front door DOWN, from its log, as "<front door>: <reason> (<n> sessions
 * cut)": the backends are declared with `on-marked-down shutdown-sessions`, so each one ends every
 * connection (watches included) that front door had.
 */
export function haproxyDownEvents(stack: StackHandle): string[] {
  const proc = stack.processes.find((p) => p.instance === 'haproxy');
  if (!proc || !existsSync(proc.logFile)) return [];
  return readFileSync(proc.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('Server ') && line.includes(' is DOWN'))
    .map((line) => {
      const server = /^Server \S+\/(\S+) is DOWN/.exec(line)?.[1] ?? '?';
      const reason = /reason: ([^,]+)/.exec(line)?.[1] ?? 'unknown reason';
      const sessions = /(\d+) sessions active/.exec(line)?.[1];
      return `${server}: ${reason}${sessions ? ` (${sessions} sessions cut)` : ''}`;
    });
}

/** The Prometheus text of a backend service (served on METRICS_ADDRESS at the service's gRPC port). */
export function fetchMetrics(stack: StackHandle, instance: string): Promise<string> {
  const service = stack.topology.services.find((s) => s.instance === instance);
  if (!service) return Promise.reject(new Error(`the stack has no service ${instance}`));
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: METRICS_ADDRESS, port: service.listen.port, path: '/metrics', timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${instance} /metrics answered ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`${instance} /metrics did not answer within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** Cumulative bucket counts of a histogram, by upper bound, summed over its label sets. */
export function histogramBuckets(text: string, name: string): Map<number, number> {
  const buckets = new Map<number, number>();
  const re = new RegExp(`^${name}_bucket\\{(?:[^}]*,)?le="([^"]+)"[^}]*\\}\\s+(\\S+)`, 'gm');
  for (const m of text.matchAll(re)) {
    const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
  }
  return buckets;
}

/**
 * The bucket bound under which quantile q of the observations made between two snapshots falls
 * (Prometheus buckets give a bound, not a value), and how many observations there were.
 */
export function bucketQuantile(before: Map<number, number>, after: Map<number, number>, q: number): { text: string; count: number } {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const diff = bounds.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const count = diff[diff.length - 1] ?? 0;
  const index = diff.findIndex((c) => c >= q * count);
  if (index < 0) return { text: 'n/a', count };
  // The +Inf bucket has no upper bound: all it says is "beyond the largest finite one".
  const text = bounds[index] === Infinity ? `> ${bounds[index - 1] ?? 0} s` : `≤ ${bounds[index]} s`;
  return { text, count };
}

/** Runs one step of a benchmark, naming it in the error if it fails. */
export async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new Error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
