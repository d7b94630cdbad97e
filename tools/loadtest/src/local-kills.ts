// --kill local: kills processes of a stack started by `npm run up` (or any stack with a supervisor),
// one at a time, and waits for the supervisor to start each again and for it to answer its health
// check before the next. The processes are found in the state directory's run/ records; a pid is
// signalled only while its record still proves it is the process the stack started.
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findPublisher } from '@kapi/chaos';
import {
  SUPERVISOR_INSTANCE,
  processState,
  readProcessRecords,
  readRecordedTopology,
  signalIfOurs,
  stackStatus,
  statePaths,
  type ServiceName,
  type Topology,
} from '@kapi/local-stack';
import type { Killer, KillTarget } from './killer.js';
import type { KillRecord } from './timeline.js';

/** The order of the kills: every service from the front door inwards, then what they stand on. */
export const SERVICE_ORDER: readonly ServiceName[] = ['aggregator', 'authn', 'authz', 'admission', 'registry', 'watch-cache'];

const COMPONENT: Record<string, string> = {
  aggregator: 'front door',
  authn: 'authn',
  authz: 'authz',
  admission: 'admission',
  registry: 'registry (etcd writer)',
  'watch-cache': 'watch-cache',
  nats: 'NATS (single server)',
  etcd: 'etcd (single member)',
};

/**
 * One replica of each service (the last, so that replica 0 of a one-replica service is killed
 * too), then NATS and etcd: the local stack runs one of each, so their kills are outages the
 * services must ride out, not failovers. The load balancer (HAProxy) is not killed: it is the
 * clients' single address here, as a cloud load balancer would be.
 */
export function localKillPlan(topology: Topology): KillTarget[] {
  const plan: KillTarget[] = [];
  for (const service of SERVICE_ORDER) {
    const replicas = topology.services.filter((s) => s.service === service);
    if (replicas.length === 0) continue;
    plan.push({ instance: replicas[replicas.length - 1].instance, component: `${COMPONENT[service]}${replicas.length > 1 ? ` (1 of ${replicas.length})` : ' (its only replica)'}` });
  }
  plan.push({ instance: 'nats', component: COMPONENT.nats }, { instance: 'etcd', component: COMPONENT.etcd });
  return plan;
}

/** The last step with --rolling-restart: every process of every service stopped (SIGTERM) in turn. */
export const ROLLING_RESTART = 'rolling-restart';

/**
 * A rolling restart's order, as an upgrade of the stack would go: the backends from the bottom up,
 * the front doors last, every replica of each.
 */
export function rollingRestartOrder(topology: Topology): string[] {
  const order: readonly ServiceName[] = ['watch-cache', 'registry', 'admission', 'authz', 'authn', 'aggregator'];
  return order.flatMap((service) => topology.services.filter((s) => s.service === service).map((s) => s.instance));
}

export class LocalKiller implements Killer {
  readonly notes = [
    'The local stack runs one NATS server and one etcd member: killing them is an outage the services ride out (writes wait for etcd; the watch caches resynchronise), not a failover to another member.',
    'The load balancer (HAProxy) is not killed: it is the one address the clients have, as a cloud load balancer would be.',
  ];
  readonly topology: Topology;
  private readonly runDir: string;

  constructor(
    private readonly stateDir: string,
    private readonly rollingRestart = false,
  ) {
    const paths = statePaths(stateDir);
    const topology = readRecordedTopology(paths);
    if (!topology) throw new Error(`--kill local: ${paths.topologyFile} is missing; is a stack started with npm run up (KAPI_STATE_DIR=${stateDir})?`);
    this.topology = topology;
    this.runDir = paths.runDir;
    const supervisor = this.record(SUPERVISOR_INSTANCE);
    if (!supervisor || processState(supervisor) !== 'running') {
      throw new Error(`--kill local: no supervisor runs for ${stateDir} (npm run status shows it), so nothing would start a killed process again`);
    }
  }

  async etcdUrl(): Promise<string> {
    return `http://${this.topology.etcd.host}:${this.topology.etcd.clientPort}`;
  }

  async plan(): Promise<KillTarget[]> {
    const plan = localKillPlan(this.topology);
    if (this.rollingRestart) plan.push({ instance: ROLLING_RESTART, component: `every process of every service (${rollingRestartOrder(this.topology).length}), one at a time with SIGTERM` });
    return plan;
  }

  private record(instance: string) {
    return readProcessRecords(this.runDir).find((entry) => entry.instance === instance)?.record;
  }

  /**
   * The registry replica to kill: the elected event publisher (the one whose log says so last since
   * it was started), so that the election and the publishing move to another replica; the last
   * replica when no election can be read from the logs.
   */
  private registryTarget(target: KillTarget): KillTarget {
    const replicas = this.topology.services.filter((s) => s.service === 'registry').length;
    if (replicas < 2) return target;
    const startedAt = new Map(readProcessRecords(this.runDir).flatMap((entry) => (entry.record ? [[entry.instance, Date.parse(entry.record.startedAt)] as const] : [])));
    const publisher = findPublisher(this.stateDir, replicas, startedAt);
    if (!publisher) return { ...target, component: `${target.component}; no elected publisher found in the logs` };
    return { instance: publisher.instance, component: target.component.replace('registry (etcd writer)', 'registry (etcd writer, the elected event publisher)') };
  }

  /**
   * SIGKILLs the instance and waits (up to `timeoutMs`) until a new process answers its health
   * check; `kill` is filled in as that happens (backAt, or error), so the progress line sees it at once.
   */
  async kill(planned: KillTarget, kill: KillRecord, onKilled?: () => void, timeoutMs = 90_000): Promise<void> {
    if (planned.instance === ROLLING_RESTART) return this.restartAll(kill, onKilled, timeoutMs);
    const target = planned.instance.startsWith('registry-') ? this.registryTarget(planned) : planned;
    kill.target = target.instance;
    kill.component = target.component;
    const before = this.record(target.instance);
    kill.at = Date.now();
    if (!before || !signalIfOurs(before, 'SIGKILL')) {
      kill.error = `${target.instance} was not running (no record in ${this.runDir}, or its pid is no longer the stack's)`;
      return;
    }
    onKilled?.();
    kill.error = await this.untilBack(target.instance, before.pid, kill.at + timeoutMs);
    if (!kill.error) kill.backAt = Date.now();
  }

  /** SIGTERM to each process of rollingRestartOrder, the next once the one before is healthy again. */
  private async restartAll(kill: KillRecord, onStarted?: () => void, timeoutMs = 90_000): Promise<void> {
    kill.target = 'every service';
    kill.at = Date.now();
    onStarted?.();
    for (const instance of rollingRestartOrder(this.topology)) {
      const before = this.record(instance);
      if (!before || !signalIfOurs(before, 'SIGTERM')) {
        kill.error = `rolling restart: ${instance} was not running (no record in ${this.runDir}, or its pid is no longer the stack's)`;
        return;
      }
      const error = await this.untilBack(instance, before.pid, Date.now() + timeoutMs);
      if (error) {
        kill.error = `rolling restart: ${error}`;
        return;
      }
    }
    kill.backAt = Date.now();
  }

  /** Waits until a process other than `oldPid` runs as `instance` and answers its health check; the reason when it does not by `deadline`. */
  private async untilBack(instance: string, oldPid: number, deadline: number): Promise<string | undefined> {
    const started = Date.now();
    while (Date.now() < deadline) {
      await sleep(500);
      const now = this.record(instance);
      if (!now || now.pid === oldPid || processState(now) !== 'running') continue;
      const row = (await stackStatus(this.stateDir, this.topology)).find((r) => r.instance === instance);
      if (row?.health?.healthy) {
        // HAProxy checks a front door every second and takes it back after one good check.
        if (instance.startsWith('aggregator-')) await sleep(2000);
        return undefined;
      }
    }
    return `${instance} was not healthy again within ${Math.round((deadline - started) / 1000)} s (see ${path.join(this.stateDir, 'logs', `${instance}.log`)})`;
  }
}
