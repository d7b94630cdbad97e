// The stack of the chaos tests, and which of its processes died without being killed. What the
// tests read from its logs (the publisher, the snapshots) is in @kapi/chaos (stack-logs.ts).
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
