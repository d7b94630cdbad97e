// The failures of webhook admission, in kube-apiserver's words and Status shapes
// (pkg/util/webhook/error.go, pkg/admission/plugin/webhook/errors).
import { internalError, isStatusError, qualifiedResource, StatusError, type ErrorCode, type Status, type StatusDetails, type StatusReason } from '@kapi/api-machinery';

/**
 * A webhook could not be called or its answer could not be used (kube's ErrCallingWebhook): the
 * webhook's failurePolicy decides whether the request fails (500) or goes on without it.
 */
export class CallingWebhookError extends Error {
  constructor(
    readonly webhookName: string,
    /** Why, as kube words it after `failed calling webhook "x": `. */
    readonly reason: string,
    /** The HTTP code the failure is counted under in the webhook metrics. */
    readonly statusCode: number,
  ) {
    super(`failed calling webhook ${JSON.stringify(webhookName)}: ${reason}`);
    this.name = 'CallingWebhookError';
  }
}

/** The webhook answered and did not allow the request (kube's ErrWebhookRejection). */
export class WebhookRejection extends Error {
  constructor(readonly status: StatusError) {
    super(status.message);
    this.name = 'WebhookRejection';
  }
}

/** A StatusError whose HTTP code and reason are whatever a webhook (or a Status) said, not the catalogue's. */
export function statusErrorWith(code: ErrorCode, status: { code: number; reason?: string; message: string; details?: StatusDetails }): StatusError {
  const err = new StatusError(code, status.message, status.details);
  return Object.assign(err, { httpCode: status.code, reason: (status.reason ?? '') as StatusReason });
}

/**
 * A webhook's refusal as the client sees it (kube's ToStatusErr): the webhook's own code (400 when
 * below 400), reason and details, its message prefixed by who denied the request.
 */
export function webhookDenial(webhookName: string, result: Partial<Status> | undefined): StatusError {
  const deniedBy = `admission webhook ${JSON.stringify(webhookName)} denied the request`;
  const code = typeof result?.code === 'number' && result.code >= 400 ? result.code : 400;
  const message = result?.message ? `${deniedBy}: ${result.message}` : result?.reason ? `${deniedBy}: ${result.reason}` : `${deniedBy} without explanation`;
  return statusErrorWith('KAPI_ERR_ADMISSION_DENIED', { code, reason: result?.reason, message, details: result?.details });
}

export function dryRunUnsupported(webhookName: string): StatusError {
  return new StatusError('KAPI_ERR_REQUEST_BAD', `admission webhook ${JSON.stringify(webhookName)} does not support dry run`);
}

/** A calling error under failurePolicy Fail (kube's apierrors.NewInternalError of it). */
export function failedClosed(err: CallingWebhookError, suffix = ''): StatusError {
  const why = `${err.message}${suffix}`;
  return new StatusError('KAPI_ERR_ADMISSION_WEBHOOK_FAILED', `Internal error occurred: ${why}`, { causes: [{ message: why }] }, { cause: err });
}

/** A failure as the Status it answers with: a StatusError as it is, anything else an internal error. */
export function asStatusError(err: unknown): StatusError {
  return isStatusError(err) ? err : internalError(err instanceof Error ? err.message : String(err), err);
}

/** kube's apierrors.NewForbidden for a request's resource and name. */
export function forbidden(resource: { group: string; resource: string }, name: string, why: string): StatusError {
  const subject = name ? `${qualifiedResource(resource)} ${JSON.stringify(name)}` : qualifiedResource(resource);
  return new StatusError('KAPI_ERR_ADMISSION_DENIED', `${subject} is forbidden: ${why}`, {
    name: name || undefined,
    group: resource.group || undefined,
    kind: resource.resource,
  });
}

/** kube's apierrors.NewTimeoutError. */
export function requestTimeout(message: string): StatusError {
  return new StatusError('KAPI_ERR_REQUEST_TIMEOUT', `Timeout: ${message}`, {});
}

/** kube's utilerrors.NewAggregate(...).Error(): each message once; one alone, several in brackets. */
export function aggregate(messages: readonly string[]): string {
  const distinct = [...new Set(messages)];
  return distinct.length === 1 ? distinct[0] : `[${distinct.join(', ')}]`;
}
