// The churn: writers that create, update and delete configmaps through the front doors, and a
// chaos driver that kills and restarts processes of the stack while they do. Both are bounded: a
// fixed number of operations and kills, and a deadline after which they stop starting new work.
import { setTimeout as sleep } from 'node:timers/promises';
import type { StackHandle } from '@kapi/local-stack';
import { findPublisher, type ApiClient, type Endpoint, type Random } from '@kapi/chaos';
import { deadProcesses } from './stack.js';

export interface WorkloadCounters {
  attempted: number;
  succeeded: number;
  /** status → count, for operations that did not succeed (0 = no answer). */
  failures: Record<string, number>;
}

export const TEAMS = ['red', 'blue', 'green'] as const;
export const TIERS = ['web', 'db'] as const;

/** Labels for a new object or an update: each label is set, changed or removed at random. */
function randomLabels(random: Random, forPatch: boolean): Record<string, string | null> {
  const labels: Record<string, string | null> = {};
  const team = random.int(0, TEAMS.length);
  if (team < TEAMS.length) labels.team = TEAMS[team];
  else if (forPatch) labels.team = null;
  const tier = random.int(0, TIERS.length);
  if (tier < TIERS.length) labels.tier = TIERS[tier];
  else if (forPatch) labels.tier = null;
  return labels;
}

export interface Writer {
  run(operations: number, deadline: number, onOperation: () => void): Promise<void>;
}

/**
 * One writer owns a set of names and remembers which of them exist, so that it mostly creates
 * absent ones and updates or deletes present ones. An answer that never came leaves the belief as
 * it was; the next answer for that name corrects it. etcd, not the writer, is the ground truth.
 */
export function createWriter(options: {
  id: number;
  client: ApiClient;
  endpoints: Endpoint[];
  names: Array<{ namespace: string; name: string }>;
  random: Random;
  counters: WorkloadCounters;
  /** Pause between two operations, in ms. */
  pauseMs: [number, number];
}): Writer {
  const { client, random, counters } = options;
  const exists = new Map<string, boolean>();
  let sequence = 0;
  const count = (status: number, ok: boolean) => {
    counters.attempted++;
    if (ok) counters.succeeded++;
    else counters.failures[String(status)] = (counters.failures[String(status)] ?? 0) + 1;
  };
  const operate = async () => {
    const target = random.pick(options.names);
    const endpoint = random.pick(options.endpoints);
    const key = `${target.namespace}/${target.name}`;
    const collection = `/api/v1/namespaces/${target.namespace}/configmaps`;
    const value = `w${options.id}-${++sequence}-${random.word(random.int(0, 24))}`;
    if (!exists.get(key)) {
      const labels = randomLabels(random, false) as Record<string, string>;
      const response = await client.request(endpoint, 'POST', collection, {
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: target.name, labels }, data: { value } },
      });
      count(response.status, response.status === 201);
      if (response.status === 201 || response.status === 409) exists.set(key, true);
    } else if (random.chance(0.3)) {
      const response = await client.request(endpoint, 'DELETE', `${collection}/${target.name}`);
      count(response.status, response.status === 200);
      if (response.status === 200 || response.status === 404) exists.set(key, false);
    } else {
      // Labels change often, so objects move in and out of the watchers' selectors.
      const patch = { metadata: random.chance(0.6) ? { labels: randomLabels(random, true) } : {}, data: { value } };
      const response = await client.request(endpoint, 'PATCH', `${collection}/${target.name}`, { body: patch, contentType: 'application/merge-patch+json' });
      count(response.status, response.status === 200);
      if (response.status === 200) exists.set(key, true);
      if (response.status === 404) exists.set(key, false);
    }
  };
  return {
    run: async (operations, deadline, onOperation) => {
      for (let i = 0; i < operations && Date.now() < deadline; i++) {
        await operate();
        onOperation();
        await sleep(random.int(...options.pauseMs));
      }
    },
  };
}

export const KILL_TARGETS = ['publisher', 'watch-cache', 'nats'] as const;
export type KillTarget = (typeof KILL_TARGETS)[number];

export interface ChaosAction {
  target: KillTarget;
  /** The instance actually killed, e.g. registry-1. */
  instance: string;
  /** How the publisher was identified, or why it could not be. */
  note?: string;
  killedAt: number;
  restartedAt?: number;
  downMs: number;
  afterOperations: number;
  error?: string;
}

export interface ChaosPlan {
  target: KillTarget;
  /** For watch-cache: which replica. */
  replica: number;
  /** Kill once this many operations are done. */
  afterOperations: number;
  downMs: number;
}

/** A fixed number of kills, each kind at least once, at random points of the churn. */
export function planChaos(random: Random, kills: number, operations: number, watchCacheReplicas: number, kinds: readonly KillTarget[] = KILL_TARGETS): ChaosPlan[] {
  const targets = random.shuffle([...kinds, ...Array.from({ length: Math.max(0, kills - kinds.length) }, () => random.pick(kinds))]).slice(0, kills);
  const points = targets.map(() => random.int(Math.floor(operations * 0.05), Math.floor(operations * 0.85))).sort((a, b) => a - b);
  return targets.map((target, i) => ({
    target,
    replica: random.int(0, watchCacheReplicas - 1),
    afterOperations: points[i],
    downMs: random.int(100, 2500),
  }));
}

/**
 * Runs the plan: waits for each kill point, kills the target with SIGKILL, keeps it down for a
 * while, and restarts it. Whatever it killed is restarted even once the deadline has passed.
 */
export async function runChaos(options: {
  plan: ChaosPlan[];
  handle: StackHandle;
  stateDir: string;
  registryReplicas: number;
  operationsDone: () => number;
  /** Stop waiting for kill points after this (kills not reached are recorded as skipped). */
  deadline: number;
  log: (message: string) => void;
}): Promise<ChaosAction[]> {
  const { handle, plan } = options;
  const startedAt = new Map<string, number>();
  const actions: ChaosAction[] = [];
  for (const step of plan) {
    while (options.operationsDone() < step.afterOperations && Date.now() < options.deadline) await sleep(20);
    const dead = deadProcesses(options.stateDir, handle, new Set());
    if (dead.length > 0) {
      actions.push({ target: step.target, instance: '-', killedAt: Date.now(), downMs: 0, afterOperations: options.operationsDone(), error: dead.join('; ') });
      options.log(`chaos: ${dead.join('; ')}`);
      break;
    }
    if (Date.now() >= options.deadline) {
      options.log(`chaos: deadline reached before the kill at ${step.afterOperations} operations`);
      break;
    }
    let instance: string;
    let note: string | undefined;
    if (step.target === 'nats') instance = 'nats';
    else if (step.target === 'watch-cache') instance = `watch-cache-${step.replica}`;
    else {
      // The election may still be settling after an earlier kill: wait (bounded) for a leader.
      let publisher = findPublisher(options.stateDir, options.registryReplicas, startedAt);
      for (let i = 0; i < 40 && !publisher; i++) {
        await sleep(200);
        publisher = findPublisher(options.stateDir, options.registryReplicas, startedAt);
      }
      instance = publisher?.instance ?? `registry-${step.replica % options.registryReplicas}`;
      note = publisher ? `elected at ${new Date(publisher.electedAt).toISOString()}` : 'no elected publisher found in the logs within 8s; killed a registry replica instead';
    }
    const action: ChaosAction = { target: step.target, instance, note, killedAt: Date.now(), downMs: step.downMs, afterOperations: options.operationsDone() };
    actions.push(action);
    options.log(`chaos: kill ${instance} (${step.target}) after ${action.afterOperations} operations, down for ${step.downMs} ms`);
    try {
      await handle.killInstance(instance, 'SIGKILL');
      await sleep(step.downMs);
      startedAt.set(instance, Date.now());
      await handle.restartInstance(instance);
      action.restartedAt = Date.now();
    } catch (err) {
      const details = (err as { details?: string }).details;
      action.error = `${err instanceof Error ? err.message : String(err)}${details ? `; its log ends with: ${details.split('\n').slice(-3).join(' | ')}` : ''}`;
      options.log(`chaos: ${instance}: ${action.error}`);
      // A process that cannot come back leaves a stack the rest of the test cannot judge.
      break;
    }
  }
  return actions;
}
