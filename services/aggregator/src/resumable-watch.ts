// A client's watch, carried by a gRPC stream from a watch-cache replica. When that stream breaks
// (the replica died or restarted), the watch continues on another replica from the last
// resourceVersion the client was given, so kubectl -w and informers see neither a hole nor an
// error; a replica whose window no longer reaches back that far answers 410, as kube-apiserver
// would. A watch that is still sending its initial state cannot be resumed that way (those objects
// are not in revision order) and ends with an ERROR event, as before.
import type { grpc } from '@kapi/grpc';
import type { watchcacheV1 } from '@kapi/proto';

type WatchCall = grpc.ClientReadableStream<watchcacheV1.WatchEvent>;

export interface ResumableWatchOptions {
  open(request: watchcacheV1.WatchRequest): WatchCall;
  /** Delivers one event; false when the client's socket is full (the stream pauses until `drain`). */
  deliver(event: watchcacheV1.WatchEvent): boolean;
  /** Resolves when the client's socket can take more. */
  drain(resume: () => void): void;
  /** The stream failed and could not be resumed; `message` says why. */
  fail(message: string): void;
  /** The watch is over (the cache ended it, or it failed). */
  end(): void;
  /** A broken stream is being resumed from `resourceVersion`. */
  resuming?(resourceVersion: string, reason: string): void;
  /** How long to keep trying to resume before giving up. */
  resumeForMs?: number;
  retryDelayMs?: number;
}

const CANCELLED = 1;
const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

function isUnavailable(e: watchcacheV1.WatchEvent): boolean {
  if (e.type !== 'ERROR') return false;
  try {
    return (JSON.parse(e.object.toString('utf8')) as { code?: number }).code === 503;
  } catch {
    return false;
  }
}

function endsInitialEvents(e: watchcacheV1.WatchEvent): boolean {
  if (e.type !== 'BOOKMARK') return false;
  const object = JSON.parse(e.object.toString('utf8')) as { metadata?: { annotations?: Record<string, string> } };
  return object.metadata?.annotations?.[INITIAL_EVENTS_END] === 'true';
}

export class ResumableWatch {
  private active?: WatchCall;
  private stopped = false;
  /** The resourceVersion a new stream may continue from without a hole, once there is one. */
  private resumeFrom?: string;
  private giveUpAt = 0;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly request: watchcacheV1.WatchRequest,
    private readonly options: ResumableWatchOptions,
  ) {
    if (!request.sendInitialEvents && Number(request.resourceVersion) > 0) this.resumeFrom = request.resourceVersion;
  }

  start(): void {
    this.follow(this.request, false);
  }

  /** Ends the watch from our side (client gone, timeout). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const call = this.active;
    this.active = undefined;
    call?.cancel();
  }

  private follow(request: watchcacheV1.WatchRequest, resumed: boolean): void {
    const call = this.options.open(request);
    this.active = call;
    call.on('data', (e: watchcacheV1.WatchEvent) => {
      if (call !== this.active) return;
      // A replica that is not ready yet: try again (another one, or this one once it is).
      if (resumed && isUnavailable(e) && this.retry('the watch cache is not ready')) return;
      this.giveUpAt = 0;
      if (e.type === 'ERROR') this.resumeFrom = undefined;
      else if (endsInitialEvents(e) || (this.resumeFrom !== undefined && e.resourceVersion)) this.resumeFrom = e.resourceVersion;
      if (!this.options.deliver(e)) {
        call.pause();
        this.options.drain(() => call.resume());
      }
    });
    call.on('error', (err: Error & { code?: number }) => {
      if (call !== this.active) return;
      if (err.code === CANCELLED) return this.finish();
      if (this.retry(err.message)) return;
      this.options.fail(`the watch cache is unavailable: ${err.message}`);
      this.finish();
    });
    call.on('end', () => {
      if (call === this.active) this.finish();
    });
  }

  /** Schedules a resumed stream; false when the watch cannot be resumed (or has tried long enough). */
  private retry(reason: string): boolean {
    if (this.stopped || this.resumeFrom === undefined) return false;
    const now = Date.now();
    this.giveUpAt ||= now + (this.options.resumeForMs ?? 30_000);
    if (now > this.giveUpAt) return false;
    const broken = this.active;
    this.active = undefined;
    broken?.cancel();
    this.options.resuming?.(this.resumeFrom, reason);
    this.retryTimer = setTimeout(() => {
      if (!this.stopped) this.follow({ ...this.request, resourceVersion: this.resumeFrom!, sendInitialEvents: false }, true);
    }, this.options.retryDelayMs ?? 250);
    return true;
  }

  private finish(): void {
    if (this.stopped) return;
    this.stop();
    this.options.end();
  }
}
