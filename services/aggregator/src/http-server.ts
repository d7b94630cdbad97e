// The front door's HTTPS listener. Client certificates are requested but not required at the TLS
// layer, so that a bad or missing certificate becomes a 401 Status from the authn service rather
// than a failed handshake.
import { readFileSync } from 'node:fs';
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { StatusError } from '@kapi/api-machinery';
import { MaxInFlightLimiter, parseRequestInfo } from '@kapi/apiserver';
import { loadAuthnConfig, loadShutdownConfig, type ServiceConfig } from '@kapi/config';
import { CustomResourceKinds, KindCatalogue, servedStrategies } from '@kapi/kinds';
import { CONFIG, LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { Backends } from './backends.js';
import { GracefulShutdown, type Admission } from './graceful-shutdown.js';
import { HealthEndpoints } from './health.js';
import { issuerDocuments } from './issuer-discovery.js';
import { FrontDoor, REQUEST_TIMEOUT_MS } from './front-door-chain.js';
import { followDefinitions } from './custom-resources.js';
import { followAggregation, type AggregationSources } from './apiservice-informers.js';
import { APIServiceProxy } from './apiservice-proxy.js';
import { AggregatedGroups } from './apiservice-discovery.js';

const MAX_HEADER_BYTES = (1 << 20) + 4096;

/**
 * A request that cannot even be parsed gets what Go's http.Server answers kube-apiserver's clients:
 * 431 for headers past the limit, 400 for anything else, in plain text, and the connection closed.
 */
function answerMalformedRequest(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (err as { bytesParsed?: number }).bytesParsed === undefined) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${status}`);
}

function readPki(dir: string, file: string): Buffer {
  const path = join(dir, file);
  try {
    return readFileSync(path);
  } catch {
    throw new Error(`${path} cannot be read (KAPI_PKI_DIR)`);
  }
}

/** An unref'd timer: a shutdown waiting out its delay must not be what keeps the process alive. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

@Injectable()
export class HttpsFrontDoor implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private server?: Server;
  readonly health: HealthEndpoints;
  readonly shutdown: GracefulShutdown;
  /** The custom resources served, kept from the stored CRDs (custom-resources.ts). */
  private readonly customResources = new CustomResourceKinds();
  private stopFollowingDefinitions?: () => Promise<void>;
  /** The APIServices and the Services they name, for the proxy (apiservice-informers.ts). */
  private aggregation?: AggregationSources;
  private apiServiceProxy?: APIServiceProxy;
  private aggregatedGroups?: AggregatedGroups;

  constructor(
    @Inject(CONFIG) private readonly config: ServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly backends: Backends,
  ) {
    this.health = new HealthEndpoints(backends);
    this.shutdown = new GracefulShutdown(
      { ...loadShutdownConfig(), drainTimeoutMs: REQUEST_TIMEOUT_MS },
      {
        stopListening: () => this.server?.close(),
        closeConnections: () => this.server?.closeAllConnections(),
        sleep,
        log: (phase, fields) => this.logger.info(`graceful termination: ${phase}`, fields),
      },
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const { pkiDir, listen } = this.config;
    const definitions = followDefinitions(this.backends.watchCache, this.customResources, this.logger);
    this.stopFollowingDefinitions = definitions.stop;
    this.aggregation = followAggregation(this.backends.watchCache, this.logger);
    const apiServices = this.aggregation.apiServices;
    // kube's post-start hooks that wait for the same informers, under their names.
    this.health.addCheck('poststarthook/crd-informer-synced', () => definitions.synced());
    this.health.addCheck('poststarthook/start-kube-aggregator-informers', () => true);
    this.health.addCheck('poststarthook/apiservice-registration-controller', () => apiServices.synced());
    const catalogue = new KindCatalogue(servedStrategies(this.config.runtimeConfig), this.customResources);
    this.apiServiceProxy = new APIServiceProxy({
      apiServices,
      resolver: this.aggregation.resolver,
      servesLocally: (group, version) => catalogue.groupVersions().some((gv) => gv.group === group && gv.version === version),
      // kube's --proxy-client-cert-file and --proxy-client-key-file, from the front-proxy CA.
      clientCertificate: { cert: readPki(pkiDir, 'front-proxy-client.crt'), key: readPki(pkiDir, 'front-proxy-client.key') },
      logger: this.logger,
    });
    const proxy = this.apiServiceProxy;
    this.aggregatedGroups = new AggregatedGroups(
      this.aggregation.apiServices,
      (apiService) => proxy.discoverResources(apiService),
      this.logger,
      (apiService) => proxy.discoverOpenApiPath(apiService),
      (apiService) => proxy.discoverOpenApiV2(apiService),
    );
    const handler = new FrontDoor({
      backends: this.backends,
      catalogue,
      health: this.health,
      logger: this.logger,
      serverAddress: `${this.config.advertiseAddress || listen.host}:${listen.port}`,
      inFlight: new MaxInFlightLimiter({ readOnly: this.config.maxRequestsInflight, mutating: this.config.maxMutatingRequestsInflight }),
      issuer: issuerDocuments(loadAuthnConfig(pkiDir).serviceAccountKeyFiles),
      apiServiceProxy: this.apiServiceProxy,
      definitions,
      aggregated: this.aggregatedGroups,
    });
    this.server = createServer(
      {
        cert: readPki(pkiDir, 'apiserver.crt'),
        key: readPki(pkiDir, 'apiserver.key'),
        ca: readPki(pkiDir, 'ca.crt'),
        requestCert: true,
        rejectUnauthorized: false,
        // Go's http.Server reads up to 1 MiB of headers (DefaultMaxHeaderBytes, plus 4 KiB of slack),
        // so a query string that long (a label selector of thousands of requirements) is served.
        maxHeaderSize: MAX_HEADER_BYTES,
      },
      (req, res) => serve(req, res),
    );
    const serve = (req: IncomingMessage, res: ServerResponse, upgrade?: Duplex) => {
      const path = (req.url ?? '/').split('?')[0];
      const admission = this.shutdown.admit(path);
      if (!admission.serve) return refuse(handler, res, admission);
      if (admission.closeConnection) res.setHeader('Connection', 'close');
      const url = new URL(req.url ?? '/', 'https://kapi.invalid');
      const watch = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams).verb === 'watch';
      // A watch ended by the shutdown gets a clean end of its stream: its client watches again
      // (through the load balancer, on another front door) from the last resourceVersion it saw.
      const done = this.shutdown.track(watch || upgrade ? 'watch' : 'request', watch ? () => res.end() : upgrade ? () => upgrade.destroy() : undefined);
      // An upgraded connection lives on after its response: it is done when its socket closes.
      (upgrade ?? res).once('close', done);
      handler.handle(req, res);
    };
    // A request to switch protocols runs the same chain, with its response on the connection's
    // socket: the APIService proxy takes the socket over when the aggregated server switches, and
    // any other answer is an ordinary response, after which the connection closes.
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (head.length) socket.unshift(head);
      const res = new ServerResponse(req);
      res.assignSocket(socket as Socket);
      res.shouldKeepAlive = false;
      res.once('finish', () => socket.end());
      serve(req, res, socket);
    });
    this.server.on('clientError', answerMalformedRequest);
    this.server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', (err) => reject(new Error(`cannot listen on ${listen.host}:${listen.port}: ${err.message}`)));
      this.server!.listen(listen.port, listen.host, () => resolve());
    });
  }

  /**
   * kube-apiserver's graceful termination (see GracefulShutdown): /readyz fails at once, requests are
   * served on through the shutdown delay, then the listener closes and what is in flight drains.
   * It runs before any provider's onApplicationShutdown, so the gRPC channels the requests in flight
   * need are still open.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.health.shuttingDown = true;
    await this.shutdown.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.server?.closeAllConnections();
    await this.stopFollowingDefinitions?.();
    this.aggregatedGroups?.stop();
    this.apiServiceProxy?.close();
    await this.aggregation?.stop();
  }
}

/** Answers a request that arrives too late in a shutdown as kube-apiserver does; either answer is one a client retries. */
function refuse(handler: FrontDoor, res: ServerResponse, admission: Extract<Admission, { serve: false }>): void {
  res.setHeader('Connection', 'close');
  res.setHeader('Retry-After', String(admission.retryAfterSeconds));
  // kube's Status here carries no details, only the header.
  if (admission.code === 503) return handler.sendStatus(res, new StatusError('KAPI_ERR_DEPENDENCY_UNAVAILABLE', admission.message).toStatus());
  res.writeHead(admission.code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(`${admission.message}\n`);
}
