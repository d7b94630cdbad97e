// The catalogue of errors a client can see. Every failure kapi answers with is a metav1.Status; each
// entry here ties one KAPI_ERR_<AREA>_<NAME> code (what an operator greps the log for) to the HTTP
// code and Status reason kube-apiserver uses for the same situation.

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout'
  | '';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export const ErrorCatalogue = {
  KAPI_ERR_REQUEST_BAD: { code: 400, reason: 'BadRequest' },
  KAPI_ERR_AUTHN_UNAUTHORIZED: { code: 401, reason: 'Unauthorized' },
  KAPI_ERR_AUTHZ_FORBIDDEN: { code: 403, reason: 'Forbidden' },
  KAPI_ERR_ADMISSION_DENIED: { code: 403, reason: 'Forbidden' },
  KAPI_ERR_NAMESPACE_TERMINATING: { code: 403, reason: 'Forbidden' },
  KAPI_ERR_OBJECT_NOT_FOUND: { code: 404, reason: 'NotFound' },
  KAPI_ERR_ROUTE_NOT_FOUND: { code: 404, reason: 'NotFound' },
  KAPI_ERR_METHOD_NOT_ALLOWED: { code: 405, reason: 'MethodNotAllowed' },
  KAPI_ERR_NOT_ACCEPTABLE: { code: 406, reason: 'NotAcceptable' },
  KAPI_ERR_OBJECT_ALREADY_EXISTS: { code: 409, reason: 'AlreadyExists' },
  KAPI_ERR_OBJECT_CONFLICT: { code: 409, reason: 'Conflict' },
  KAPI_ERR_STORAGE_EXPIRED: { code: 410, reason: 'Expired' },
  KAPI_ERR_WATCH_GONE: { code: 410, reason: 'Expired' },
  KAPI_ERR_REQUEST_TOO_LARGE: { code: 413, reason: 'RequestEntityTooLarge' },
  KAPI_ERR_UNSUPPORTED_MEDIA_TYPE: { code: 415, reason: 'UnsupportedMediaType' },
  KAPI_ERR_OBJECT_INVALID: { code: 422, reason: 'Invalid' },
  KAPI_ERR_TOO_MANY_REQUESTS: { code: 429, reason: 'TooManyRequests' },
  KAPI_ERR_INTERNAL: { code: 500, reason: 'InternalError' },
  // An admission webhook could not be called, or its answer not used, under failurePolicy Fail.
  KAPI_ERR_ADMISSION_WEBHOOK_FAILED: { code: 500, reason: 'InternalError' },
  // An applied configuration that does not fit the kind's schema: kube answers with a plain error (reason Unknown).
  KAPI_ERR_APPLY_UNTYPED: { code: 500, reason: '' },
  // A CRD's conversion webhook could not be called or answered unusably: kube answers with a plain error (reason Unknown).
  KAPI_ERR_CONVERSION_WEBHOOK_FAILED: { code: 500, reason: '' },
  // DeleteOptions that cannot be decoded: kube passes the decoder's error on unconverted (500, reason Unknown).
  KAPI_ERR_REQUEST_UNDECODABLE: { code: 500, reason: '' },
  // An admission plugin's plain error (not a Status): kube passes it on unconverted (500, reason Unknown).
  KAPI_ERR_ADMISSION_ERROR: { code: 500, reason: '' },
  KAPI_ERR_DEPENDENCY_UNAVAILABLE: { code: 503, reason: 'ServiceUnavailable' },
  KAPI_ERR_STORAGE_UNAVAILABLE: { code: 503, reason: 'ServiceUnavailable' },
  KAPI_ERR_REQUEST_TIMEOUT: { code: 504, reason: 'Timeout' },
} as const satisfies Record<string, { code: number; reason: StatusReason }>;

export type ErrorCode = keyof typeof ErrorCatalogue;

/** A failure that knows the metav1.Status a client is to see. */
export class StatusError extends Error {
  readonly code: ErrorCode;
  readonly httpCode: number;
  readonly reason: StatusReason;
  readonly details?: StatusDetails;

  constructor(code: ErrorCode, message: string, details?: StatusDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StatusError';
    this.code = code;
    this.httpCode = ErrorCatalogue[code].code;
    this.reason = ErrorCatalogue[code].reason;
    this.details = details;
  }

  toStatus(): Status {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      ...(this.reason ? { reason: this.reason } : {}),
      ...(this.details ? { details: this.details } : {}),
      code: this.httpCode,
    };
  }

  /** Rebuilds an error from a Status that crossed a service boundary, keeping code and reason. */
  static fromStatus(status: Status): StatusError {
    const code = (Object.keys(ErrorCatalogue) as ErrorCode[]).find(
      (c) => ErrorCatalogue[c].code === status.code && ErrorCatalogue[c].reason === status.reason,
    );
    const err = new StatusError(code ?? 'KAPI_ERR_INTERNAL', status.message ?? '', status.details);
    if (!code) {
      // Keep what the other side said even when it is not in our catalogue.
      Object.assign(err, { httpCode: status.code, reason: status.reason ?? '' });
    }
    return err;
  }
}

export function isStatusError(err: unknown): err is StatusError {
  return err instanceof StatusError;
}

/** Any thrown value as the Status a client may see: internal details never leak. */
export function toStatus(err: unknown): Status {
  if (isStatusError(err)) return err.toStatus();
  return new StatusError('KAPI_ERR_INTERNAL', 'Internal error occurred: an unexpected error occurred').toStatus();
}

/** A group-qualified resource as kube prints it: `configmaps`, `deployments.apps`. */
export interface GroupResource {
  group: string;
  resource: string;
}

export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export function notFound(gr: GroupResource, name: string): StatusError {
  return new StatusError('KAPI_ERR_OBJECT_NOT_FOUND', `${qualifiedResource(gr)} "${name}" not found`, {
    name,
    group: gr.group || undefined,
    kind: gr.resource,
  });
}

export function alreadyExists(gr: GroupResource, name: string): StatusError {
  return new StatusError('KAPI_ERR_OBJECT_ALREADY_EXISTS', `${qualifiedResource(gr)} "${name}" already exists`, {
    name,
    group: gr.group || undefined,
    kind: gr.resource,
  });
}

export function conflict(gr: GroupResource, name: string, why: string): StatusError {
  return new StatusError(
    'KAPI_ERR_OBJECT_CONFLICT',
    `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`,
    { name, group: gr.group || undefined, kind: gr.resource },
  );
}

export const OPTIMISTIC_LOCK_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

/** A field error, as k8s.io/apimachinery/pkg/util/validation/field renders it. */
export interface FieldError {
  type:
    | 'FieldValueInvalid'
    | 'FieldValueTypeInvalid'
    | 'FieldValueRequired'
    | 'FieldValueNotFound'
    | 'FieldValueNotSupported'
    | 'FieldValueForbidden'
    | 'FieldValueDuplicate'
    | 'FieldValueTooLong'
    | 'FieldValueTooMany'
    | 'InternalError';
  field: string;
  /** Rendered after the field path, e.g. `Invalid value: "x": must be ...`. */
  detail: string;
}


function quoteValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export const field = {
  invalid: (path: string, value: unknown, detail: string): FieldError => ({
    type: 'FieldValueInvalid',
    field: path,
    detail: `Invalid value: ${quoteValue(value)}: ${detail}`,
  }),
  required: (path: string, detail = ''): FieldError => ({
    type: 'FieldValueRequired',
    field: path,
    detail: detail ? `Required value: ${detail}` : 'Required value',
  }),
  notSupported: (path: string, value: unknown, supported: string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field: path,
    detail: `Unsupported value: ${quoteValue(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
  }),
  notFound: (path: string, value: unknown): FieldError => ({
    type: 'FieldValueNotFound',
    field: path,
    detail: `Not found: ${quoteValue(value)}`,
  }),
  forbidden: (path: string, detail: string): FieldError => ({
    type: 'FieldValueForbidden',
    field: path,
    detail: `Forbidden: ${detail}`,
  }),
  duplicate: (path: string, value: unknown): FieldError => ({
    type: 'FieldValueDuplicate',
    field: path,
    detail: `Duplicate value: ${quoteValue(value)}`,
  }),
  /** field.InternalError: something failed that is not the client's doing (a CEL program that cannot be built). */
  internal: (path: string, detail: string): FieldError => ({
    type: 'InternalError',
    field: path,
    detail: `Internal error: ${detail}`,
  }),
  tooMany: (path: string, actual: number, max: number): FieldError => ({
    type: 'FieldValueTooMany',
    field: path,
    detail: `Too many: ${actual}: must have at most ${max} items`,
  }),
  tooLong: (path: string, max: number): FieldError => ({
    type: 'FieldValueTooLong',
    field: path,
    detail: `Too long: may not be more than ${max} bytes`,
  }),
};

export function renderFieldError(e: FieldError): string {
  return `${e.field}: ${e.detail}`;
}

export function invalid(kind: string, group: string, name: string, errors: FieldError[]): StatusError {
  // The message lists each distinct error once; the causes keep every one.
  const rendered = [...new Set(errors.map(renderFieldError))];
  const summary = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  const groupKind = group ? `${kind}.${group}` : kind;
  return new StatusError('KAPI_ERR_OBJECT_INVALID', `${groupKind} "${name}" is invalid: ${summary}`, {
    name,
    group: group || undefined,
    kind,
    causes: errors.map((e) => ({ reason: e.type, message: e.detail, field: e.field })),
  });
}

export function badRequest(message: string): StatusError {
  return new StatusError('KAPI_ERR_REQUEST_BAD', message);
}

export function forbidden(gr: GroupResource, name: string, why: string): StatusError {
  const subject = name ? `${qualifiedResource(gr)} "${name}"` : qualifiedResource(gr);
  return new StatusError('KAPI_ERR_AUTHZ_FORBIDDEN', `${subject} is forbidden: ${why}`, {
    name: name || undefined,
    group: gr.group || undefined,
    kind: gr.resource,
  });
}

export function unauthorized(): StatusError {
  return new StatusError('KAPI_ERR_AUTHN_UNAUTHORIZED', 'Unauthorized');
}

export function internalError(why: string, cause?: unknown): StatusError {
  return new StatusError('KAPI_ERR_INTERNAL', `Internal error occurred: ${why}`, { causes: [{ message: why }] }, { cause });
}

export function serviceUnavailable(why: string, retryAfterSeconds = 1, code: ErrorCode = 'KAPI_ERR_DEPENDENCY_UNAVAILABLE'): StatusError {
  return new StatusError(code, why, { retryAfterSeconds });
}

export function expired(message: string): StatusError {
  return new StatusError('KAPI_ERR_STORAGE_EXPIRED', message);
}
