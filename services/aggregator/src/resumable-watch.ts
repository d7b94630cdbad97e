// A client's watch, carried by a gRPC stream from a watch-cache replica. When that stream breaks
// (the replica died or restarted), the watch continues on another replica from the last
// resourceVersion the client was given, so kubectl -w and informers see neither a hole nor an
// error; a replica whose window no longer reaches back that far answers 410, as kube-apiserver
// would. A watch that is still sending its initial state cannot be resumed that way (those objects
// are not in revision order) and ends with an ERROR event, as before. A replica that has not
// synchronised answers at once that it is not ready; the watch then goes to another replica (or
// the same one a moment later), for up to notReadyForMs, before the client is given that answer.
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
  /** How long to keep asking replicas that are not ready before the client hears so. */
  notReadyForMs?: number;
  retryDelayMs?: number;
}

const CANCELLED = 1;
const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/** A replica's answer that it cannot serve yet: 429 while it synchronises, 503 when it cannot reach what it needs. */
function isNotReady(e: watchcacheV1.WatchEvent): boolean {
  if (e.type !== 'ERROR') return false;
  try {
    const code = (JSON.parse(e.object.toString('utf8')) as { code?: number }).code;
    return code === 429 || code === 503;
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
  /** Whether the client has been given anything yet; until then a new stream may start over. */
  private delivered = false;
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
      // A replica that is not ready yet: try again (another one, or this one once it is), for as
      // long as a broken watch is resumed, or as a new one may wait before the client hears so.
      const forMs = resumed ? undefined : (this.options.notReadyForMs ?? 10_000);
      if ((resumed || !this.delivered) && isNotReady(e) && this.retry('the watch cache is not ready', forMs)) return;
      this.giveUpAt = 0;
      this.delivered = true;
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

  /**
   * Schedules a new stream: resumed from the last resourceVersion, or the client's request again when
   * nothing has reached the client. False when neither is possible, or it has tried long enough.
   */
  private retry(reason: string, forMs = this.options.resumeForMs ?? 30_000): boolean {
    const resumeFrom = this.resumeFrom;
    if (this.stopped || (resumeFrom === undefined && this.delivered)) return false;
    const now = Date.now();
    this.giveUpAt ||= now + forMs;
    if (now > this.giveUpAt) return false;
    const broken = this.active;
    this.active = undefined;
    broken?.cancel();
    this.options.resuming?.(resumeFrom ?? this.request.resourceVersion, reason);
    this.retryTimer = setTimeout(() => {
      if (this.stopped) return;
      if (resumeFrom === undefined) this.follow(this.request, false);
      else this.follow({ ...this.request, resourceVersion: resumeFrom, sendInitialEvents: false }, true);
    }, this.options.retryDelayMs ?? 250);
    return true;
  }

  private finish(): void {
    if (this.stopped) return;
    this.stop();
    this.options.end();
  }
}
