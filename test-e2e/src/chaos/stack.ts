// The stack of the chaos tests and what they read from its logs: which registry replica publishes,
// and at which revisions the watch-cache replicas last rebuilt themselves from a snapshot.
import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { processState, readProcessRecords, startStack, tailFile, withFreePorts, type StackHandle } from '@kapi/local-stack';
import type { Endpoint } from '@kapi/chaos';

export interface ChaosStack {
  handle: StackHandle;
  stateDir: string;
  /** The load balancer and every front door. */
  endpoints: { lb: Endpoint; frontDoors: Endpoint[] };
  etcdEndpoint: string;
  /** Copies the logs somewhere that outlives the stack, for a failure report. */
  keepLogs(destination: string): void;
  stop(): Promise<void>;
}

export async function startChaosStack(
  replicas: { registry: number; watchCache: number; aggregator: number },
  env: NodeJS.ProcessEnv = {},
): Promise<ChaosStack> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'kapi-chaos-'));
  let handle: StackHandle;
  try {
    handle = await startStack(
      await withFreePorts({
        stateDir,
        detached: false,
        env: { ...process.env, ...env },
        replicas: { registry: replicas.registry, 'watch-cache': replicas.watchCache, aggregator: replicas.aggregator },
      }),
    );
  } catch (err) {
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }
  const frontDoors = handle.topology.services
    .filter((instance) => instance.service === 'aggregator')
    .map((instance) => ({ name: instance.instance, url: `https://${instance.listen.host}:${instance.listen.port}` }));
  return {
    handle,
    stateDir,
    endpoints: { lb: { name: 'lb', url: handle.serverUrl }, frontDoors },
    etcdEndpoint: `http://${handle.topology.etcd.host}:${handle.topology.etcd.clientPort}`,
    keepLogs: (destination) => {
      fs.mkdirSync(destination, { recursive: true });
      fs.cpSync(path.join(stateDir, 'logs'), path.join(destination, 'logs'), { recursive: true });
    },
    stop: async () => {
      await handle.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

interface LogLine {
  time?: string;
  msg?: string;
  [k: string]: unknown;
}

export function readLogLines(file: string): LogLine[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const lines: LogLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(raw) as LogLine);
    } catch {
      // a line cut short by SIGKILL
    }
  }
  return lines;
}

function logFile(stateDir: string, instance: string): string {
  return path.join(stateDir, 'logs', `${instance}.log`);
}

/**
 * The registry replica that publishes: the one whose log says `elected event publisher` last,
 * provided that election happened after the replica was last (re)started (an older line belongs
 * to a process that no longer exists). Undefined while no replica qualifies.
 */
export function findPublisher(stateDir: string, registryReplicas: number, startedAt: Map<string, number>): { instance: string; electedAt: number } | undefined {
  let best: { instance: string; electedAt: number } | undefined;
  for (let i = 0; i < registryReplicas; i++) {
    const instance = `registry-${i}`;
    const elected = readLogLines(logFile(stateDir, instance)).filter((line) => line.msg === 'elected event publisher');
    const last = elected[elected.length - 1];
    if (!last?.time) continue;
    const electedAt = Date.parse(last.time);
    if (electedAt < (startedAt.get(instance) ?? 0)) continue;
    if (!best || electedAt > best.electedAt) best = { instance, electedAt };
  }
  return best;
}

/** Every `watch cache synchronised from snapshot` of one watch-cache replica, oldest first. */
export function snapshotRevisions(stateDir: string, instance: string): Array<{ revision: number; at: number }> {
  return readLogLines(logFile(stateDir, instance))
    .filter((line) => line.msg === 'watch cache synchronised from snapshot')
    .map((line) => ({ revision: Number(line.revision), at: Date.parse(line.time ?? '') }));
}

/**
 * Every process of the stack that is not running although the test did not kill it (or has
 * restarted it since), with the end of its log: a service that dies on its own leaves a stack
 * whose watch behaviour cannot be judged.
 */
export function deadProcesses(stateDir: string, handle: StackHandle, downOnPurpose: ReadonlySet<string>): string[] {
  const running = new Map(readProcessRecords(path.join(stateDir, 'run')).map((entry) => [entry.instance, entry.record]));
  const dead: string[] = [];
  for (const process of handle.processes) {
    if (downOnPurpose.has(process.instance)) continue;
    const record = running.get(process.instance);
    if (record && processState(record) === 'running') continue;
    const tail = tailFile(process.logFile, 3).replace(/\s*\n\s*/g, ' | ');
    dead.push(`${process.instance} (pid ${process.pid}) is not running although the test did not kill it; its log ends with: ${tail.slice(0, 600)}`);
  }
  return dead;
}
