import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ErrorCatalogue,
  OPTIMISTIC_LOCK_MESSAGE,
  StatusError,
  alreadyExists,
  badRequest,
  conflict,
  expired,
  field,
  forbidden,
  internalError,
  invalid,
  isStatusError,
  notFound,
  qualifiedResource,
  renderFieldError,
  serviceUnavailable,
  toStatus,
  unauthorized,
  type Status,
} from './errors.js';
import { isDns1123Subdomain } from './names.js';

/** The Status exactly as it goes over the wire (undefined members vanish, as in Go's omitempty). */
const wire = (s: Status): unknown => JSON.parse(JSON.stringify(s));

const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('ErrorCatalogue', () => {
  it('ties every code to the HTTP status and reason kube-apiserver uses', () => {
    const expected: Record<string, [number, string]> = {
      KAPI_ERR_REQUEST_BAD: [400, 'BadRequest'],
      KAPI_ERR_AUTHN_UNAUTHORIZED: [401, 'Unauthorized'],
      KAPI_ERR_AUTHZ_FORBIDDEN: [403, 'Forbidden'],
      KAPI_ERR_ADMISSION_DENIED: [403, 'Forbidden'],
      KAPI_ERR_NAMESPACE_TERMINATING: [403, 'Forbidden'],
      KAPI_ERR_OBJECT_NOT_FOUND: [404, 'NotFound'],
      KAPI_ERR_ROUTE_NOT_FOUND: [404, 'NotFound'],
      KAPI_ERR_METHOD_NOT_ALLOWED: [405, 'MethodNotAllowed'],
      KAPI_ERR_NOT_ACCEPTABLE: [406, 'NotAcceptable'],
      KAPI_ERR_OBJECT_ALREADY_EXISTS: [409, 'AlreadyExists'],
      KAPI_ERR_OBJECT_CONFLICT: [409, 'Conflict'],
      KAPI_ERR_STORAGE_EXPIRED: [410, 'Expired'],
      KAPI_ERR_WATCH_GONE: [410, 'Expired'],
      KAPI_ERR_REQUEST_TOO_LARGE: [413, 'RequestEntityTooLarge'],
      KAPI_ERR_UNSUPPORTED_MEDIA_TYPE: [415, 'UnsupportedMediaType'],
      KAPI_ERR_OBJECT_INVALID: [422, 'Invalid'],
      KAPI_ERR_TOO_MANY_REQUESTS: [429, 'TooManyRequests'],
      KAPI_ERR_INTERNAL: [500, 'InternalError'],
      KAPI_ERR_ADMISSION_WEBHOOK_FAILED: [500, 'InternalError'],
      KAPI_ERR_APPLY_UNTYPED: [500, ''], // kube's StatusReasonUnknown, omitted from the Status
      KAPI_ERR_CONVERSION_WEBHOOK_FAILED: [500, ''],
      KAPI_ERR_REQUEST_UNDECODABLE: [500, ''],
      KAPI_ERR_ADMISSION_ERROR: [500, ''],
      KAPI_ERR_DEPENDENCY_UNAVAILABLE: [503, 'ServiceUnavailable'],
      KAPI_ERR_STORAGE_UNAVAILABLE: [503, 'ServiceUnavailable'],
      KAPI_ERR_REQUEST_TIMEOUT: [504, 'Timeout'],
    };
    assert.deepEqual(
      Object.fromEntries(Object.entries(ErrorCatalogue).map(([k, v]) => [k, [v.code, v.reason]])),
      expected,
    );
  });
});

describe('StatusError', () => {
  it('carries the catalogue code, HTTP code and reason', () => {
    const err = new StatusError('KAPI_ERR_OBJECT_CONFLICT', 'boom');
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'StatusError');
    assert.equal(err.code, 'KAPI_ERR_OBJECT_CONFLICT');
    assert.equal(err.httpCode, 409);
    assert.equal(err.reason, 'Conflict');
    assert.equal(err.message, 'boom');
    assert.ok(isStatusError(err));
    assert.equal(isStatusError(new Error('x')), false);
    assert.equal(isStatusError('x'), false);
  });

  it('renders a metav1.Status failure without details when it has none', () => {
    assert.deepEqual(wire(new StatusError('KAPI_ERR_REQUEST_BAD', 'nope').toStatus()), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'nope',
      reason: 'BadRequest',
      code: 400,
    });
  });

  it('keeps the cause it was given', () => {
    const cause = new Error('root');
    assert.equal(new StatusError('KAPI_ERR_INTERNAL', 'x', undefined, { cause }).cause, cause);
  });

  it('round-trips through a Status that crossed a service boundary', () => {
    const original = notFound({ group: 'apps', resource: 'deployments' }, 'web');
    const back = StatusError.fromStatus(original.toStatus());
    assert.equal(back.code, 'KAPI_ERR_OBJECT_NOT_FOUND');
    assert.equal(back.httpCode, 404);
    assert.equal(back.reason, 'NotFound');
    assert.equal(back.message, 'deployments.apps "web" not found');
    assert.deepEqual(wire(back.toStatus()), wire(original.toStatus()));
  });

  it('keeps an unknown code and reason from the other side as they were', () => {
    const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'teapot', reason: '', code: 418 };
    const err = StatusError.fromStatus(status);
    assert.equal(err.code, 'KAPI_ERR_INTERNAL');
    assert.equal(err.httpCode, 418);
    assert.equal(err.reason, '');
    assert.equal(err.toStatus().code, 418);
    assert.equal(err.toStatus().message, 'teapot');
  });

  it('an absent reason on an uncatalogued Status becomes the empty reason', () => {
    const err = StatusError.fromStatus({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 599 });
    assert.equal(err.httpCode, 599);
    assert.equal(err.reason, '');
    assert.equal(err.message, '');
  });
});

describe('toStatus', () => {
  it('passes a StatusError through', () => {
    assert.equal(toStatus(badRequest('bad')).code, 400);
  });

  it('hides anything else behind a generic internal error', () => {
    for (const thrown of [new Error('secret connection string'), 'a string', undefined, { code: 404 }]) {
      const s = toStatus(thrown);
      assert.equal(s.code, 500);
      assert.equal(s.reason, 'InternalError');
      assert.equal(s.status, 'Failure');
      assert.equal(s.message, 'Internal error occurred: an unexpected error occurred');
      assert.ok(!JSON.stringify(s).includes('secret'));
    }
  });
});

describe('qualifiedResource', () => {
  it('is the bare resource in the core group and resource.group elsewhere', () => {
    assert.equal(qualifiedResource({ group: '', resource: 'configmaps' }), 'configmaps');
    assert.equal(qualifiedResource({ group: 'apps', resource: 'deployments' }), 'deployments.apps');
    assert.equal(qualifiedResource({ group: 'rbac.authorization.k8s.io', resource: 'roles' }), 'roles.rbac.authorization.k8s.io');
  });
});

describe('notFound', () => {
  it('matches kube for a core resource', () => {
    assert.deepEqual(wire(notFound({ group: '', resource: 'configmaps' }, 'x').toStatus()), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "x" not found',
      reason: 'NotFound',
      details: { name: 'x', kind: 'configmaps' },
      code: 404,
    });
  });

  it('matches kube for a grouped resource', () => {
    assert.deepEqual(wire(notFound({ group: 'apps', resource: 'deployments' }, 'x').toStatus()), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'deployments.apps "x" not found',
      reason: 'NotFound',
      details: { name: 'x', group: 'apps', kind: 'deployments' },
      code: 404,
    });
  });
});

describe('alreadyExists', () => {
  it('matches kube', () => {
    const s = alreadyExists({ group: '', resource: 'namespaces' }, 'team-a').toStatus();
    assert.equal(s.code, 409);
    assert.equal(s.reason, 'AlreadyExists');
    assert.equal(s.message, 'namespaces "team-a" already exists');
    assert.deepEqual((wire(s) as { details: unknown }).details, { name: 'team-a', kind: 'namespaces' });
    assert.equal(alreadyExists({ group: 'apps', resource: 'deployments' }, 'web').message, 'deployments.apps "web" already exists');
  });
});

describe('conflict', () => {
  it('renders the optimistic-lock failure as kubectl shows it', () => {
    const err = conflict({ group: '', resource: 'configmaps' }, 'x', OPTIMISTIC_LOCK_MESSAGE);
    const s = err.toStatus();
    assert.equal(s.code, 409);
    assert.equal(s.reason, 'Conflict');
    assert.equal(
      s.message,
      'Operation cannot be fulfilled on configmaps "x": the object has been modified; please apply your changes to the latest version and try again',
    );
    assert.deepEqual((wire(s) as { details: unknown }).details, { name: 'x', kind: 'configmaps' });
  });

  it('qualifies a grouped resource', () => {
    assert.equal(
      conflict({ group: 'apps', resource: 'deployments' }, 'web', 'why').message,
      'Operation cannot be fulfilled on deployments.apps "web": why',
    );
  });
});

describe('field errors', () => {
  it('renders Invalid with the value quoted like Go %q', () => {
    const e = field.invalid('metadata.name', 'Bad_Name', 'must be lower case');
    assert.deepEqual(e, { type: 'FieldValueInvalid', field: 'metadata.name', detail: 'Invalid value: "Bad_Name": must be lower case' });
    assert.equal(renderFieldError(e), 'metadata.name: Invalid value: "Bad_Name": must be lower case');
    assert.equal(field.invalid('a', 'say "hi"', 'd').detail, 'Invalid value: "say \\"hi\\"": d');
  });

  it('renders simple values bare and a missing value as null', () => {
    assert.equal(field.invalid('spec.replicas', 5, 'must be even').detail, 'Invalid value: 5: must be even');
    assert.equal(field.invalid('immutable', true, 'd').detail, 'Invalid value: true: d');
    assert.equal(field.invalid('x', null, 'd').detail, 'Invalid value: null: d');
    assert.equal(field.invalid('x', undefined, 'd').detail, 'Invalid value: null: d');
  });

  it('renders Required with and without a detail', () => {
    assert.deepEqual(field.required('metadata.namespace'), { type: 'FieldValueRequired', field: 'metadata.namespace', detail: 'Required value' });
    assert.equal(field.required('metadata.name', 'name or generateName is required').detail, 'Required value: name or generateName is required');
  });

  it('renders NotSupported with the supported values quoted', () => {
    const e = field.notSupported('spec.type', 'Bogus', ['ClusterIP', 'NodePort']);
    assert.equal(e.type, 'FieldValueNotSupported');
    assert.equal(renderFieldError(e), 'spec.type: Unsupported value: "Bogus": supported values: "ClusterIP", "NodePort"');
  });

  it('renders Forbidden, Duplicate and TooLong', () => {
    assert.equal(renderFieldError(field.forbidden('immutable', 'field is immutable when `immutable` is set')), 'immutable: Forbidden: field is immutable when `immutable` is set');
    const dup = field.duplicate('spec.ports[1].port', 80);
    assert.equal(dup.type, 'FieldValueDuplicate');
    assert.equal(renderFieldError(dup), 'spec.ports[1].port: Duplicate value: 80');
    const long = field.tooLong('metadata.annotations', 262144);
    assert.equal(long.type, 'FieldValueTooLong');
    assert.match(renderFieldError(long), /^metadata\.annotations: Too long: .*262144/);
  });
});

describe('invalid', () => {
  it('renders one cause without brackets, as kubectl shows it', () => {
    const errs = isDns1123Subdomain('Bad_Name').map((m) => field.invalid('metadata.name', 'Bad_Name', m));
    assert.equal(errs.length, 1);
    const s = invalid('ConfigMap', '', 'Bad_Name', errs).toStatus();
    assert.equal(s.code, 422);
    assert.equal(s.reason, 'Invalid');
    assert.equal(s.message, `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_MESSAGE}`);
    assert.deepEqual((wire(s) as { details: unknown }).details, {
      name: 'Bad_Name',
      kind: 'ConfigMap',
      causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: "Bad_Name": ${SUBDOMAIN_MESSAGE}`, field: 'metadata.name' }],
    });
  });

  it('renders several causes as a bracketed, comma separated list', () => {
    const errs = [field.required('metadata.namespace'), field.invalid('data', 'a b', 'bad key')];
    const err = invalid('ConfigMap', '', 'x', errs);
    assert.equal(err.message, 'ConfigMap "x" is invalid: [metadata.namespace: Required value, data: Invalid value: "a b": bad key]');
    assert.deepEqual(err.details?.causes, [
      { reason: 'FieldValueRequired', message: 'Required value', field: 'metadata.namespace' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "a b": bad key', field: 'data' },
    ]);
  });

  it('qualifies the kind with its group in the message, as GroupKind.String() does', () => {
    const err = invalid('Deployment', 'apps', 'web', [field.required('spec.selector')]);
    assert.equal(err.details?.group, 'apps');
    assert.equal(err.details?.kind, 'Deployment');
    assert.equal(err.message, 'Deployment.apps "web" is invalid: spec.selector: Required value');
  });

  it('lists a repeated field error once in the message (ErrorList.ToAggregate dedupes) but keeps every cause', () => {
    const e = field.invalid('metadata.labels', '-x', 'bad value');
    const err = invalid('ConfigMap', '', 'x', [e, { ...e }]);
    assert.equal(err.message, 'ConfigMap "x" is invalid: metadata.labels: Invalid value: "-x": bad value');
    assert.equal(err.details?.causes?.length, 2);
  });
});

describe('other constructors', () => {
  it('badRequest is a 400 BadRequest with the message as given', () => {
    const s = badRequest('invalid resource version').toStatus();
    assert.deepEqual([s.code, s.reason, s.message, s.details], [400, 'BadRequest', 'invalid resource version', undefined]);
  });

  it('forbidden names the object when it has a name', () => {
    const s = forbidden({ group: '', resource: 'secrets' }, 'tls', 'User "u" cannot get resource "secrets"').toStatus();
    assert.equal(s.code, 403);
    assert.equal(s.reason, 'Forbidden');
    assert.equal(s.message, 'secrets "tls" is forbidden: User "u" cannot get resource "secrets"');
    assert.deepEqual((wire(s) as { details: unknown }).details, { name: 'tls', kind: 'secrets' });
  });

  it('forbidden without a name speaks of the collection', () => {
    const s = forbidden({ group: 'apps', resource: 'deployments' }, '', 'why').toStatus();
    assert.equal(s.message, 'deployments.apps is forbidden: why');
    assert.deepEqual((wire(s) as { details: unknown }).details, { group: 'apps', kind: 'deployments' });
  });

  it('unauthorized is 401 with the message kube sends', () => {
    const s = unauthorized().toStatus();
    assert.deepEqual([s.code, s.reason, s.message], [401, 'Unauthorized', 'Unauthorized']);
  });

  it('internalError prefixes the message and records the cause', () => {
    const cause = new Error('etcd down');
    const err = internalError('etcd down', cause);
    const s = err.toStatus();
    assert.equal(s.code, 500);
    assert.equal(s.reason, 'InternalError');
    assert.equal(s.message, 'Internal error occurred: etcd down');
    assert.deepEqual(s.details, { causes: [{ message: 'etcd down' }] });
    assert.equal(err.cause, cause);
  });

  it('serviceUnavailable is a 503 with a retry hint', () => {
    const s = serviceUnavailable('storage is unavailable').toStatus();
    assert.deepEqual([s.code, s.reason, s.message], [503, 'ServiceUnavailable', 'storage is unavailable']);
    assert.deepEqual(s.details, { retryAfterSeconds: 1 });
    const t = serviceUnavailable('later', 5, 'KAPI_ERR_STORAGE_UNAVAILABLE');
    assert.equal(t.code, 'KAPI_ERR_STORAGE_UNAVAILABLE');
    assert.deepEqual(t.details, { retryAfterSeconds: 5 });
  });

  it('expired is a 410 Expired', () => {
    const s = expired('too old resource version: 1 (5)').toStatus();
    assert.deepEqual([s.code, s.reason, s.message], [410, 'Expired', 'too old resource version: 1 (5)']);
  });
});
