// When a request must be answered (kube-apiserver's WithRequestDeadline and its write handlers): a
// request that is not long-running has --request-timeout (60 s), or the `?timeout=` it asks for
// when that is shorter; a write gives its work (admission, its webhooks, storage) at most 34 s of
// that (kube's requestTimeoutUpperBound). kapi carries the deadline as the gRPC deadline of the calls
// that serve the request, so every hop knows it, as a Go context carries it through kube's.
import { badRequest, parseDuration } from '@kapi/api-machinery';
import { isLongRunning } from './max-in-flight.js';
import type { RequestInfo } from './request-info.js';

/** --request-timeout, which kapi's front door applies. */
export const REQUEST_TIMEOUT_MS = 60_000;
/** kube's requestTimeoutUpperBound: what a create, update, patch or delete may take of it. */
export const WRITE_TIMEOUT_UPPER_BOUND_MS = 34_000;

/**
 * The request's deadline in epoch milliseconds, counted from `now`; undefined for a long-running
 * request (watch, exec, logs, proxy), which has none. A `?timeout=` that is not a Go duration is a
 * 400 in kube's words; one of 0, below 0 or beyond the request timeout leaves the request timeout.
 */
export function requestDeadline(info: RequestInfo, query: URLSearchParams, now: number, maxMs = REQUEST_TIMEOUT_MS): number | undefined {
  if (isLongRunning(info)) return undefined;
  const value = query.get('timeout') ?? '';
  let timeoutMs = maxMs;
  if (value !== '') {
    let asked: number;
    try {
      asked = parseDuration(value);
    } catch (err) {
      throw badRequest(`invalid timeout specified in the request URL - ${(err as Error).message}`);
    }
    if (asked > 0 && asked < maxMs) timeoutMs = asked;
  }
  return now + timeoutMs;
}

/** What a write may take of its request's time: kube's write handlers bound it to 34 s from their start. */
export function writeDeadline(requestDeadline: number | undefined, now: number): number {
  return Math.min(requestDeadline ?? Infinity, now + WRITE_TIMEOUT_UPPER_BOUND_MS);
}
