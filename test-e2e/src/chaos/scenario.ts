// The watch chaos scenario, start to end: a stack with two registry, two watch-cache and two front
// door replicas; a direct etcd watch as ground truth; reflector-like watchers; writers churning
// configmaps while the publisher, a watch-cache replica and NATS are killed and restarted; a quiet
// phase for bookmarks; sentinels to know when everything has arrived; then fresh watches from
// recorded revisions and fresh lists. Everything is bounded by counts and deadlines.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient, checkConverged, checkResumed, checkWatcherHistory, collectionPath, describeFilter, EtcdHistory, keyOf, Random, Reflector, snapshotRevisions, type Delivery, type Endpoint, type KubeObject, type ReflectorSpec, type Violation, type WatchFilter } from '@kapi/chaos';
import { deadProcesses, startChaosStack, type ChaosStack } from './stack.js';

/** Only bounds the test's wait for watchers to catch up; how fast they do is measured elsewhere. */
export const CATCH_UP_DEADLINE_MS = 30_000;
import { KILL_TARGETS, createWriter, planChaos, runChaos, type ChaosAction, type KillTarget, type WorkloadCounters } from './workload.js';

export interface ScenarioConfig {
  namespaces: string[];
  namesPerNamespace: number;
  /** Replicas of the registry (one of them publishes) and of the watch cache. */
  registryReplicas: number;
  watchCacheReplicas: number;
  writers: number;
  /** Operations of the churn, over all writers. */
  operations: number;
  kills: number;
  /** What the kills pick from; each at least once when there are enough kills. */
  killTargets: readonly KillTarget[];
  churnBudgetMs: number;
  /** Writes during the quiet phase after the churn, spaced by quietPauseMs. */
  quietWrites: number;
  quietPauseMs: number;
  /** The quiet phase ends once every long-lived watcher had a bookmark, or after this. */
  quietBudgetMs: number;
  /**
   * How often the watch cache sends bookmarks (KAPI_WATCH_BOOKMARK_INTERVAL_MS; 30 s by default).
   * Short, so that bookmarks arrive all through the chaos and the bookmarkable property is tested
   * often rather than once.
   */
  bookmarkIntervalMs: number;
  resumeChecks: number;
}

export const DEFAULT_CONFIG: ScenarioConfig = {
  namespaces: ['chaos-a', 'chaos-b', 'chaos-c'],
  namesPerNamespace: 10,
  registryReplicas: 2,
  watchCacheReplicas: 2,
  writers: 4,
  operations: 700,
  kills: 6,
  killTargets: KILL_TARGETS,
  churnBudgetMs: 35_000,
  quietWrites: 12,
  quietPauseMs: 400,
  quietBudgetMs: 10_000,
  bookmarkIntervalMs: 1_500,
  resumeChecks: 6,
};

interface WatcherPlan extends Omit<ReflectorSpec, 'endpoint'> {
  via: 'lb' | number;
  /** Labels of an object this watcher must see, for its sentinel. */
  sentinelLabels: Record<string, string>;
}

const WATCHERS: WatcherPlan[] = [
  { name: 'all', filter: { namespace: '', labelSelector: '' }, via: 'lb', sentinelLabels: {} },
  { name: 'team-blue', filter: { namespace: '', labelSelector: 'team=blue' }, via: 0, timeoutSeconds: [3, 9], sentinelLabels: { team: 'blue' } },
  { name: 'chaos-a', filter: { namespace: 'chaos-a', labelSelector: '' }, via: 1, timeoutSeconds: [3, 9], sentinelLabels: {} },
  { name: 'chaos-b-web', filter: { namespace: 'chaos-b', labelSelector: 'tier=web' }, via: 'lb', sentinelLabels: { tier: 'web' } },
  { name: 'red-or-green', filter: { namespace: '', labelSelector: 'team in (red,green)' }, via: 1, sentinelLabels: { team: 'green' } },
  { name: 'chaos-c-tiered-not-red', filter: { namespace: 'chaos-c', labelSelector: 'team!=red,tier' }, via: 0, timeoutSeconds: [3, 9], sentinelLabels: { tier: 'db' } },
];

export interface WatcherReport {
  name: string;
  filter: WatchFilter;
  endpoint: string;
  sentinel: { key: string; revision: number };
  /** The last event the watcher is owed. */
  until: number;
  reachedSentinel: boolean;
  segments: number;
  streams: number;
  events: number;
  bookmarks: number;
  relists: number;
  listFailures: number;
  streamEnds: Record<string, number>;
  /** The latest any event reached this watcher after etcd committed it. */
  maxLagMs: number;
}

export interface ResumeReport {
  watcher: string;
  from: number;
  until: number;
  endpoint: string;
  outcome: string;
  delivered: number;
}

export interface ScenarioResult {
  seed: number;
  violations: Violation[];
  /** Things that keep the properties from being checked at all (e.g. a watcher that never caught up). */
  problems: string[];
  watchers: WatcherReport[];
  resumes: ResumeReport[];
  chaos: ChaosAction[];
  writes: WorkloadCounters;
  etcd: { startRevision: number; lastRevision: number; events: number };
  /** Highest revision at which a watch-cache replica last rebuilt itself from a snapshot. */
  newestSnapshot: number;
  timings: Record<string, number>;
  /** Where logs and the full histories were written, when kept. */
  reportDir?: string;
  /** Everything recorded, for the report file. */
  recorded: { watchers: Array<{ name: string; segments: unknown[] }>; etcdEvents: unknown[] };
}

export async function runScenario(seed: number, config: ScenarioConfig, log: (message: string) => void): Promise<{ result: ScenarioResult; stack: ChaosStack; cleanup: () => Promise<void> }> {
  const random = new Random(seed);
  const timings: Record<string, number> = {};
  const began = Date.now();
  const mark = (name: string) => (timings[name] = Date.now() - began);
  const problems: string[] = [];

  const stack = await startChaosStack({ registry: config.registryReplicas, watchCache: config.watchCacheReplicas, aggregator: 2 }, { KAPI_WATCH_BOOKMARK_INTERVAL_MS: String(config.bookmarkIntervalMs) });
  mark('stackStarted');
  const client = new ApiClient(stack.handle.tls);
  let history: EtcdHistory | undefined;
  const reflectors: Reflector[] = [];
  const cleanup = async () => {
    await Promise.all(reflectors.map((r) => r.stop().catch(() => undefined)));
    await history?.close();
    client.close();
    await stack.stop();
  };

  try {
    const { lb, frontDoors } = stack.endpoints;
    const endpointOf = (via: 'lb' | number): Endpoint => (via === 'lb' ? lb : frontDoors[via % frontDoors.length]);

    for (const namespace of config.namespaces) {
      await retry(`create namespace ${namespace}`, 10, async () => {
        const response = await client.request(lb, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } });
        if (response.status !== 201 && response.status !== 409) throw new Error(`HTTP ${response.status} ${response.text.slice(0, 200)}`);
      });
    }

    history = await EtcdHistory.start(stack.etcdEndpoint);
    const watchDeadline = Date.now() + config.churnBudgetMs + config.quietBudgetMs + 60_000;
    for (const plan of WATCHERS) {
      const reflector = new Reflector({ ...plan, endpoint: endpointOf(plan.via) }, client, random.fork(`watcher:${plan.name}`));
      reflectors.push(reflector);
      await reflector.start(watchDeadline);
    }
    for (const reflector of reflectors) {
      if (reflector.segments[0].listRevision < history.startRevision - 1) {
        throw new Error(`${reflector.spec.name} listed at ${reflector.segments[0].listRevision}, before the etcd history starts (${history.startRevision})`);
      }
    }
    mark('watchersListed');

    // The churn, with chaos.
    const counters: WorkloadCounters = { attempted: 0, succeeded: 0, failures: {} };
    const names = config.namespaces.flatMap((namespace) => Array.from({ length: config.namesPerNamespace }, (_, i) => ({ namespace, name: `cm-${String(i).padStart(2, '0')}` })));
    let operationsDone = 0;
    const churnDeadline = Date.now() + config.churnBudgetMs;
    const writers = Array.from({ length: config.writers }, (_, w) =>
      createWriter({
        id: w,
        client,
        endpoints: frontDoors,
        names: names.filter((_, i) => i % config.writers === w),
        random: random.fork(`writer:${w}`),
        counters,
        pauseMs: [0, 30],
      }),
    );
    const plan = planChaos(random.fork('chaos'), config.kills, config.operations, config.watchCacheReplicas, config.killTargets);
    log(`chaos plan: ${plan.map((p) => `${p.target}${p.target === 'watch-cache' ? `-${p.replica}` : ''}@${p.afterOperations} (${p.downMs} ms)`).join(', ')}`);
    const perWriter = Math.ceil(config.operations / config.writers);
    const [chaos] = await Promise.all([
      runChaos({ plan, handle: stack.handle, stateDir: stack.stateDir, registryReplicas: config.registryReplicas, operationsDone: () => operationsDone, deadline: churnDeadline, log }),
      ...writers.map((writer) => writer.run(perWriter, churnDeadline, () => operationsDone++)),
    ]);
    mark('churnDone');
    const failedRestart = chaos.find((action) => action.error);
    if (failedRestart) throw new Error(failedRestart.instance === '-' ? failedRestart.error : `${failedRestart.instance} could not be restarted after its kill: ${failedRestart.error}`);
    const dead = deadProcesses(stack.stateDir, stack.handle, new Set());
    if (dead.length > 0) throw new Error(dead.join('; '));
    log(`churn: ${counters.attempted} operations (${counters.succeeded} succeeded; failures by status ${JSON.stringify(counters.failures)}) in ${timings.churnDone - timings.watchersListed} ms`);

    // The quiet phase: no kills, a trickle of writes, until every long-lived watch had a bookmark.
    const quietStart = Date.now();
    const quietDeadline = quietStart + config.quietBudgetMs;
    const quietWriter = createWriter({ id: 99, client, endpoints: frontDoors, names, random: random.fork('quiet'), counters, pauseMs: [config.quietPauseMs, config.quietPauseMs] });
    const longLived = reflectors.filter((r) => !r.spec.timeoutSeconds);
    const bookmarkedSince = (r: Reflector, since: number) => r.segments.some((s) => s.deliveries.some((d) => d.kind === 'bookmark' && d.at >= since));
    await quietWriter.run(config.quietWrites, quietDeadline, () => undefined);
    while (Date.now() < quietDeadline && !longLived.every((r) => bookmarkedSince(r, quietStart))) await sleep(250);
    mark('quietDone');

    // Sentinels: the last writes; once a watcher has its own, it has been given everything before it.
    const sentinels = new Map<string, { key: string; revision: number }>();
    for (const [i, plan] of WATCHERS.entries()) {
      const namespace = plan.filter.namespace || config.namespaces[0];
      const name = `sentinel-${plan.name}`;
      await retry(`create ${namespace}/${name}`, 10, async () => {
        const response = await client.request(frontDoors[i % frontDoors.length], 'POST', `/api/v1/namespaces/${namespace}/configmaps`, {
          body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: plan.sentinelLabels }, data: { sentinel: 'true' } },
        });
        if (response.status !== 201) throw new Error(`HTTP ${response.status} ${response.text.slice(0, 200)}`);
        sentinels.set(plan.name, { key: `${namespace}/${name}`, revision: Number((response.body as KubeObject).metadata?.resourceVersion) });
      });
    }
    mark('sentinelsWritten');
    const lastRevision = Math.max(...[...sentinels.values()].map((s) => s.revision));
    if (!(await history.waitFor(lastRevision, 10_000))) problems.push(`the direct etcd watch never reached revision ${lastRevision} (it is at ${history.lastRevision})`);
    // Each watcher is done once it has the last event it is owed (its own sentinel, or a later one it matches).
    const untilOf = new Map(reflectors.map((r) => [r.spec.name, Math.max(sentinels.get(r.spec.name)!.revision, ...history!.expected(r.spec.filter).map((e) => e.revision))]));
    const reached = await Promise.all(reflectors.map((r) => r.waitForRevision(untilOf.get(r.spec.name)!, CATCH_UP_DEADLINE_MS)));
    reflectors.forEach((r, i) => {
      if (!reached[i]) {
        const stream = r.segments[r.segments.length - 1].streams.slice(-1)[0];
        problems.push(`${r.spec.name} did not catch up within ${CATCH_UP_DEADLINE_MS / 1000}s of the last write: it is at ${r.lastRevision}, the last event it is owed is at ${untilOf.get(r.spec.name)} (last stream from ${stream?.from}, ended: ${stream?.end ?? 'still open'})`);
      }
    });
    if (problems.length > 0) {
      // Say what the front doors think of their neighbours, for the report.
      for (const door of [lb, ...frontDoors]) {
        const readyz = await client.request(door, 'GET', '/readyz?verbose', { timeoutMs: 3000 });
        problems.push(`${door.name} /readyz: HTTP ${readyz.status} ${readyz.text.replace(/\s+/g, ' ').slice(0, 300)}`);
      }
    }
    mark('settled');
    await Promise.all(reflectors.map((r) => r.stop()));
    for (const r of reflectors) if (r.failure) problems.push(`${r.spec.name} stopped watching: ${r.failure}`);

    // converged: each watcher's state against a fresh list.
    const violations: Violation[] = [];
    for (const reflector of reflectors) {
      const query = reflector.spec.filter.labelSelector ? `?${new URLSearchParams({ labelSelector: reflector.spec.filter.labelSelector })}` : '';
      const response = await retry(`list for ${reflector.spec.name}`, 10, async () => {
        const r = await client.request(frontDoors[0], 'GET', `${collectionPath(reflector.spec.filter)}${query}`);
        if (r.status !== 200) throw new Error(`HTTP ${r.status} ${r.text.slice(0, 200)}`);
        return r.body as { metadata: { resourceVersion: string }; items: KubeObject[] };
      });
      const listed = new Map(response.items.map((item) => [keyOf(item), item] as const));
      violations.push(...checkConverged(reflector.spec.name, reflector.state, listed, Number(response.metadata.resourceVersion)));
    }

    // The recorded histories against etcd's.
    for (const reflector of reflectors) violations.push(...checkWatcherHistory(reflector.spec.name, reflector.spec.filter, reflector.segments, history));

    // resumable: fresh watches from recorded revisions.
    const newestSnapshot = Math.max(0, ...Array.from({ length: config.watchCacheReplicas }, (_, i) => snapshotRevisions(stack.stateDir, `watch-cache-${i}`).slice(-1)[0]?.revision ?? 0));
    const resumeRandom = random.fork('resume');
    const resumes: ResumeReport[] = [];
    const picks: Array<{ reflector: Reflector; from: number }> = [];
    for (let i = 0; i < config.resumeChecks; i++) {
      const reflector = resumeRandom.pick(reflectors);
      const until = untilOf.get(reflector.spec.name)!;
      const recorded = [
        ...new Set(reflector.segments.flatMap((s) => [s.listRevision, ...s.deliveries.map((d) => d.revision)]).filter((r) => r < until && r >= history!.startRevision - 1)),
      ];
      // Half of the checks start inside every replica's window, where 410 is never a valid answer.
      const candidates = i % 2 === 0 ? recorded.filter((r) => r >= newestSnapshot) : recorded;
      if (candidates.length === 0) continue;
      picks.push({ reflector, from: resumeRandom.pick(candidates.sort((a, b) => a - b)) });
    }
    await Promise.all(
      picks.map(async ({ reflector, from }, i) => {
        const until = untilOf.get(reflector.spec.name)!;
        const endpoint = endpointOf(i % 2 === 0 ? 'lb' : Math.floor(i / 2));
        const report: ResumeReport = { watcher: reflector.spec.name, from, until, endpoint: endpoint.name, outcome: '', delivered: 0 };
        resumes.push(report);
        for (let attempt = 1; attempt <= 2; attempt++) {
          const run = await resumeWatch(client, endpoint, reflector.spec.filter, from, until, 6_000);
          report.outcome = run.outcome;
          report.delivered = run.deliveries.length;
          if (run.outcome === 'reached') {
            violations.push(...checkResumed(reflector.spec.name, reflector.spec.filter, from, until, run.deliveries, history!));
            return;
          }
          if (run.outcome.startsWith('ERROR 410')) {
            if (from < newestSnapshot) {
              report.outcome += ` (allowed: ${from} is older than a watch-cache snapshot at ${newestSnapshot})`;
            } else {
              violations.push({ property: 'resumable', watcher: reflector.spec.name, detail: `a watch from ${from} got ${run.outcome}, though every watch-cache replica holds the history after ${newestSnapshot}` });
            }
            return;
          }
          await sleep(300);
        }
        violations.push({ property: 'resumable', watcher: reflector.spec.name, detail: `a watch from ${from} never reached ${until} in 2 attempts: ${report.outcome}` });
      }),
    );
    mark('resumed');

    const result: ScenarioResult = {
      seed,
      violations,
      problems,
      watchers: reflectors.map((r) => summarise(r, sentinels.get(r.spec.name)!, untilOf.get(r.spec.name)!, reached[reflectors.indexOf(r)], history!)),
      resumes,
      chaos,
      writes: counters,
      etcd: { startRevision: history.startRevision, lastRevision: history.lastRevision, events: history.events.length },
      newestSnapshot,
      timings,
      recorded: {
        watchers: reflectors.map((r) => ({ name: r.spec.name, segments: r.segments.map((s) => ({ ...s, listed: [...s.listed.keys()] })) })),
        etcdEvents: history.events.map((e) => ({ revision: e.revision, type: e.type, key: e.key, labels: (e.value ?? e.prevValue)?.metadata?.labels })),
      },
    };
    if (history.errors.length) problems.push(`the direct etcd watch reported errors: ${history.errors.join('; ')}`);
    return { result, stack, cleanup };
  } catch (err) {
    const dir = path.join(tmpdir(), `kapi-watch-chaos-${seed}-${Date.now()}`);
    try {
      stack.keepLogs(dir);
    } catch {
      // the logs are a bonus
    }
    // A process that died on its own is the likeliest reason; say so.
    let dead: string[] = [];
    try {
      dead = deadProcesses(stack.stateDir, stack.handle, new Set());
    } catch {
      // best effort
    }
    await cleanup().catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    const alsoDead = dead.filter((line) => !message.includes(line));
    throw new Error(`${message}${alsoDead.length ? `; meanwhile ${alsoDead.join('; ')}` : ''} (logs kept in ${dir})`, { cause: err });
  }
}

/** Writes the full report and a copy of the logs; returns the directory. */
export function keepReport(result: ScenarioResult, stack: ChaosStack): string {
  const dir = path.join(tmpdir(), `kapi-watch-chaos-${result.seed}-${Date.now()}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'report.json'), JSON.stringify(result, null, 1));
  try {
    stack.keepLogs(dir);
  } catch {
    // the logs are a bonus
  }
  return dir;
}

function summarise(r: Reflector, sentinel: { key: string; revision: number }, until: number, reachedSentinel: boolean, history: EtcdHistory): WatcherReport {
  const committedAt = new Map(history.events.map((e) => [`${e.key}@${e.revision}`, e.at]));
  let maxLagMs = 0;
  for (const d of r.segments.flatMap((s) => s.deliveries)) {
    const at = d.kind === 'event' ? committedAt.get(`${d.key}@${d.revision}`) : undefined;
    if (at !== undefined) maxLagMs = Math.max(maxLagMs, d.at - at);
  }
  const streams = r.segments.flatMap((s) => s.streams);
  const streamEnds: Record<string, number> = {};
  for (const s of streams) {
    const reason = (s.end ?? 'open').replace(/\d+/g, 'N').slice(0, 80);
    streamEnds[reason] = (streamEnds[reason] ?? 0) + 1;
  }
  return {
    name: r.spec.name,
    filter: r.spec.filter,
    endpoint: r.spec.endpoint.name,
    sentinel,
    until,
    reachedSentinel,
    segments: r.segments.length,
    streams: streams.length,
    events: r.segments.reduce((n, s) => n + s.deliveries.filter((d) => d.kind === 'event').length, 0),
    bookmarks: r.bookmarks,
    relists: r.relists,
    listFailures: r.listFailures,
    streamEnds,
    maxLagMs,
  };
}

export function describeWatcher(w: WatcherReport): string {
  return `${w.name} (${describeFilter(w.filter)}, via ${w.endpoint}): ${w.events} events, ${w.bookmarks} bookmarks, ${w.streams} streams, ${w.relists} relists, latest event ${(w.maxLagMs / 1000).toFixed(1)}s after etcd; ends ${JSON.stringify(w.streamEnds)}`;
}

/** A fresh watch from `from`, read until an event at `until` (or later) arrives, or the stream ends. */
async function resumeWatch(client: ApiClient, endpoint: Endpoint, filter: WatchFilter, from: number, until: number, timeoutMs: number): Promise<{ outcome: string; deliveries: Delivery[] }> {
  const query = new URLSearchParams({ watch: 'true', resourceVersion: String(from), allowWatchBookmarks: 'true', timeoutSeconds: String(Math.ceil(timeoutMs / 1000)) });
  if (filter.labelSelector) query.set('labelSelector', filter.labelSelector);
  const deliveries: Delivery[] = [];
  let outcome: string | undefined;
  const handle = client.watch(endpoint, `${collectionPath(filter)}?${query}`, (line) => {
    if (line.type === 'ERROR') {
      outcome = `ERROR ${line.object.code}: ${line.object.message}`;
      handle.abort();
      return;
    }
    const revision = Number(line.object.metadata?.resourceVersion);
    if (line.type === 'BOOKMARK') deliveries.push({ kind: 'bookmark', revision, stream: 1, at: Date.now() });
    else deliveries.push({ kind: 'event', type: line.type, key: keyOf(line.object as KubeObject), revision, object: line.object as KubeObject, stream: 1, at: Date.now() });
    if (line.type !== 'BOOKMARK' && revision >= until) {
      outcome = 'reached';
      handle.abort();
    }
  });
  const timer = setTimeout(() => handle.abort(), timeoutMs + 2000);
  const done = await handle.done;
  clearTimeout(timer);
  const last = deliveries.length ? `, the last at ${deliveries[deliveries.length - 1].revision}` : '';
  return { outcome: outcome ?? `ended before ${until} (${done.status === 200 ? done.end : `HTTP ${done.status} ${done.end}`}) after ${deliveries.length} deliveries${last}`, deliveries };
}

async function retry<T>(what: string, attempts: number, action: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await action();
    } catch (err) {
      last = err;
      await sleep(Math.min(2000, 200 * 2 ** i));
    }
  }
  throw new Error(`${what} failed ${attempts} times: ${last instanceof Error ? last.message : String(last)}`);
}
