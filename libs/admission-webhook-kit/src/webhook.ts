// A webhook: a handler and whether it may mutate. `answer` runs one against a request body and says
// what to send back, independent of any HTTP server, so the same webhook can be mounted elsewhere.
import { AdmissionReviewError, decodeAdmissionReview } from './review.js';
import { VerdictError, admissionResponse, admissionReview, type Verdict } from './responses.js';
import type { AdmissionRequest, AdmissionReviewVersion, KubernetesObject } from './types.js';

export interface HandlerContext {
  /** Aborted when the caller's `?timeout=` has passed (kube-apiserver has stopped waiting) or the server closes. */
  signal: AbortSignal;
  /** The version the review came in. */
  apiVersion: AdmissionReviewVersion;
}

/** Decides on a request. The request is frozen: to mutate, change a copy (`structuredClone(request.object)`) and return `mutate(copy)`. */
export type AdmissionHandler<T extends KubernetesObject = KubernetesObject> = (
  request: AdmissionRequest<T>,
  context: HandlerContext,
) => Verdict | Promise<Verdict>;

export interface Webhook {
  /** A validating webhook may only allow or deny; a mutating one may also patch. */
  readonly type: 'validating' | 'mutating';
  readonly handler: AdmissionHandler<any>;
}

/** A webhook for a ValidatingWebhookConfiguration: its handler allows or denies. */
export function validating<T extends KubernetesObject = KubernetesObject>(handler: AdmissionHandler<T>): Webhook {
  return { type: 'validating', handler };
}

/** A webhook for a MutatingWebhookConfiguration: its handler may also mutate or patch. */
export function mutating<T extends KubernetesObject = KubernetesObject>(handler: AdmissionHandler<T>): Webhook {
  return { type: 'mutating', handler };
}

/** An HTTP answer: the AdmissionReview on success, a metav1.Status (which kube-apiserver quotes) otherwise. */
export interface Reply {
  statusCode: number;
  body: string;
  /** What went wrong, for the log; absent on success. */
  problem?: string;
  /** The request's uid, once the review could be read. */
  uid?: string;
}

/**
 * Decodes `body`, runs the webhook and encodes its verdict. Never throws: a review that cannot be
 * read is 400, a handler that throws or gives an impossible verdict is 500 (so kube-apiserver's
 * `failurePolicy` decides, rather than a denial the webhook never meant), and one still running when
 * `signal` aborts is 504.
 */
export async function answer(webhook: Webhook, body: string | Uint8Array, signal: AbortSignal): Promise<Reply> {
  let decoded: ReturnType<typeof decodeAdmissionReview>;
  try {
    decoded = decodeAdmissionReview(body);
  } catch (error) {
    const status = error instanceof AdmissionReviewError ? error.httpStatus : 400;
    return statusReply(status, (error as Error).message);
  }
  const { apiVersion, request } = decoded;
  try {
    const verdict = await untilAborted(Promise.resolve().then(() => webhook.handler(request, { signal, apiVersion })), signal);
    const response = admissionResponse(request, verdict, { mutating: webhook.type === 'mutating' });
    return { statusCode: 200, body: JSON.stringify(admissionReview(apiVersion, response)), uid: request.uid };
  } catch (error) {
    if (signal.aborted) return { ...statusReply(504, `the webhook did not decide before the caller's timeout (${describe(signal.reason)})`), uid: request.uid };
    const what = error instanceof VerdictError ? 'the webhook gave an invalid verdict' : 'the webhook failed';
    return { ...statusReply(500, `${what}: ${describe(error)}`), uid: request.uid };
  }
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** A metav1.Status reply: client-go, which kube-apiserver calls webhooks with, reads its message into the error it reports. */
export function statusReply(statusCode: number, message: string): Reply {
  const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: REASONS[statusCode] ?? 'Unknown', code: statusCode };
  return { statusCode, body: JSON.stringify(status), problem: message };
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
