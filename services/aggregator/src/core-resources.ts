// The core API's resources (kube's go-restful container of built-in kinds): reviews, answered by
// the front door, authn or authz; every other built-in kind's verbs decoded here and served by the
// registry (writes, consistent reads, continued pages) or the watch cache (lists and watches). A
// request for a resource that is no built-in kind is delegated, to the custom resources.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { deleteOptionsSchema, PatchType, StatusError, type KubeObject, type MessageSchema, type Status } from '@kapi/api-machinery';
import {
  addWarnings,
  decodeObjectBody,
  decodeOptionsBody,
  decodePatchBody,
  encodeResult,
  includeObjectParam,
  inputMediaType,
  negotiate,
  parseFieldValidation,
  parsePatchOptions,
  patchMediaType,
  readBody,
  requestUser,
  routeNotFound,
  send,
  sendDocument,
  sendStatus,
  validateDecodedFields,
  validateObjectFields,
  validatePatchFields,
  validateApplyDuplicates,
  yamlBodyDuplicates,
  writeDeadline,
  type RequestInfo,
} from '@kapi/apiserver';
import { unary } from '@kapi/grpc';
import { checkPatchType, deprecationWarning, isCustomResourceStrategy, isSelfSubjectReview, isTokenReview, scaleColumns, selfSubjectReview, type KindCatalogue, type KindStrategy } from '@kapi/kinds';
import type { commonV1, registryV1, watchcacheV1 } from '@kapi/proto';
import { builtinSchemas } from '@kapi/schema';
import type { Logger } from '@kapi/telemetry';
import { readsStorageWhileCacheInitializes } from '@kapi/watch-store';
import type { Backends } from './backends.js';
import type { FrontDoorHandler, FrontDoorRequest } from './front-door-chain.js';
import { isReviewRequest, serveReview, serveTokenReview } from './reviews.js';
import { streamWatch } from './watch-stream.js';

/** The protobuf message a kind (or its subresource) is sent as, when kapi knows it. */
function protobufMessageOf(strategy: KindStrategy | undefined, subresource = ''): MessageSchema | undefined {
  return (subresource && strategy?.subresourceProtobuf?.[subresource]) || strategy?.protobuf;
}

/** Subresources kube serves without a TableConvertor: a Table of their answer is 406. */
const CREATE_ONLY_SUBRESOURCES: ReadonlySet<string> = new Set(['binding', 'eviction', 'token']);

/** kube's 405 for a verb the resource does not have (a watch's in words of its own). */
function verbNotAllowed(verb: string, resource: string): StatusError {
  if (verb === 'watch') return new StatusError('KAPI_ERR_METHOD_NOT_ALLOWED', `watch is not supported on resources of kind ${JSON.stringify(resource)}`, { kind: resource });
  return new StatusError('KAPI_ERR_METHOD_NOT_ALLOWED', 'the server does not allow this method on the requested resource');
}

/** The kind a body to a resource (or its subresource) is decoded into, as kube's errors name it. */
const SUBRESOURCE_KINDS: Readonly<Record<string, string>> = { scale: 'Scale', binding: 'Binding', eviction: 'Eviction', token: 'TokenRequest' };
const bodyKind = (strategy: KindStrategy, subresource: string) => SUBRESOURCE_KINDS[subresource] ?? strategy.info.kind;

const gvkOf = (strategy: KindStrategy) => ({ group: strategy.info.group, version: strategy.info.version, kind: strategy.info.kind });

/** The body as the client sent it when it is JSON text, in which duplicate fields can be seen. */
const sentJson = (type: string, raw: Buffer) => (type === 'application/json' ? raw : undefined);

/** The body of a request that creates a review, decoded as a create's body is. */
async function readObject(req: IncomingMessage, strategy: KindStrategy | undefined, subresource: string): Promise<Buffer> {
  const type = inputMediaType(req.headers['content-type']);
  return decodeObjectBody(await readBody(req), type, strategy ? bodyKind(strategy, subresource) : 'Unknown', protobufMessageOf(strategy, subresource));
}

/**
 * fieldValidation on the body of a create or update: unknown fields are reported as asked and
 * dropped. Subresources other than status take other kinds (bindings, evictions, tokens): their
 * bodies are the registry's to read.
 */
function checkFields(res: ServerResponse, q: URLSearchParams, options: 'CreateOptions' | 'UpdateOptions', strategy: KindStrategy, subresource: string, body: Buffer, type: string, raw: Buffer): Buffer {
  if (subresource && subresource !== 'status') return body;
  const directive = parseFieldValidation(q.get('fieldValidation'), options);
  const yamlDuplicates = yamlBodyDuplicates(type, raw, directive);
  // A custom resource is decoded by its own schema (kube's unstructured schema coercer).
  const checked = isCustomResourceStrategy(strategy)
    ? validateDecodedFields(strategy.schema, gvkOf(strategy), body, directive, yamlDuplicates)
    : validateObjectFields(builtinSchemas(), gvkOf(strategy), body, directive, sentJson(type, raw), yamlDuplicates);
  addWarnings(res, checked.warnings);
  return checked.body;
}

/**
 * The built-in kind a resource request is for; undefined when the catalogue serves no such
 * group/version/resource (the request is then another server's); a path the kind does not have is a 404.
 */
export function builtinKind(catalogue: KindCatalogue, info: RequestInfo): KindStrategy | undefined {
  if (!catalogue.isBuiltin(info.apiGroup, info.resource)) return undefined;
  return servedKind(catalogue.lookup(info.apiGroup, info.resource, info.apiVersion), info);
}

/** The kind if it serves the request's version; a path the kind does not have is a 404. */
export function servedKind(strategy: KindStrategy | undefined, info: RequestInfo): KindStrategy | undefined {
  if (!strategy || strategy.info.version !== info.apiVersion) return undefined;
  if (info.subresource && !strategy.info.subresources.includes(info.subresource)) throw routeNotFound();
  // A cluster-scoped kind has no namespaced path (namespaces themselves excepted).
  if (!strategy.info.namespaced && info.namespace && info.resource !== 'namespaces') throw routeNotFound();
  // Only a proxy subresource carries a path of its own (pods/<name>/proxy/<path>).
  if (info.parts.length > 3 && info.subresource !== 'proxy') throw routeNotFound();
  return strategy;
}

export class CoreResourcesHandler implements FrontDoorHandler {
  readonly name = 'core API: built-in resources';

  constructor(
    private readonly backends: Pick<Backends, 'authn' | 'authz' | 'registry' | 'watchCache'>,
    private readonly catalogue: KindCatalogue,
    private readonly logger: Pick<Logger, 'info'>,
  ) {}

  async handle(request: FrontDoorRequest, next: () => Promise<void>): Promise<void> {
    const { req, res, info } = request;
    if (!info.isResourceRequest) return next();
    const user = requestUser(request);
    const review = isSelfSubjectReview(info.apiGroup, info.resource) || isTokenReview(info.apiGroup, info.resource) || isReviewRequest(info);
    // Reviews have no TableConvertor in kube: a client that accepts only a Table is answered 406.
    // They have messages, and are answered in protobuf to a client that prefers it (sendDocument).
    if (review) negotiate(req.headers.accept, { table: false, protobuf: true });
    // kubectl auth whoami: the front door knows who is asking.
    if (isSelfSubjectReview(info.apiGroup, info.resource) && info.verb === 'create' && !info.name) {
      inputMediaType(req.headers['content-type']);
      await readBody(req);
      return sendDocument(res, 201, selfSubjectReview(user) as unknown as Record<string, unknown>);
    }
    if (isTokenReview(info.apiGroup, info.resource)) {
      return serveTokenReview(this.backends.authn, info, res, async () => {
        const strategy = builtinKind(this.catalogue, info);
        if (!strategy) throw routeNotFound();
        return readObject(req, strategy, '');
      });
    }
    // Access and rules reviews are answered by the authz service, never stored.
    if (isReviewRequest(info)) return serveReview(this.backends.authz, this.catalogue, info, user, res, async () => readObject(req, this.catalogue.lookup(info.apiGroup, info.resource), ''));
    const strategy = builtinKind(this.catalogue, info);
    if (!strategy) return next();
    return this.serveKind(request, strategy, user);
  }

  /** The verbs of one kind, built-in or custom (the custom resources' handler serves its kinds through this too). */
  async serveKind({ req, res, url, info, deadline }: FrontDoorRequest, strategy: KindStrategy, user: commonV1.UserInfo): Promise<void> {
    // A kind serves only its verbs (the legacy bindings only create, componentstatuses only read).
    if (!info.subresource && !strategy.info.verbs.includes(info.verb)) throw verbNotAllowed(info.verb, strategy.info.resource);
    const deprecated = deprecationWarning(strategy.info);
    if (deprecated) addWarnings(res, [deprecated]);
    const q = url.searchParams;
    // Built-in kinds are offered in protobuf too (their message); custom resources are not, as in kube,
    // their scale subresource neither (kube's scale scope keeps the custom resource's serializers).
    const representation = negotiate(req.headers.accept, { table: !CREATE_ONLY_SUBRESOURCES.has(info.subresource), protobuf: strategy.protobuf !== undefined });
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
      if (reply.status.length) return sendStatus(res, JSON.parse(reply.status.toString('utf8')) as Status);
      // A subresource that answers with text (pods/log) comes back as a JSON string.
      if (reply.object[0] === 0x22) return send(res, successCode, 'text/plain', JSON.parse(reply.object.toString('utf8')) as string);
      if (representation.kind === 'json' && !pretty) {
        // The registry's JSON is already what the client wants: no need to decode and encode it again.
        res.writeHead(successCode, { 'Content-Type': 'application/json', 'Content-Length': reply.object.length });
        return void res.end(reply.object);
      }
      const obj = JSON.parse(reply.object.toString('utf8')) as KubeObject;
      // A Scale is not the resource's kind: it prints as Scales do.
      const columns = info.subresource === 'scale' ? scaleColumns : strategy.tableColumns;
      const encoded = encodeResult(obj, representation, columns, include, pretty);
      send(res, successCode, encoded.contentType, encoded.body);
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
        // A kind that cannot be watched is not cached (componentstatuses are probed when asked).
        if (!q.get('continue') && strategy.info.verbs.includes('watch')) {
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
        return streamWatch(this.backends.watchCache, this.logger, { req, res, query: q, info, resource, representation, include, tableColumns: strategy.tableColumns });
      case 'create': {
        // kube's create handler: the media type first (415), then the body (413), then decoding (400).
        const type = inputMediaType(req.headers['content-type']);
        const raw = await readBody(req);
        // Connecting subresources (pods/exec, pods/attach) are POSTed without a body.
        const decoded = raw.length || !info.subresource ? decodeObjectBody(raw, type, bodyKind(strategy, info.subresource), protobufMessageOf(strategy, info.subresource)) : Buffer.from('{}');
        const body = checkFields(res, q, 'CreateOptions', strategy, info.subresource, decoded, type, raw);
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
        const body = checkFields(res, q, 'UpdateOptions', strategy, info.subresource, decoded, type, raw);
        return answer(await unary('registry', 'Update', registry.update.bind(registry), { resource, name: info.name, subresource: info.subresource, object: body, context: requestContext() }, writeCall()), 200);
      }
      case 'patch': {
        const type = patchMediaType(req.headers['content-type']);
        checkPatchType(strategy, type);
        const options = parsePatchOptions(type, q);
        const raw = await readBody(req);
        const patch = decodePatchBody(raw, type);
        const directive = parseFieldValidation(q.get('fieldValidation'), 'PatchOptions');
        if (type === PatchType.apply) addWarnings(res, validateApplyDuplicates(raw, directive));
        if (!info.subresource || info.subresource === 'status') {
          addWarnings(res, validatePatchFields(builtinSchemas(), gvkOf(strategy), type, patch, directive));
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
          if (strategy.orphanByDefaultWarning && options.propagationPolicy === undefined && options.orphanDependents === undefined) addWarnings(res, [strategy.orphanByDefaultWarning]);
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
}
