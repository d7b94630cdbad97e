// One request through the front door: authenticate → authorize → route to the registry (writes and
// consistent reads) or the watch cache (watches), and always answer with a metav1.Status on failure.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  isStatusError,
  deleteOptionsSchema,
  StatusError,
  toStatus,
  unauthorized,
  type KubeObject,
  type MessageSchema,
  type Status,
} from '@kapi/api-machinery';
import {
  addWarnings,
  apiGroup,
  decodeObjectBody,
  decodeOptionsBody,
  decodePatchBody,
  inputMediaType,
  MaxInFlightLimiter,
  patchMediaType,
  readBody,
  writeTooManyRequests,
  apiGroupList,
  apiResourceList,
  AGGREGATED_DISCOVERY_CONTENT_TYPE,
  aggregatedDiscovery,
  apiVersions,
  documentHash,
  wantsAggregatedDiscovery,
  encodeResult,
  OpenApiEndpoints,
  parseFieldValidation,
  validateObjectFields,
  validatePatchFields,
  encodeWatchEventJson,
  forbiddenFor,
  includeObjectParam,
  negotiate,
  parsePatchOptions,
  parseRequestInfo,
  requestDeadline,
  writeDeadline,
  type RequestInfo,
} from '@kapi/apiserver';
import { serverStream, unary } from '@kapi/grpc';
import { deprecationWarning, isSelfSubjectReview, isTokenReview, scaleColumns, selfSubjectReview, type KindCatalogue, type KindStrategy } from '@kapi/kinds';
import { builtinSchemas } from '@kapi/schema';
import { authzV1, type commonV1, type registryV1, type watchcacheV1 } from '@kapi/proto';
import { LATENCY_BUCKETS, metrics, PROMETHEUS_CONTENT_TYPE, type Logger } from '@kapi/telemetry';
import { readsStorageWhileCacheInitializes } from '@kapi/watch-store';
import type { Backends } from './backends.js';
import type { HealthEndpoints } from './health.js';
import { impersonatedUser } from './impersonation.js';
import { JWKS_PATH, OPENID_CONFIGURATION_PATH, type IssuerDocuments } from './issuer-discovery.js';
import { ResumableWatch } from './resumable-watch.js';
import { isReviewRequest, serveReview, serveTokenReview } from './reviews.js';

const MUTATING_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
const inflight = metrics.gauge('apiserver_current_inflight_requests', 'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.');
const longRunning = metrics.gauge('apiserver_longrunning_requests', 'Gauge of all active long-running apiserver requests.');
const requests = metrics.counter('apiserver_request_total', 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.');
const requestDuration = metrics.histogram(
  'apiserver_request_duration_seconds',
  'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
  LATENCY_BUCKETS,
);

/** kube-apiserver's request metric labels: the verb as LIST/WATCH or the HTTP method, and the scope. */
function metricLabels(info: RequestInfo, method: string): Record<string, string> {
  const verb = info.verb === 'list' ? 'LIST' : info.verb === 'watch' ? 'WATCH' : method.toUpperCase();
  if (!info.isResourceRequest) return { verb, group: '', version: '', resource: '', subresource: '', scope: '', component: 'apiserver' };
  const scope = info.name ? 'resource' : info.namespace ? 'namespace' : 'cluster';
  return { verb, group: info.apiGroup, version: info.apiVersion, resource: info.resource, subresource: info.subresource, scope, component: 'apiserver' };
}
export { REQUEST_TIMEOUT_MS } from '@kapi/apiserver';

export const VERSION_INFO = {
  major: '1',
  minor: '33',
  gitVersion: 'v1.33.0-kapi',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '2026-11-26T00:00:00Z',
  goVersion: 'node' + process.versions.node,
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

type User = commonV1.UserInfo;

function peerCertificates(req: IncomingMessage): Buffer[] {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return [];
  const chain: Buffer[] = [];
  let cert = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return chain;
}

function bearerToken(req: IncomingMessage): string {
  const header = req.headers.authorization ?? '';
  const m = header.match(/^Bearer\s+(.+)$/i);
  return m ? m[1].trim() : '';
}

/** The protobuf message a kind (or its subresource) is sent as, when kapi knows it. */
function protobufMessageOf(strategy: KindStrategy | undefined, subresource = ''): MessageSchema | undefined {
  return (subresource && strategy?.subresourceProtobuf?.[subresource]) || strategy?.protobuf;
}

/** The kind a body to a resource (or its subresource) is decoded into, as kube's errors name it. */
const SUBRESOURCE_KINDS: Readonly<Record<string, string>> = { scale: 'Scale', binding: 'Binding', eviction: 'Eviction', token: 'TokenRequest' };
const bodyKind = (strategy: KindStrategy, subresource: string) => SUBRESOURCE_KINDS[subresource] ?? strategy.info.kind;

/** An authorizer could not decide (a webhook that failed) and nobody allowed: kube answers 500, in plain text. */
class AuthorizationError extends Error {}

const gvkOf = (strategy: KindStrategy) => ({ group: strategy.info.group, version: strategy.info.version, kind: strategy.info.kind });

/** The body as the client sent it when it is JSON text, in which duplicate fields can be seen. */
const sentJson = (type: string, raw: Buffer) => (type === 'application/json' ? raw : undefined);

export class RequestHandler {
  /** The OpenAPI v2 and v3 documents, built once: the catalogues are fixed. */
  private readonly openApi: OpenApiEndpoints;
  /** Aggregated discovery for /api and /apis, identical on every replica since it derives from the catalogue alone. */
  private readonly aggregatedDiscovery = new Map<string, { body: string; etag: string }>();

  constructor(
    private readonly backends: Backends,
    private readonly catalogue: KindCatalogue,
    private readonly health: HealthEndpoints,
    private readonly logger: Logger,
    private readonly serverAddress: string,
    private readonly inFlight: MaxInFlightLimiter,
    private readonly issuer?: IssuerDocuments,
  ) {
    this.openApi = new OpenApiEndpoints(catalogue, builtinSchemas(), VERSION_INFO.gitVersion);
    for (const [path, legacy] of [['/api', true], ['/apis', false]] as const) {
      const doc = aggregatedDiscovery(catalogue, legacy);
      this.aggregatedDiscovery.set(path, { body: JSON.stringify(doc), etag: documentHash(doc) });
    }
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('Audit-Id', randomUUID());
    res.setHeader('Cache-Control', 'no-cache, private');
    const url = new URL(req.url ?? '/', 'https://kapi.invalid');
    const started = process.hrtime.bigint();
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    const requestKind = info.verb === 'watch' ? undefined : MUTATING_VERBS.has(info.verb) ? 'mutating' : 'readOnly';
    if (requestKind) inflight.add(1, { request_kind: requestKind });
    else longRunning.add(1);
    const span = trace.getTracer('kapi').startSpan(`HTTP ${req.method} ${url.pathname}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': req.method ?? '', 'url.path': url.pathname },
    });
    let timer: NodeJS.Timeout | undefined;
    void context
      .with(trace.setSpan(context.active(), span), async () => {
        // kube's WithRequestDeadline, before authentication: the request's time, from its `?timeout=`.
        const deadline = requestDeadline(info, url.searchParams, Date.now());
        if (deadline !== undefined) {
          timer = setTimeout(() => {
            if (!res.headersSent) {
              this.sendStatus(res, new StatusError('KAPI_ERR_REQUEST_TIMEOUT', 'Timeout: request did not complete within the allotted timeout').toStatus());
            }
          }, deadline - Date.now());
        }
        return this.serve(req, res, url, info, deadline);
      })
      .catch((err) => {
        if (!isStatusError(err)) this.logger.error('request failed', { err, path: url.pathname });
        span.setStatus({ code: SpanStatusCode.ERROR });
        if (err instanceof AuthorizationError && !res.headersSent) {
          res.setHeader('X-Content-Type-Options', 'nosniff');
          this.send(res, 500, 'text/plain; charset=utf-8', `Internal Server Error: ${JSON.stringify(req.url ?? '/')}: ${err.message}\n`);
        } else if (!res.headersSent) this.sendStatus(res, toStatus(err));
        else res.end();
      })
      .finally(() => {
        clearTimeout(timer);
        span.setAttribute('http.response.status_code', res.statusCode);
        span.end();
        if (requestKind) inflight.add(-1, { request_kind: requestKind });
        else longRunning.add(-1);
        const labels = metricLabels(info, req.method ?? 'GET');
        requests.inc({ ...labels, code: String(res.statusCode) });
        if (info.verb !== 'watch') requestDuration.observe(Number(process.hrtime.bigint() - started) / 1e9, labels);
      });
  }

  sendStatus(res: ServerResponse, status: Status): void {
    if (res.headersSent) return;
    if (status.details?.retryAfterSeconds) res.setHeader('Retry-After', String(status.details.retryAfterSeconds));
    this.send(res, status.code, 'application/json', JSON.stringify(status));
  }

  private send(res: ServerResponse, code: number, contentType: string, body: string | Buffer): void {
    if (res.headersSent) return;
    // A Buffer, so that Node writes the head's bytes as they are (a Warning's UTF-8), not re-encoded as the body's string.
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': bytes.length });
    res.end(bytes);
  }

  private sendJson(res: ServerResponse, code: number, doc: unknown): void {
    this.send(res, code, 'application/json', JSON.stringify(doc));
  }

  /** `deadline`: when the request must be answered (epoch ms), undefined for a long-running one. */
  private async serve(req: IncomingMessage, res: ServerResponse, url: URL, info: RequestInfo, deadline: number | undefined): Promise<void> {
    const user = await impersonatedUser(req, await this.authenticate(req), (requester, target) => this.mayImpersonate(requester, target));
    // kube's order: authentication, impersonation, then the in-flight limit, then authorization.
    const slot = this.inFlight.admit(info, user.groups);
    if (!slot) return writeTooManyRequests(res);
    try {
      await this.authorize(info, user);
      if (!info.isResourceRequest) return await this.serveNonResource(req, res, url, info);
      return await this.serveResource(req, res, url, info, user, deadline);
    } finally {
      slot.release();
    }
  }

  private async authenticate(req: IncomingMessage): Promise<User> {
    const reply = await unary('authn', 'Authenticate', this.backends.authn.authenticate.bind(this.backends.authn), {
      clientCertificates: peerCertificates(req),
      bearerToken: bearerToken(req),
      audiences: [],
    });
    if (!reply.authenticated || !reply.user) throw unauthorized();
    return reply.user;
  }

  private async mayImpersonate(user: User, target: { resource: string; apiGroup: string; namespace: string; name: string; subresource: string }): Promise<boolean> {
    const reply = await unary('authz', 'Authorize', this.backends.authz.authorize.bind(this.backends.authz), {
      user,
      verb: 'impersonate',
      resourceRequest: true,
      apiVersion: '',
      path: '',
      ...target,
    });
    return reply.decision === authzV1.Decision.DECISION_ALLOW;
  }

  private async authorize(info: RequestInfo, user: User): Promise<void> {
    const reply = await unary('authz', 'Authorize', this.backends.authz.authorize.bind(this.backends.authz), {
      user,
      verb: info.verb,
      resourceRequest: info.isResourceRequest,
      apiGroup: info.apiGroup,
      apiVersion: info.apiVersion,
      resource: info.resource,
      subresource: info.subresource,
      namespace: info.namespace,
      name: info.name,
      path: info.path,
    });
    if (reply.decision === authzV1.Decision.DECISION_ALLOW) return;
    if (reply.evaluationError) throw new AuthorizationError(reply.evaluationError);
    throw forbiddenFor(info, user.username, reply.reason);
  }

  private notFound(): StatusError {
    return new StatusError('KAPI_ERR_ROUTE_NOT_FOUND', 'the server could not find the requested resource', {});
  }

  private async serveNonResource(req: IncomingMessage, res: ServerResponse, url: URL, info: RequestInfo): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const segments = path.split('/').filter(Boolean);
    if (['healthz', 'livez', 'readyz'].includes(segments[0])) {
      // A check's name may have slashes of its own (poststarthook/rbac/bootstrap-roles).
      const answer = await this.health.answer(segments[0], segments.slice(1).join('/') || undefined, url.searchParams);
      if (!answer) throw this.notFound();
      res.setHeader('X-Content-Type-Options', 'nosniff');
      return this.send(res, answer.code, 'text/plain; charset=utf-8', answer.body);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new StatusError('KAPI_ERR_METHOD_NOT_ALLOWED', `the server does not allow this method on the requested resource`);
    }
    if (path === '/version') return this.sendJson(res, 200, VERSION_INFO);
    if (path === '/metrics') return this.send(res, 200, PROMETHEUS_CONTENT_TYPE, metrics.render());
    if (path === OPENID_CONFIGURATION_PATH && this.issuer) return this.sendJson(res, 200, this.issuer.configuration);
    if (path === JWKS_PATH && this.issuer) return this.send(res, 200, 'application/jwk-set+json', JSON.stringify(this.issuer.jwks));
    const openApi = this.openApi.answer(path, req.headers.accept, req.headers['if-none-match']);
    if (openApi) return void res.writeHead(openApi.code, { ...openApi.headers, 'Content-Length': openApi.body.length }).end(openApi.body);
    if ((path === '/api' || path === '/apis') && wantsAggregatedDiscovery(req.headers.accept)) {
      const doc = this.aggregatedDiscovery.get(path)!;
      res.setHeader('ETag', `"${doc.etag}"`);
      res.setHeader('Vary', 'Accept');
      if (req.headers['if-none-match'] === `"${doc.etag}"`) {
        res.writeHead(304).end();
        return;
      }
      return this.send(res, 200, AGGREGATED_DISCOVERY_CONTENT_TYPE, doc.body);
    }
    if (path === '/api') return this.sendJson(res, 200, apiVersions(this.serverAddress));
    if (path === '/apis') return this.sendJson(res, 200, apiGroupList(this.catalogue));
    if (info.apiPrefix === 'api' && segments.length === 2) {
      const list = apiResourceList(this.catalogue, '', segments[1]);
      if (list) return this.sendJson(res, 200, list);
    }
    if (info.apiPrefix === 'apis' && segments.length === 2) {
      const group = apiGroup(this.catalogue, segments[1]);
      if (group) return this.sendJson(res, 200, group);
    }
    if (info.apiPrefix === 'apis' && segments.length === 3) {
      const list = apiResourceList(this.catalogue, segments[1], segments[2]);
      if (list) return this.sendJson(res, 200, list);
    }
    throw this.notFound();
  }

  private resolve(info: RequestInfo): KindStrategy {
    const strategy = this.catalogue.lookup(info.apiGroup, info.resource);
    if (!strategy || strategy.info.version !== info.apiVersion) throw this.notFound();
    if (info.subresource && !strategy.info.subresources.includes(info.subresource)) throw this.notFound();
    // A cluster-scoped kind has no namespaced path (namespaces themselves excepted).
    if (!strategy.info.namespaced && info.namespace && info.resource !== 'namespaces') throw this.notFound();
    // Only a proxy subresource carries a path of its own (pods/<name>/proxy/<path>).
    if (info.parts.length > 3 && info.subresource !== 'proxy') throw this.notFound();
    return strategy;
  }

  private async serveResource(req: IncomingMessage, res: ServerResponse, url: URL, info: RequestInfo, user: User, deadline: number | undefined): Promise<void> {
    // kubectl auth whoami: the front door knows who is asking.
    if (info.isResourceRequest && isSelfSubjectReview(info.apiGroup, info.resource) && info.verb === 'create' && !info.name) {
      inputMediaType(req.headers['content-type']);
      await readBody(req);
      return this.sendJson(res, 201, selfSubjectReview(user));
    }
    if (isTokenReview(info.apiGroup, info.resource)) {
      return serveTokenReview(this.backends.authn, info, res, async () => this.readObject(req, this.resolve(info), ''));
    }
    // Access and rules reviews are answered by the authz service, never stored.
    if (isReviewRequest(info)) return serveReview(this.backends.authz, this.catalogue, info, user, res, async () => this.readObject(req, this.catalogue.lookup(info.apiGroup, info.resource), ''));
    const strategy = this.resolve(info);
    const deprecated = deprecationWarning(strategy.info);
    if (deprecated) addWarnings(res, [deprecated]);
    const q = url.searchParams;
    const representation = negotiate(req.headers.accept);
    const include = includeObjectParam(q.get('includeObject'));
    const pretty = q.get('pretty') === 'true' || q.get('pretty') === '1';
    const namespace = strategy.info.namespaced ? info.namespace : '';
    const resource: commonV1.ResourceRef = { group: info.apiGroup, version: info.apiVersion, resource: info.resource, namespace };
    const registry = this.backends.registry;
    // The options as the query gives them, for admission to see as kube's Create/Update/PatchOptions.
    const queryOptions = (extra: Record<string, unknown> = {}) => {
      const options = {
        ...(q.getAll('dryRun').length ? { dryRun: q.getAll('dryRun') } : {}),
        ...(q.get('fieldManager') ? { fieldManager: q.get('fieldManager') } : {}),
        ...(q.get('fieldValidation') ? { fieldValidation: q.get('fieldValidation') } : {}),
        ...extra,
      };
      return Object.keys(options).length ? Buffer.from(JSON.stringify(options)) : Buffer.alloc(0);
    };
    const requestContext = (extra?: Record<string, unknown>): registryV1.RequestContext => ({
      user,
      dryRun: q.getAll('dryRun').includes('All'),
      fieldManager: q.get('fieldManager') || (req.headers['user-agent'] ?? 'unknown').split('/')[0] || 'unknown',
      options: queryOptions(extra),
      // The registry records the write under it, so a retried call never applies it twice.
      requestId: String(res.getHeader('Audit-Id') ?? ''),
    });

    // A write's call to the registry has the write's time (kube's write handlers: at most 34 s of the
    // request's), as its gRPC deadline: the registry and admission (its webhooks) work within it, and
    // a write that runs out of it is answered as kube answers, 504.
    const writeCall = () => ({ deadline: writeDeadline(deadline, Date.now()) });

    const answer = (reply: registryV1.ObjectReply, successCode: number) => {
      // What the registry and admission warn of reaches the client as Warning headers, with a
      // refusal as with a success.
      addWarnings(res, reply.warnings);
      if (reply.status.length) return this.sendStatus(res, JSON.parse(reply.status.toString('utf8')) as Status);
      // A subresource that answers with text (pods/log) comes back as a JSON string.
      if (reply.object[0] === 0x22) return this.send(res, successCode, 'text/plain', JSON.parse(reply.object.toString('utf8')) as string);
      if (representation.kind === 'json' && !pretty) {
        // The registry's JSON is already what the client wants: no need to decode and encode it again.
        res.writeHead(successCode, { 'Content-Type': 'application/json', 'Content-Length': reply.object.length });
        return void res.end(reply.object);
      }
      const obj = JSON.parse(reply.object.toString('utf8')) as KubeObject;
      // A Scale is not the resource's kind: it prints as Scales do.
      const columns = info.subresource === 'scale' ? scaleColumns : strategy.tableColumns;
      const encoded = encodeResult(obj, representation, columns, include, pretty);
      this.send(res, successCode, encoded.contentType, encoded.body);
    };

    switch (info.verb) {
      case 'get':
        return answer(
          await unary('registry', 'Get', registry.get.bind(registry), {
            resource,
            name: info.name,
            subresource: info.subresource,
            resourceVersion: q.get('resourceVersion') ?? '',
            query: info.subresource ? url.search : '',
            // A subresource that connects (pods/exec) is admitted as a CONNECT by the user.
            context: info.subresource ? requestContext() : undefined,
          }),
          200,
        );
      case 'list':
        // Served from the watch cache's memory, as kube-apiserver serves lists from its watch
        // cache: "any version" (resourceVersion=0, whole, as kube does not page it), consistent
        // reads, not-older-than reads, exact reads the cache's window still covers, and first
        // pages. Continued pages and older exact reads come from etcd.
        if (!q.get('continue')) {
          const wc = this.backends.watchCache;
          const listRequest: watchcacheV1.ListRequest = {
            resource,
            labelSelector: q.get('labelSelector') ?? '',
            fieldSelector: q.get('fieldSelector') ?? '',
            resourceVersion: q.get('resourceVersion') ?? '',
            resourceVersionMatch: q.get('resourceVersionMatch') ?? '',
            limit: Number(q.get('limit') ?? 0) || 0,
            continue: '',
          };
          const listFromCache = () => unary('watch-cache', 'List', wc.list.bind(wc), listRequest);
          let reply = await listFromCache();
          // A replica that has not synchronised answers at once; round-robin gives the second
          // call to another replica, which may have.
          if (reply.notReady) reply = await listFromCache();
          const fromEtcd = reply.notInCache || (reply.notReady && readsStorageWhileCacheInitializes(listRequest));
          if (!fromEtcd) return answer({ object: reply.list, status: reply.status, warnings: [], created: false }, 200);
        }
        return answer(
          await unary('registry', 'List', registry.list.bind(registry), {
            resource,
            labelSelector: q.get('labelSelector') ?? '',
            fieldSelector: q.get('fieldSelector') ?? '',
            limit: Number(q.get('limit') ?? 0) || 0,
            continue: q.get('continue') ?? '',
            resourceVersion: q.get('resourceVersion') ?? '',
            resourceVersionMatch: q.get('resourceVersionMatch') ?? '',
          }),
          200,
        );
      case 'watch':
        return this.watch(req, res, q, info, strategy, resource, representation, include);
      case 'create': {
        // kube's create handler: the media type first (415), then the body (413), then decoding (400).
        const type = inputMediaType(req.headers['content-type']);
        const raw = await readBody(req);
        // Connecting subresources (pods/exec, pods/attach) are POSTed without a body.
        const decoded = raw.length || !info.subresource ? decodeObjectBody(raw, type, bodyKind(strategy, info.subresource), protobufMessageOf(strategy, info.subresource)) : Buffer.from('{}');
        const body = this.checkFields(res, q, 'CreateOptions', strategy, info.subresource, decoded, sentJson(type, raw));
        return answer(
          await unary('registry', 'Create', registry.create.bind(registry), { resource, object: body, context: requestContext(), subresource: info.subresource, name: info.name, query: info.subresource ? url.search : '' }, writeCall()),
          201,
        );
      }
      case 'update': {
        // kube's update handler reads the body (413) before it looks at the media type (415).
        const raw = await readBody(req);
        const type = inputMediaType(req.headers['content-type']);
        const decoded = decodeObjectBody(raw, type, bodyKind(strategy, info.subresource), protobufMessageOf(strategy, info.subresource));
        const body = this.checkFields(res, q, 'UpdateOptions', strategy, info.subresource, decoded, sentJson(type, raw));
        return answer(await unary('registry', 'Update', registry.update.bind(registry), { resource, name: info.name, subresource: info.subresource, object: body, context: requestContext() }, writeCall()), 200);
      }
      case 'patch': {
        const type = patchMediaType(req.headers['content-type']);
        const options = parsePatchOptions(type, q);
        const patch = decodePatchBody(await readBody(req), type);
        if (!info.subresource || info.subresource === 'status') {
          addWarnings(res, validatePatchFields(builtinSchemas(), gvkOf(strategy), type, patch, parseFieldValidation(q.get('fieldValidation'), 'PatchOptions')));
        }
        // `force` travels in the options; the registry takes it out before admission sees them.
        const context = requestContext(options.force === undefined ? {} : { force: options.force });
        const reply = await unary('registry', 'Patch', registry.patch.bind(registry), { resource, name: info.name, subresource: info.subresource, patchType: type, patch, context }, writeCall());
        return answer(reply, reply.created ? 201 : 200);
      }
      case 'delete':
      case 'deletecollection': {
        const raw = await readBody(req);
        // Typed clients (Helm's release storage among them) send their DeleteOptions as protobuf.
        const options = raw.length ? (JSON.parse(decodeOptionsBody(raw, inputMediaType(req.headers['content-type']), deleteOptionsSchema).toString('utf8')) as Record<string, unknown>) : {};
        if (q.has('gracePeriodSeconds')) options.gracePeriodSeconds = Number(q.get('gracePeriodSeconds'));
        if (q.has('propagationPolicy')) options.propagationPolicy = q.get('propagationPolicy');
        if (q.has('dryRun')) options.dryRun = q.getAll('dryRun');
        const deleteOptions = Buffer.from(JSON.stringify(options));
        // DELETE on a connecting subresource (pods/proxy) is a request to the object's backend, never a delete of the object.
        if (info.subresource) {
          return answer(await unary('registry', 'Get', registry.get.bind(registry), { resource, name: info.name, subresource: info.subresource, resourceVersion: '', query: url.search, context: requestContext() }), 200);
        }
        if (info.verb === 'delete') {
          return answer(await unary('registry', 'Delete', registry.delete.bind(registry), { resource, name: info.name, deleteOptions, context: requestContext() }, writeCall()), 200);
        }
        return answer(
          await unary('registry', 'DeleteCollection', registry.deleteCollection.bind(registry), {
            list: { resource, labelSelector: q.get('labelSelector') ?? '', fieldSelector: q.get('fieldSelector') ?? '', limit: 0, continue: '', resourceVersion: '', resourceVersionMatch: '' },
            deleteOptions,
            context: requestContext(),
          }, writeCall()),
          200,
        );
      }
      default:
        throw new StatusError('KAPI_ERR_METHOD_NOT_ALLOWED', `the server does not allow this method on the requested resource`);
    }
  }

  /** The body of a request that creates a review, decoded as a create's body is. */
  private async readObject(req: IncomingMessage, strategy: KindStrategy | undefined, subresource: string): Promise<Buffer> {
    const type = inputMediaType(req.headers['content-type']);
    return decodeObjectBody(await readBody(req), type, strategy ? bodyKind(strategy, subresource) : 'Unknown', protobufMessageOf(strategy, subresource));
  }

  /**
   * fieldValidation on the body of a create or update: unknown fields are reported as asked and
   * dropped. Subresources other than status take other kinds (bindings, evictions, tokens): their
   * bodies are the registry's to read.
   */
  private checkFields(res: ServerResponse, q: URLSearchParams, options: 'CreateOptions' | 'UpdateOptions', strategy: KindStrategy, subresource: string, body: Buffer, sent?: Buffer): Buffer {
    if (subresource && subresource !== 'status') return body;
    const checked = validateObjectFields(builtinSchemas(), gvkOf(strategy), body, parseFieldValidation(q.get('fieldValidation'), options), sent);
    addWarnings(res, checked.warnings);
    return checked.body;
  }

  private async watch(
    req: IncomingMessage,
    res: ServerResponse,
    q: URLSearchParams,
    info: RequestInfo,
    strategy: KindStrategy,
    resource: commonV1.ResourceRef,
    representation: ReturnType<typeof negotiate>,
    include: ReturnType<typeof includeObjectParam>,
  ): Promise<void> {
    const watchRequest: watchcacheV1.WatchRequest = {
      resource,
      resourceVersion: q.get('resourceVersion') ?? '',
      labelSelector: q.get('labelSelector') ?? '',
      fieldSelector: q.get('fieldSelector') ?? '',
      allowBookmarks: q.get('allowWatchBookmarks') === 'true',
      sendInitialEvents: q.get('sendInitialEvents') === 'true',
      name: info.name,
    };
    const wc = this.backends.watchCache;
    const timeoutSeconds = Number(q.get('timeoutSeconds') ?? 0);
    // Without a timeout a watch lasts 30 to 60 minutes, as kube-apiserver spreads them.
    const timeoutMs = timeoutSeconds > 0 ? timeoutSeconds * 1000 : (1800 + Math.random() * 1800) * 1000;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    let first = true;
    await new Promise<void>((resolve) => {
      const watch = new ResumableWatch(watchRequest, {
        open: (request) => serverStream('watch-cache', 'Watch', wc.watch.bind(wc), request),
        deliver: (e) => {
          const flushed = res.write(encodeWatchEventJson(e.type, e.object, representation, strategy.tableColumns, include, first));
          if (e.type !== 'BOOKMARK' && e.type !== 'ERROR') first = false;
          // A client that reads slowly slows its own gRPC stream, so its backlog builds up in the
          // watch cache's bounded per-watcher buffer (which closes it when full), never here.
          return flushed;
        },
        drain: (resume) => res.once('drain', resume),
        fail: (message) => {
          const status = new StatusError('KAPI_ERR_DEPENDENCY_UNAVAILABLE', message).toStatus();
          res.write(JSON.stringify({ type: 'ERROR', object: status }) + '\n');
        },
        end: () => finish(),
        resuming: (resourceVersion, reason) => this.logger.info('resuming a watch on another watch-cache replica', { resource: info.resource, resourceVersion, reason }),
      });
      const finish = () => {
        clearTimeout(timer);
        watch.stop();
        if (!res.writableEnded) res.end();
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      req.on('close', finish);
      res.on('close', finish);
      watch.start();
    });
  }
}
