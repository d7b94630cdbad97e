// The front door's request path, kube-apiserver's handler chain: the filters in the order kube's
// DefaultBuildHandlerChain runs them, then kube's delegation of servers. FRONT_DOOR_CHAIN below is
// the one place the order is written; each link is a RequestHandler (libs/apiserver's
// handler-chain.ts) in a file of its own.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Status } from '@kapi/api-machinery';
import {
  apiRequest,
  defaultHeadersFilter,
  handlerChain,
  maxInFlightFilter,
  notFoundHandler,
  panicRecovery,
  requestDeadlineFilter,
  requestMetricsFilter,
  sendStatus,
  tracingFilter,
  type ApiRequest,
  type MaxInFlightLimiter,
  type RequestHandler,
} from '@kapi/apiserver';
import type { KindCatalogue } from '@kapi/kinds';
import type { commonV1 } from '@kapi/proto';
import type { Logger } from '@kapi/telemetry';
import type { Backends } from './backends.js';
import { CoreNonResourceHandler, type NonResourceSources } from './core-non-resource.js';
import { CoreResourcesHandler } from './core-resources.js';
import { CustomResourcesHandler, registryDefinitionReader, type DefinitionsSync } from './custom-resources.js';
import { authenticationFilter } from './filter-authentication.js';
import { authorizationFilter } from './filter-authorization.js';
import { impersonationCheck, impersonationFilter } from './filter-impersonation.js';
import type { HealthEndpoints } from './health.js';
import type { IssuerDocuments } from './issuer-discovery.js';

export { REQUEST_TIMEOUT_MS } from '@kapi/apiserver';

/** A request at the front door: it acts as a user the authn service vouched for. */
export type FrontDoorRequest = ApiRequest<commonV1.UserInfo>;
/** A link of the front door's chain: a filter, or a server of the delegation (see custom-resources.ts). */
export type FrontDoorHandler = RequestHandler<commonV1.UserInfo>;

export interface FrontDoorParts {
  backends: Pick<Backends, 'authn' | 'authz' | 'registry' | 'watchCache'>;
  catalogue: KindCatalogue;
  health: Pick<HealthEndpoints, 'answer'>;
  logger: Logger;
  /** host:port of this front door, as legacy discovery names it. */
  serverAddress: string;
  inFlight: MaxInFlightLimiter;
  issuer?: IssuerDocuments;
  /** The apiextensions server's place; by default the handler serving the catalogue's custom resources (custom-resources.ts). */
  customResources?: FrontDoorHandler;
  /** The CRD informer's first list, which a request for a custom resource not served yet waits for. */
  definitions?: DefinitionsSync;
  /** The aggregated servers' groups, merged into discovery (apiservice-discovery.ts). */
  aggregated?: NonResourceSources['aggregated'];
  /** kube-aggregator's proxy to the APIServices' servers (apiservice-proxy.ts); without it, every request passes on. */
  apiServiceProxy?: FrontDoorHandler;
}

/**
 * The chain, outermost first. kube's order, but for one move: the metrics and the span wrap panic
 * recovery (kube's outermost filter), because kapi's links throw their errors for recovery to
 * answer, and the metrics must count the code of that answer. kube's audit filter (between
 * authentication and impersonation) has no counterpart: kapi keeps no audit log.
 */
export function frontDoorChain(parts: FrontDoorParts): readonly FrontDoorHandler[] {
  const { backends } = parts;
  const core = new CoreResourcesHandler(backends, parts.catalogue, parts.logger);
  // The custom resources of the catalogue's CRDs, served with the core API's verbs.
  const kinds = parts.catalogue.customResources;
  const customResources: FrontDoorHandler =
    parts.customResources ??
    (kinds
      ? new CustomResourcesHandler({
          kinds,
          readDefinition: registryDefinitionReader(backends.registry),
          serveKind: (request, strategy, user) => core.serveKind(request, strategy, user),
          definitions: parts.definitions,
        })
      : { name: 'custom resources', handle: (_request, next) => next() });
  return [
    defaultHeadersFilter, // WithAuditInit (Audit-Id), WithCacheControl
    // (WithRequestInfo: the request enters the chain with its RequestInfo, apiRequest())
    tracingFilter, // WithTracing
    requestMetricsFilter, // the request metrics (WithLatencyTrackers, instrumented handlers)
    panicRecovery(parts.logger), // WithPanicRecovery: every thrown error becomes the answer
    requestDeadlineFilter(), // WithRequestDeadline, WithTimeoutForNonLongRunningRequests
    authenticationFilter(backends.authn), // WithAuthentication
    impersonationFilter(impersonationCheck(backends.authz)), // WithImpersonation
    maxInFlightFilter(parts.inFlight), // WithMaxInFlightLimit (kube's flow control with APF off)
    authorizationFilter(backends.authz), // WithAuthorization
    // kube's delegation: aggregator → core API → apiextensions → NotFoundHandler.
    parts.apiServiceProxy ?? { name: 'aggregator (no APIService proxied)', handle: (_request, next) => next() },
    new CoreNonResourceHandler(parts),
    core,
    customResources,
    notFoundHandler,
  ];
}

/** One request through the front door; every request gets an answer, a metav1.Status on failure. */
export class FrontDoor {
  private readonly serve: (request: FrontDoorRequest) => Promise<void>;
  private readonly logger: Logger;

  constructor(parts: FrontDoorParts) {
    this.serve = handlerChain(frontDoorChain(parts));
    this.logger = parts.logger;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    // Panic recovery answers whatever fails inside it; a failure of the few filters outside it is
    // a bug, logged, and it ends this response, never the process.
    this.serve(apiRequest(req, res)).catch((err: unknown) => {
      this.logger.error('request failed outside panic recovery', { err, path: req.url });
      if (!res.writableEnded) res.end();
    });
  }

  sendStatus(res: ServerResponse, status: Status): void {
    sendStatus(res, status);
  }
}
