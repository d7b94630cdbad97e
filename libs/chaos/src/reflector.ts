// A watcher that behaves like client-go's reflector: list, then watch from the list's
// resourceVersion with bookmarks; when a watch ends or fails it watches again from the last
// resourceVersion it saw; on 410 Gone it lists again. Everything it receives is recorded, in
// segments that each begin with a list, for the property checks.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient, Endpoint, WatchLine } from './api-client.js';
import type { KubeObject } from './etcd-history.js';
import { collectionPath, type WatchFilter } from './filter.js';
import type { Random } from './random.js';

export interface ReflectorSpec {
  name: string;
  filter: WatchFilter;
  endpoint: Endpoint;
  /** Watch requests ask for a timeout drawn from this range (seconds); none means long-lived watches. */
  timeoutSeconds?: [number, number];
}

export type Delivery =
  | { kind: 'event'; type: 'ADDED' | 'MODIFIED' | 'DELETED'; key: string; revision: number; object: KubeObject; stream: number; at: number }
  | { kind: 'bookmark'; revision: number; stream: number; at: number };

export interface StreamRecord {
  id: number;
  /** The resourceVersion the watch was opened from. */
  from: number;
  openedAt: number;
  endedAt?: number;
  /** eof, aborted, error: …, ERROR <code>: <message>, HTTP <status> … */
  end?: string;
}

export interface Segment {
  /** Why this list happened: the first one, or a 410 on a watch from `goneAt`. */
  reason: 'initial' | 'expired';
  goneAt?: number;
  listRevision: number;
  listedAt: number;
  /** The list's items: key → object. */
  listed: Map<string, KubeObject>;
  deliveries: Delivery[];
  streams: StreamRecord[];
}

/** `<namespace>/<name>` of an object. */
export function keyOf(object: KubeObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

export class Reflector {
  readonly segments: Segment[] = [];
  /** key → object: what this watcher believes the world is. */
  readonly state = new Map<string, KubeObject>();
  lastRevision = 0;
  listFailures = 0;
  /** Why the watch loop gave up, if it did (it only does when it cannot list before its deadline). */
  failure?: string;
  private streamCount = 0;
  private stopped = false;
  private abortCurrent?: () => void;
  private running?: Promise<void>;
  private readonly progressWaiters = new Set<() => void>();

  constructor(
    readonly spec: ReflectorSpec,
    private readonly client: ApiClient,
    private readonly random: Random,
  ) {}

  get relists(): number {
    return this.segments.filter((segment) => segment.reason === 'expired').length;
  }

  get bookmarks(): number {
    return this.segments.reduce((sum, segment) => sum + segment.deliveries.filter((d) => d.kind === 'bookmark').length, 0);
  }

  /** Lists (retrying until it succeeds or the reflector stops) and then runs in the background. */
  async start(deadline: number): Promise<void> {
    await this.list('initial', undefined, deadline);
    this.running = this.run(deadline).catch((err: unknown) => {
      this.failure = err instanceof Error ? err.message : String(err);
    });
  }

  /** Stops watching and waits for the loop to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abortCurrent?.();
    await this.running;
  }

  /** Resolves true once this reflector has seen `revision` (an event or a bookmark at or after it). */
  async waitForRevision(revision: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.lastRevision < revision) {
      const left = deadline - Date.now();
      if (left <= 0 || this.stopped) return false;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.progressWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 250));
        this.progressWaiters.add(wake);
      });
    }
    return true;
  }

  private async list(reason: Segment['reason'], goneAt: number | undefined, deadline: number): Promise<void> {
    const query = new URLSearchParams();
    if (this.spec.filter.labelSelector) query.set('labelSelector', this.spec.filter.labelSelector);
    const path = `${collectionPath(this.spec.filter)}${query.size ? `?${query}` : ''}`;
    for (let attempt = 0; !this.stopped && Date.now() < deadline; attempt++) {
      const response = await this.client.request(this.spec.endpoint, 'GET', path);
      const body = response.body as { metadata?: { resourceVersion?: string }; items?: KubeObject[] } | undefined;
      if (response.status === 200 && body?.metadata?.resourceVersion) {
        const listRevision = Number(body.metadata.resourceVersion);
        const listed = new Map((body.items ?? []).map((item) => [keyOf(item), item] as const));
        this.segments.push({ reason, goneAt, listRevision, listedAt: Date.now(), listed, deliveries: [], streams: [] });
        this.state.clear();
        for (const [key, object] of listed) this.state.set(key, object);
        this.progress(listRevision);
        return;
      }
      this.listFailures++;
      await sleep(Math.min(1000, 100 * 2 ** Math.min(attempt, 4)));
    }
    if (!this.stopped) throw new Error(`${this.spec.name} could not list ${path} before its deadline`);
  }

  private progress(revision: number): void {
    this.lastRevision = revision;
    for (const wake of [...this.progressWaiters]) wake();
  }

  private async run(deadline: number): Promise<void> {
    let failures = 0;
    while (!this.stopped && Date.now() < deadline) {
      const segment = this.segments[this.segments.length - 1];
      const from = this.lastRevision;
      const query = new URLSearchParams({ watch: 'true', resourceVersion: String(from), allowWatchBookmarks: 'true' });
      if (this.spec.filter.labelSelector) query.set('labelSelector', this.spec.filter.labelSelector);
      if (this.spec.timeoutSeconds) query.set('timeoutSeconds', String(this.random.int(...this.spec.timeoutSeconds)));
      const stream: StreamRecord = { id: ++this.streamCount, from, openedAt: Date.now() };
      segment.streams.push(stream);
      let gone = false;
      let errorEvent: string | undefined;
      let received = 0;
      const handle = this.client.watch(this.spec.endpoint, `${collectionPath(this.spec.filter)}?${query}`, (line: WatchLine) => {
        if (line.type === 'ERROR') {
          errorEvent = `ERROR ${line.object.code}: ${line.object.message}`;
          if (line.object.code === 410) gone = true;
          handle.abort();
          return;
        }
        received++;
        const revision = Number(line.object.metadata?.resourceVersion);
        const at = Date.now();
        if (line.type === 'BOOKMARK') {
          segment.deliveries.push({ kind: 'bookmark', revision, stream: stream.id, at });
        } else {
          const object = line.object as KubeObject;
          const key = keyOf(object);
          segment.deliveries.push({ kind: 'event', type: line.type, key, revision, object, stream: stream.id, at });
          if (line.type === 'DELETED') this.state.delete(key);
          else this.state.set(key, object);
        }
        this.progress(revision);
      });
      this.abortCurrent = handle.abort;
      const outcome = await handle.done;
      this.abortCurrent = undefined;
      stream.endedAt = Date.now();
      stream.end = errorEvent ?? (outcome.status === 200 || outcome.status === 0 ? outcome.end : `HTTP ${outcome.status} ${outcome.end}`);
      if (this.stopped) return;
      if (gone || outcome.status === 410) {
        await this.list('expired', from, deadline);
        failures = 0;
        continue;
      }
      // Back off while nothing gets through, as client-go does; a stream that delivered resets it.
      failures = received > 0 ? 0 : failures + 1;
      await sleep(failures === 0 ? this.random.int(0, 50) : Math.min(1000, 50 * 2 ** Math.min(failures, 5)) + this.random.int(0, 50));
    }
  }
}
