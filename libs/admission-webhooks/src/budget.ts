// Beyond kube: the webhooks of one request share the request's deadline. In kube-apiserver each
// webhook gets its own timeout, so four `failurePolicy: Ignore` webhooks that each time out after
// 10 s spend 40 s and the request fails with a timeout although every webhook said failing was fine
// (kubernetes/kubernetes#128162, #71508). Here every call's timeout is also cut to what is left of
// the request's time, less a reserve for the work after admission (validation, the write, the
// answer); an Ignore webhook that finds nothing left is skipped, failing open, and a Fail webhook
// fails as a call past its deadline does in kube. So Ignore webhooks never make a request time out.
import type { AdmissionAttributes } from '@kapi/admission-chain';
import { ExpiringCache } from '@kapi/webhook-client';

/** kube-apiserver's --request-timeout, which kapi's front door applies to every request. */
export const REQUEST_TIMEOUT_MS = 60_000;
/** What is kept back from the webhooks for the rest of the request once admission is done. */
export const DEADLINE_RESERVE_MS = 5_000;

/** When the request must be answered, in epoch milliseconds; undefined when it has no deadline. */
export type RequestDeadline = (attributes: AdmissionAttributes) => number | undefined;

/**
 * The deadline when none is injected: the front door's timeout, counted from the first time either
 * webhook plugin saw the request (by its uid), so mutating and validating webhooks share it.
 */
export function firstSeenDeadline(timeoutMs = REQUEST_TIMEOUT_MS, now: () => number = Date.now): RequestDeadline {
  const seen = new ExpiringCache<number>(8192, now);
  return (attributes) => {
    if (!attributes.uid) return now() + timeoutMs;
    let deadline = seen.get(attributes.uid);
    if (deadline === undefined) {
      deadline = now() + timeoutMs;
      seen.set(attributes.uid, deadline, timeoutMs);
    }
    return deadline;
  };
}

/** The default of every webhook plugin in a process, so the mutating and validating webhooks of a request share one deadline. */
export const processFirstSeenDeadline: RequestDeadline = firstSeenDeadline();

/** How long one webhook call may take: its own timeout, cut to what the request has left. */
export function callTimeoutMs(webhookTimeoutSeconds: number | undefined, deadline: number | undefined, reserveMs: number, now: number): number {
  const own = (webhookTimeoutSeconds ?? 10) * 1000;
  if (deadline === undefined) return own;
  return Math.min(own, deadline - reserveMs - now);
}
