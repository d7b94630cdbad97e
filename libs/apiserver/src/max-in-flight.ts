// kube-apiserver's max-in-flight filter (--max-requests-inflight, --max-mutating-requests-inflight,
// the filter kube uses when API Priority and Fairness is off): past the limit of its kind a request is
// answered 429 at once instead of queueing, so overload sheds load rather than memory. Long-running
// requests are not counted, and system:masters is never refused. Nor are the health probes: kube
// runs API Priority and Fairness by default, whose mandatory `probes` FlowSchema puts /healthz, /livez
// and /readyz at the exempt level, and a load balancer must be able to tell a busy front door from a
// broken one. It runs after authentication and impersonation and before authorization, as in kube's
// handler chain.
import type { ServerResponse } from 'node:http';
import { metrics } from '@kapi/telemetry';
import type { RequestInfo } from './request-info.js';

export const DEFAULT_MAX_REQUESTS_INFLIGHT = 400;
export const DEFAULT_MAX_MUTATING_REQUESTS_INFLIGHT = 200;

/** The verbs that do not count as mutating (kube's nonMutatingRequestVerbs). */
const READ_ONLY_VERBS = new Set(['get', 'list', 'watch']);
/** kube-apiserver's BasicLongRunningRequestCheck: these verbs and subresources run as long as they like. */
const LONG_RUNNING_VERBS = new Set(['watch', 'proxy']);
const LONG_RUNNING_SUBRESOURCES = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);
const SYSTEM_MASTERS = 'system:masters';
/** The non-resource paths of APF's mandatory `probes` FlowSchema (exempt). */
const PROBE_PATHS = /^\/(healthz|livez|readyz)(\/|$)/;

/** Whether kube-apiserver treats the request as long-running (exempt from limits and timeouts). */
export function isLongRunning(info: RequestInfo): boolean {
  if (LONG_RUNNING_VERBS.has(info.verb)) return true;
  if (info.isResourceRequest) return LONG_RUNNING_SUBRESOURCES.has(info.subresource);
  return info.path.startsWith('/debug/pprof/');
}

export interface InFlightLimits {
  /** --max-requests-inflight: read-only requests at once; 0 for no limit. */
  readOnly: number;
  /** --max-mutating-requests-inflight: mutating requests at once; 0 for no limit. */
  mutating: number;
}

/** A request's place among those in flight: release it when the request is answered. */
export interface InFlightSlot {
  release(): void;
}

const UNCOUNTED: InFlightSlot = { release: () => undefined };
const dropped = metrics.counter('apiserver_dropped_requests_total', 'Number of requests dropped with \'Try again later\' response. Use apiserver_flowcontrol_rejected_requests_total instead.');

export class MaxInFlightLimiter {
  private readOnly = 0;
  private mutating = 0;

  constructor(private readonly limits: InFlightLimits) {}

  /**
   * A slot for the request, or undefined when its kind is at its limit: the request is then to be
   * answered with `writeTooManyRequests`. Long-running requests, health probes and system:masters always get one.
   */
  admit(info: RequestInfo, groups: readonly string[]): InFlightSlot | undefined {
    if (isLongRunning(info) || (!info.isResourceRequest && PROBE_PATHS.test(info.path))) return UNCOUNTED;
    const mutating = !READ_ONLY_VERBS.has(info.verb);
    const limit = mutating ? this.limits.mutating : this.limits.readOnly;
    if (limit === 0) return UNCOUNTED;
    if ((mutating ? this.mutating : this.readOnly) >= limit) {
      // A system:masters user is so powerful that it should always get an answer (kube's words).
      if (groups.includes(SYSTEM_MASTERS)) return UNCOUNTED;
      dropped.inc({ request_kind: mutating ? 'mutating' : 'readOnly' });
      return undefined;
    }
    if (mutating) this.mutating++;
    else this.readOnly++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        if (mutating) this.mutating--;
        else this.readOnly--;
      },
    };
  }

  /** Requests counted now, by kind. */
  inFlight(): { readOnly: number; mutating: number } {
    return { readOnly: this.readOnly, mutating: this.mutating };
  }
}

/** kube's tooManyRequests: plain text through Go's http.Error, with Retry-After: 1. */
export function writeTooManyRequests(res: ServerResponse): void {
  if (res.headersSent) return;
  const body = 'Too many requests, please try again later.\n';
  res.writeHead(429, {
    'Retry-After': '1',
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
