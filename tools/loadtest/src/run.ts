// One run of the failover load test: writers and watchers through the kubeconfig's server (the load
// balancer) with client-go's behaviour, kills on a schedule, then the integrity checks against
// etcd's own history, and the report.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiClient,
  EtcdHistory,
  Random,
  Reflector,
  checkConverged,
  checkWatcherHistory,
  collectionPath,
  describeFilter,
  keyOf,
  lostAcknowledgedWrites,
  matcherOf,
  readKubeconfig,
  requestWithRetries,
  runTraffic,
  type Endpoint,
  type KubeObject,
  type Violation,
  type WatchFilter,
} from '@kapi/chaos';
import { readRecordedTopology, statePaths } from '@kapi/local-stack';
import type { Killer } from './killer.js';
import { KubernetesKiller } from './kubernetes-kills.js';
import { LocalKiller } from './local-kills.js';
import type { LoadtestOptions } from './options.js';
import { renderHtml, type IntegrityCheck, type ReportData } from './report.js';
import { Timeline, type KillRecord } from './timeline.js';

const TEAMS = ['blue', 'red', 'green'] as const;
const PREFIX = 'lt';
/** How long the load goes on after the last kill came back, so its aftermath is on the plot. */
const COOLDOWN_MS = 5000;

export interface RunResult {
  report: ReportData;
  htmlFile: string;
  jsonFile: string;
}

/** The watchers' filters, in turn: the whole namespace, then each team (short watches for some). */
export function watcherSpecs(namespace: string, count: number): Array<{ name: string; filter: WatchFilter; timeoutSeconds?: [number, number] }> {
  const specs = [
    { name: 'namespace', filter: { namespace, labelSelector: '' } },
    { name: 'team=blue', filter: { namespace, labelSelector: 'team=blue' }, timeoutSeconds: [3, 9] as [number, number] },
    { name: 'team=red', filter: { namespace, labelSelector: 'team=red' } },
    { name: 'team in (green,blue)', filter: { namespace, labelSelector: 'team in (green,blue)' }, timeoutSeconds: [5, 15] as [number, number] },
    { name: 'team!=blue', filter: { namespace, labelSelector: 'team!=blue' } },
  ];
  return Array.from({ length: count }, (_, i) => ({ ...specs[i % specs.length], name: `${specs[i % specs.length].name} #${i}` }));
}

function killerOf(options: LoadtestOptions): Killer | undefined {
  if (options.kill === 'local') return new LocalKiller(options.stateDir, options.rollingRestart);
  if (options.kill === 'kubernetes') return new KubernetesKiller(options.clusterKubeconfig!, options.release, options.releaseNamespace, options.helmUpgrade ? { chart: options.helmUpgrade, helm: options.helm } : undefined);
  return undefined;
}

async function etcdUrlOf(options: LoadtestOptions, killer: Killer | undefined): Promise<string> {
  if (options.etcd) return options.etcd;
  const fromKiller = await killer?.etcdUrl();
  if (fromKiller) return fromKiller;
  const topology = readRecordedTopology(statePaths(options.stateDir));
  if (topology) return `http://${topology.etcd.host}:${topology.etcd.clientPort}`;
  throw new Error(`the integrity checks read etcd directly: give --etcd http://HOST:PORT, or --state-dir of the npm run up stack (${options.stateDir} has no run/topology.json)`);
}

export async function runLoadtest(options: LoadtestOptions, log: (line: string) => void): Promise<RunResult> {
  const target = readKubeconfig(options.kubeconfig, options.context);
  const killer = killerOf(options);
  const etcdUrl = await etcdUrlOf(options, killer);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const random = new Random(seed);
  const client = new ApiClient(target.tls);
  const lb: Endpoint = { name: 'lb', url: target.server };
  const notes: string[] = [];
  if (killer) notes.push(...killer.notes);
  log(`loadtest: ${target.server} (context ${target.context}), profile ${options.profile}, ${options.writers} writers, ${options.watchers} watchers, objects of ~${options.objectSizeBytes} B, kill ${options.kill}, namespace ${options.namespace}, seed ${seed}`);

  const ns = await requestWithRetries(client, lb, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: options.namespace } } });
  if (ns.status !== 201 && ns.status !== 409) throw new Error(`cannot create namespace ${options.namespace}: ${ns.status || ''} ${ns.text.slice(0, 300)}`);
  const history = await EtcdHistory.start(etcdUrl);
  const reflectors: Reflector[] = [];
  try {
    const longDeadline = Date.now() + options.durationMs + 30 * 60_000;
    for (const spec of watcherSpecs(options.namespace, options.watchers)) {
      const reflector = new Reflector({ ...spec, endpoint: lb }, client, random.fork(`watcher:${spec.name}`));
      reflectors.push(reflector);
      await reflector.start(longDeadline);
    }

    const startedAt = Date.now();
    const timeline = new Timeline(startedAt);
    let stopped = false;
    const { traffic, done } = runTraffic({
      client,
      endpoint: lb,
      namespace: options.namespace,
      prefix: PREFIX,
      random: random.fork('traffic'),
      stop: () => stopped,
      writers: options.writers,
      pauseMs: options.pauseMs,
      teams: TEAMS,
      paddingBytes: options.objectSizeBytes,
      onRequest: (request) => timeline.record(request),
    });
    const phaseNow = () => {
      const last = timeline.kills[timeline.kills.length - 1];
      if (!last) return 'steady';
      return last.backAt || last.error ? `after kill of ${last.target}` : `${last.target} down`;
    };
    const progress = setInterval(() => {
      const now = Date.now();
      const recent = timeline.recent(now, 3000);
      const events = reflectors.reduce((n, r) => n + r.segments.reduce((m, s) => m + s.deliveries.length, 0), 0);
      const failed = timeline.requests.filter((r) => !r.ok).length;
      log(
        `[${String(Math.round((now - startedAt) / 1000)).padStart(4)}s] ${phaseNow().padEnd(26)} ${recent.rate.toFixed(0).padStart(5)} req/s  p50 ${recent.p50} ms  p99 ${recent.p99} ms  failed ${recent.errors} (total ${failed})  acked writes ${traffic.acknowledged.length}  watch deliveries ${events}`,
      );
    }, 3000);

    let lastBack = startedAt;
    try {
      if (killer) {
        const plan = await killer.plan();
        const warmup = Math.max(3000, options.durationMs * 0.1);
        const spacing = (options.durationMs * 0.8) / plan.length;
        for (const [i, step] of plan.entries()) {
          const due = startedAt + warmup + i * spacing;
          if (due > Date.now()) await sleep(due - Date.now());
          const kill: KillRecord = { target: step.instance, component: step.component, at: Date.now() };
          timeline.kills.push(kill);
          await killer.kill(step, kill, () => log(`kill: ${kill.target} (${kill.component})`));
          if (kill.error) {
            log(`kill: ${kill.error}; no further kills`);
            notes.push(`The kills stopped at ${kill.target}: ${kill.error}`);
            break;
          }
          lastBack = kill.backAt!;
          log(`kill: ${kill.target} healthy again after ${((kill.backAt! - kill.at) / 1000).toFixed(1)} s`);
        }
      }
      const end = Math.max(startedAt + options.durationMs, lastBack + COOLDOWN_MS);
      if (end > Date.now()) await sleep(end - Date.now());
    } finally {
      stopped = true;
      await done;
      clearInterval(progress);
    }
    const endedAt = Date.now();
    log(`load stopped after ${((endedAt - startedAt) / 1000).toFixed(0)} s: ${traffic.requests} requests, ${traffic.acknowledged.length} acknowledged writes; checking integrity against etcd`);

    const checks = await checkIntegrity({ options, client, lb, history, reflectors, traffic });
    const phases = timeline.summarise(endedAt);
    const report: ReportData = {
      server: target.server,
      startedAt,
      endedAt,
      settings: {
        profile: options.profile,
        writers: options.writers,
        watchers: options.watchers,
        'object size': `${options.objectSizeBytes} B`,
        'writer pause': `${options.pauseMs[0]}–${options.pauseMs[1]} ms`,
        kill: options.kill,
        namespace: options.namespace,
        seed,
      },
      totals: {
        requests: timeline.requests.length,
        errors: timeline.requests.filter((r) => !r.ok).length,
        acknowledgedWrites: traffic.acknowledged.length,
        retried: timeline.requests.reduce((n, r) => n + r.retried.length, 0),
      },
      buckets: timeline.buckets(endedAt),
      kills: timeline.kills,
      phases,
      watchers: reflectors.map((r) => ({
        name: r.spec.name,
        filter: describeFilter(r.spec.filter),
        events: r.segments.reduce((n, s) => n + s.deliveries.filter((d) => d.kind === 'event').length, 0),
        bookmarks: r.bookmarks,
        streams: r.segments.reduce((n, s) => n + s.streams.length, 0),
        relists: r.relists,
      })),
      integrity: { ok: checks.every((c) => c.ok), checks },
      notes,
    };
    fs.mkdirSync(options.reportDir, { recursive: true });
    const htmlFile = path.join(options.reportDir, 'report.html');
    const jsonFile = path.join(options.reportDir, 'report.json');
    fs.writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
    fs.writeFileSync(htmlFile, renderHtml(report));
    return { report, htmlFile, jsonFile };
  } finally {
    await Promise.all(reflectors.map((r) => r.stop().catch(() => undefined)));
    await history.close();
    await requestWithRetries(client, lb, 'DELETE', `/api/v1/namespaces/${options.namespace}`).catch(() => undefined);
    client.close();
  }
}

async function checkIntegrity(context: {
  options: LoadtestOptions;
  client: ApiClient;
  lb: Endpoint;
  history: EtcdHistory;
  reflectors: Reflector[];
  traffic: ReturnType<typeof runTraffic>['traffic'];
}): Promise<IntegrityCheck[]> {
  const { options, client, lb, history, reflectors, traffic } = context;
  const checks: IntegrityCheck[] = [];
  const add = (name: string, problems: string[], detail: string) => checks.push({ name, ok: problems.length === 0, detail, problems: problems.slice(0, 40) });
  const collection = `/api/v1/namespaces/${options.namespace}/configmaps`;

  // Sentinels, one per team, so every watcher is owed at least one of them: once each has seen
  // its sentinel it has seen everything before it.
  const sentinels = new Map<string, { object: KubeObject; revision: number }>();
  const sentinelProblems: string[] = [];
  for (const team of TEAMS) {
    const name = `${PREFIX}-sentinel-${team}`;
    const created = await requestWithRetries(client, lb, 'POST', collection, { body: { metadata: { name, labels: { team } }, data: { value: name } } });
    if (created.status !== 201) sentinelProblems.push(`create ${name}: ${created.status} ${created.text.slice(0, 200)}`);
    else sentinels.set(team, { object: created.body as KubeObject, revision: Number((created.body as KubeObject).metadata?.resourceVersion) });
  }
  const lastRevision = Math.max(0, ...[...sentinels.values()].map((s) => s.revision));
  if (!(await history.waitFor(lastRevision, 60_000))) sentinelProblems.push(`the direct etcd watch did not reach revision ${lastRevision} within 60 s`);
  for (const reflector of reflectors) {
    const matches = matcherOf(reflector.spec.filter);
    const owed = [...sentinels.values()].filter((s) => matches(options.namespace, s.object)).map((s) => s.revision);
    const revision = Math.max(0, ...owed);
    if (revision && !(await reflector.waitForRevision(revision, 60_000))) sentinelProblems.push(`${reflector.spec.name} did not see revision ${revision} within 60 s (it is at ${reflector.lastRevision})`);
    if (reflector.failure) sentinelProblems.push(`${reflector.spec.name} stopped: ${reflector.failure}`);
  }
  add('every watcher caught up', sentinelProblems, `a last write per team reached all ${reflectors.length} watchers`);

  add('direct etcd watch', [...history.errors], `${history.events.length} events recorded from revision ${history.startRevision}`);

  const lost = lostAcknowledgedWrites(traffic.acknowledged, history);
  add('every acknowledged write is in etcd', lost, `${traffic.acknowledged.length} acknowledged writes (create, update, patch, delete) looked up in etcd's history: at the revision acknowledged, with the value written`);

  const listed = await requestWithRetries(client, lb, 'GET', collection);
  const stateProblems: string[] = [];
  if (listed.status !== 200) stateProblems.push(`list: ${listed.status} ${listed.text.slice(0, 200)}`);
  else {
    const actual = new Map(
      (listed.body as { items: KubeObject[] }).items
        .filter((o) => o.metadata?.name?.startsWith(`${PREFIX}-w`))
        .map((o) => [o.metadata!.name!, (o.data as { value: string }).value] as const),
    );
    for (const [name, value] of traffic.believed) if (actual.get(name) !== value) stateProblems.push(`${name}: the writers were told ${value}, the server has ${actual.get(name) ?? 'nothing'}`);
    for (const [name, value] of actual) if (!traffic.believed.has(name)) stateProblems.push(`${name}: the writers believe it deleted, the server has ${value}`);
  }
  add('the final state is what the writers were told', stateProblems, `${traffic.believed.size} objects the writers believe exist`);

  const history_: Violation[] = [];
  const converged: Violation[] = [];
  for (const reflector of reflectors) {
    history_.push(...checkWatcherHistory(reflector.spec.name, reflector.spec.filter, reflector.segments, history));
    const filter = reflector.spec.filter;
    const query = filter.labelSelector ? `?labelSelector=${encodeURIComponent(filter.labelSelector)}` : '';
    const fresh = await requestWithRetries(client, lb, 'GET', `${collectionPath(filter)}${query}`);
    if (fresh.status !== 200) {
      converged.push({ property: 'converged', watcher: reflector.spec.name, detail: `the fresh list failed: ${fresh.status} ${fresh.text.slice(0, 200)}` });
      continue;
    }
    const body = fresh.body as { metadata: { resourceVersion: string }; items: KubeObject[] };
    converged.push(...checkConverged(reflector.spec.name, reflector.state, new Map(body.items.map((item) => [keyOf(item), item])), Number(body.metadata.resourceVersion)));
  }
  const describe = (v: Violation) => `${v.property} ${v.watcher}: ${v.detail}`;
  const events = reflectors.reduce((n, r) => n + r.segments.reduce((m, s) => m + s.deliveries.filter((d) => d.kind === 'event').length, 0), 0);
  for (const [name, properties] of [
    ['no watcher lost an event', ['reliable', 'atomic']],
    ['no watcher got an event twice', ['unique']],
    ['no watcher got events out of order', ['ordered', 'bookmarkable']],
    ['every event is etcd’s', ['faithful']],
  ] as const) {
    add(name, history_.filter((v) => (properties as readonly string[]).includes(v.property)).map(describe), `${events} events of ${reflectors.length} watchers against etcd's history (${properties.join(', ')})`);
  }
  add('every watcher converges to a fresh list', converged.map(describe), `each watcher's state against a list with its filter`);
  return checks;
}
