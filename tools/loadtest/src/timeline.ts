// What happened when: every request (time, latency, outcome) and every kill, bucketed into seconds
// for the plot and grouped into phases (the time before the first kill, then from each kill to the
// next) for the error table. A request counts when its answer came (or did not): one in flight on a
// front door that is killed fails in the kill's phase, and a stall shows as seconds without answers.
import type { RequestRecord } from '@kapi/chaos';

export interface KillRecord {
  /** What was killed, e.g. aggregator-1, nats, etcd. */
  target: string;
  /** The service or component it belongs to, e.g. front door. */
  component: string;
  at: number;
  /** When it answered its health check again; absent if it did not within the deadline. */
  backAt?: number;
  error?: string;
}

export interface Bucket {
  /** Seconds since the start. */
  second: number;
  requests: number;
  errors: number;
  p50: number;
  p99: number;
}

export interface PhaseSummary {
  name: string;
  from: number;
  to: number;
  requests: number;
  /** Final outcomes that were not what the request expected, by status (`0 …` for no answer). */
  errors: Record<string, number>;
  /** Answers client-go retried away, by kind. */
  retried: Record<string, number>;
  p50: number;
  p99: number;
}

/** The q-quantile (0..1) of already sorted values, nearest rank; 0 for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** A status for the error table: the code, or for no answer what the transport said. */
export function outcomeOf(record: RequestRecord): string {
  if (record.status !== 0) return String(record.status);
  const error = record.error ?? '';
  if (/ECONNRESET|socket hang up|other side closed|premature close/i.test(error)) return 'no answer (connection reset)';
  if (/ECONNREFUSED/i.test(error)) return 'no answer (connection refused)';
  if (/no answer within/i.test(error)) return 'no answer (timeout)';
  return 'no answer';
}

function retryKind(reason: string): string {
  return reason.startsWith('error:') ? 'reset (GET)' : reason.replace(/ Retry-After.*/, '');
}

/** When the client had its final answer (or gave up). */
export function answeredAt(record: RequestRecord): number {
  return record.at + record.latencyMs;
}

export class Timeline {
  readonly requests: RequestRecord[] = [];
  readonly kills: KillRecord[] = [];

  constructor(readonly startedAt: number) {}

  record(request: RequestRecord): void {
    this.requests.push(request);
  }

  /** The phase a time belongs to: `steady` before the first kill, then `after kill of X`. */
  phases(endedAt: number): Array<{ name: string; from: number; to: number }> {
    const out: Array<{ name: string; from: number; to: number }> = [];
    let from = this.startedAt;
    let name = 'steady (before any kill)';
    for (const kill of this.kills) {
      out.push({ name, from, to: kill.at });
      from = kill.at;
      name = `kill ${kill.target}`;
    }
    out.push({ name, from, to: endedAt });
    return out;
  }

  summarise(endedAt: number): PhaseSummary[] {
    return this.phases(endedAt).map((phase) => {
      const inPhase = this.requests.filter((r) => answeredAt(r) >= phase.from && answeredAt(r) < phase.to);
      const errors: Record<string, number> = {};
      const retried: Record<string, number> = {};
      for (const r of inPhase) {
        if (!r.ok) errors[outcomeOf(r)] = (errors[outcomeOf(r)] ?? 0) + 1;
        for (const reason of r.retried) retried[retryKind(reason)] = (retried[retryKind(reason)] ?? 0) + 1;
      }
      const latencies = inPhase.map((r) => r.latencyMs).sort((a, b) => a - b);
      return { ...phase, requests: inPhase.length, errors, retried, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
    });
  }

  /** Requests per second of the run, by the second they were answered in. */
  buckets(endedAt: number): Bucket[] {
    const seconds = Math.max(1, Math.ceil((endedAt - this.startedAt) / 1000));
    const latencies: number[][] = Array.from({ length: seconds }, () => []);
    const errors = new Array<number>(seconds).fill(0);
    for (const r of this.requests) {
      const s = Math.min(seconds - 1, Math.max(0, Math.floor((answeredAt(r) - this.startedAt) / 1000)));
      latencies[s].push(r.latencyMs);
      if (!r.ok) errors[s]++;
    }
    return latencies.map((values, second) => {
      values.sort((a, b) => a - b);
      return { second, requests: values.length, errors: errors[second], p50: quantile(values, 0.5), p99: quantile(values, 0.99) };
    });
  }

  /** The last `windowMs` for the progress line: requests/s, errors, p50 and p99. */
  recent(now: number, windowMs: number): { rate: number; errors: number; p50: number; p99: number } {
    const recent: RequestRecord[] = [];
    // Recorded as they are answered, so the newest are at the end.
    for (let i = this.requests.length - 1; i >= 0 && answeredAt(this.requests[i]) >= now - windowMs; i--) recent.push(this.requests[i]);
    const latencies = recent.map((r) => r.latencyMs).sort((a, b) => a - b);
    return { rate: recent.length / (windowMs / 1000), errors: recent.filter((r) => !r.ok).length, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
  }
}
