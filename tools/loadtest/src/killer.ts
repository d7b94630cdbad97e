// What the load test kills, one target at a time: processes of a local stack (local-kills.ts) or
// pods of a Helm install (kubernetes-kills.ts).
import type { KillRecord } from './timeline.js';

export interface KillTarget {
  /** A process (aggregator-1, nats) or, for pods, the component whose pod is chosen at kill time. */
  instance: string;
  /** What it is, for the report: front door (1 of 2), NATS (single server), … */
  component: string;
}

export interface Killer {
  /** In order: every service from the front door inwards, then what they stand on. */
  plan(): Promise<KillTarget[]>;
  /**
   * Kills the target and waits (bounded) until it is back; fills `record` in as that happens
   * (`target` with what was actually killed, `at`, then `backAt` or `error`); `onKilled` is called
   * the moment the kill is done.
   */
  kill(target: KillTarget, record: KillRecord, onKilled?: () => void): Promise<void>;
  /** etcd's client URL as this installation knows it, for the integrity checks' direct watch. */
  etcdUrl(): Promise<string | undefined>;
  /** What this kind of kill cannot do, for the report. */
  readonly notes: string[];
}
