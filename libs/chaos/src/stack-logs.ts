// What the chaos tests and the load test read from a local stack's logs (<stateDir>/logs): which
// registry replica publishes etcd's events, and at which revisions the watch-cache replicas last
// rebuilt themselves from a snapshot.
import * as fs from 'node:fs';
import { logFileOf, statePaths } from '@kapi/local-stack';

export interface LogLine {
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
  return parseLogLines(text);
}

/** The JSON lines of a service's log (a file, or a pod's log as the cluster's API returns it). */
export function parseLogLines(text: string): LogLine[] {
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

/**
 * When a registry replica's log last says `elected event publisher`, provided that was after the
 * process started (`startedAt`, ms); undefined when it has not been elected since.
 */
export function lastElection(lines: LogLine[], startedAt = 0): number | undefined {
  const elected = lines.filter((line) => line.msg === 'elected event publisher');
  const at = Date.parse(elected[elected.length - 1]?.time ?? '');
  return Number.isFinite(at) && at >= startedAt ? at : undefined;
}

function logFile(stateDir: string, instance: string): string {
  return logFileOf(statePaths(stateDir), instance);
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
    const electedAt = lastElection(readLogLines(logFile(stateDir, instance)), startedAt.get(instance));
    if (electedAt !== undefined && (!best || electedAt > best.electedAt)) best = { instance, electedAt };
  }
  return best;
}

/** Every `watch cache synchronised from snapshot` of one watch-cache replica, oldest first. */
export function snapshotRevisions(stateDir: string, instance: string): Array<{ revision: number; at: number }> {
  return readLogLines(logFile(stateDir, instance))
    .filter((line) => line.msg === 'watch cache synchronised from snapshot')
    .map((line) => ({ revision: Number(line.revision), at: Date.parse(line.time ?? '') }));
}

