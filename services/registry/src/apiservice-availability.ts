// kube-aggregator's availability controller, run by the registry replica that leads event
// publishing (as the CRD controllers are): each APIService's `Available` condition, checked
// (apiservice-availability.check.ts) when the APIService, its Service or the Service's
// EndpointSlices change, every 30 seconds (kube's resync), and again soon after a failed check; the
// condition is written only when it changes, and a change to unavailable counts in
// aggregator_unavailable_apiservice_total. The front door proxies only to an available APIService.
// Every replica follows the three prefixes in etcd (a list, then a watch), so a replica that starts
// leading has what it needs and looks at every APIService again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { endpointSliceResolver, SERVICE_NAME_LABEL } from '@kapi/webhook-client';
import { isStatusError, nowTimestamp, type KubeObject } from '@kapi/api-machinery';
import type { ServiceConfig } from '@kapi/config';
import type { WriteContext } from '@kapi/generic-registry';
import { CONFIG, LOGGER } from '@kapi/service-kit';
import { metrics, type Logger } from '@kapi/telemetry';
import { serviceRequest, ServiceAgents, transportErrorText, type ClientCertificate } from '@kapi/webhook-client';
import { checkAvailability, conditionIsCurrent, withCondition, type APIServiceObject, type AvailabilityProbe } from './apiservice-availability.check.js';
import { EtcdPrefixFollow, type PrefixFollower } from './etcd-follow.js';
import { EventPublisher } from './event-publisher.js';
import { Registry, SYSTEM_USER } from './registry.js';
import { storeEndpointSource } from './store-endpoint-source.js';

const APISERVICES_PREFIX = '/registry/apiregistration.k8s.io/apiservices/';
const SERVICES_PREFIX = '/registry/services/specs/';
const ENDPOINT_SLICES_PREFIX = '/registry/endpointslices/';
/** kube's resync of its APIService informer: every remote APIService is checked this often. */
const RESYNC_MS = 30_000;
/** A failed check is tried again after this (kube requeues it rate-limited). */
const RECHECK_MS = 5_000;
const LEADERSHIP_CHECK_MS = 1000;
/** kube's discovery client gives up after 5 seconds. */
const DISCOVERY_TIMEOUT_MS = 5_000;
const WRITER: WriteContext = { user: SYSTEM_USER, dryRun: false, fieldManager: 'kube-apiserver' };

const unavailableTotal = metrics.counter('aggregator_unavailable_apiservice_total', 'Counter of APIServices which are marked as unavailable broken down by APIService name and reason.');

/** A follower that only tells which objects changed. */
class ChangeFollower implements PrefixFollower {
  constructor(
    private readonly onChange: (name: string, object: KubeObject | undefined) => void,
    private readonly logger: Logger,
    private readonly what: string,
  ) {}
  listed(objects: KubeObject[]): void {
    for (const o of objects) this.onChange(`${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`, o);
  }
  changed(name: string, object: KubeObject | undefined): void {
    this.onChange(name, object);
  }
  lost(err: unknown): void {
    this.logger.warn(`lost the etcd watch of ${this.what}; starting over`, { err });
  }
}

/** GET as kube's discovery check does: the front-proxy certificate, no verification of the server, the aggregator as a system:masters user. */
export function discoveryGetter(clientCertificate: ClientCertificate | undefined): { get: (url: string) => Promise<number>; close: () => void } {
  const agents = new ServiceAgents(clientCertificate);
  const get = async (url: string) => {
    const target = new URL(url);
    try {
      const answer = await serviceRequest({
        agent: agents.agentFor({ insecureSkipTLSVerify: true }),
        endpoint: { host: target.hostname.replace(/^\[|\]$/g, ''), port: Number(target.port || 443) },
        serverName: target.hostname,
        method: 'GET',
        path: target.pathname,
        headers: { 'X-Remote-User': 'system:kube-aggregator', 'X-Remote-Group': 'system:masters' },
        timeoutMs: DISCOVERY_TIMEOUT_MS,
      });
      return answer.status;
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError';
      throw new Error(timedOut ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' : transportErrorText(err, target.host));
    }
  };
  return { get, close: () => agents.close() };
}

@Injectable()
export class APIServiceAvailability implements OnApplicationBootstrap, OnApplicationShutdown {
  /** The remote APIServices (with a service), by name, as last read. */
  private readonly apiServices = new Map<string, APIServiceObject>();
  private readonly follows: EtcdPrefixFollow[];
  private readonly queue = new Set<string>();
  private running?: Promise<void>;
  private readonly recheckTimers = new Map<string, NodeJS.Timeout>();
  private readonly discovery: ReturnType<typeof discoveryGetter>;
  private readonly probe: AvailabilityProbe;
  private leading = false;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly registry: Registry,
    private readonly publisher: EventPublisher,
    @Inject(CONFIG) config: ServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.discovery = discoveryGetter(readClientCertificate(config.pkiDir, logger));
    const source = storeEndpointSource(registry);
    const resolver = endpointSliceResolver(source);
    this.probe = { ...source, resolve: (ns, name, port) => resolver.resolveEndpoint(ns, name, port), get: this.discovery.get };
    this.follows = [
      new EtcdPrefixFollow(registry.backend, APISERVICES_PREFIX, {
        listed: (objects) => {
          this.apiServices.clear();
          for (const o of objects) this.apiServiceChanged(o.metadata?.name ?? '', o);
        },
        changed: (name, object) => this.apiServiceChanged(name, object),
        lost: (err) => this.logger.warn('lost the etcd watch of APIServices; starting over', { err }),
      }),
      new EtcdPrefixFollow(registry.backend, SERVICES_PREFIX, new ChangeFollower((key) => this.serviceChanged(key), logger, 'Services')),
      new EtcdPrefixFollow(
        registry.backend,
        ENDPOINT_SLICES_PREFIX,
        new ChangeFollower((key, slice) => {
          const namespace = key.split('/')[0];
          const service = slice?.metadata?.labels?.[SERVICE_NAME_LABEL];
          // A slice removed no longer says its Service: every APIService of the namespace is looked at.
          if (service === undefined) for (const a of this.apiServices.values()) if (a.spec?.service?.namespace === namespace) this.enqueue(a.metadata?.name ?? '');
          if (service !== undefined) this.serviceChanged(`${namespace}/${service}`);
        }, logger, 'EndpointSlices'),
      ),
    ];
  }

  onApplicationBootstrap(): void {
    for (const f of this.follows) f.start();
    this.timers.push(
      setInterval(() => this.checkLeadership(), LEADERSHIP_CHECK_MS),
      setInterval(() => {
        for (const name of this.apiServices.keys()) this.enqueue(name);
      }, RESYNC_MS),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    for (const t of this.recheckTimers.values()) clearTimeout(t);
    await Promise.all(this.follows.map((f) => f.stop()));
    await this.idle();
    this.discovery.close();
  }

  /** Resolves once nothing is queued and nothing is being checked. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private apiServiceChanged(name: string, object: KubeObject | undefined): void {
    const apiService = object as APIServiceObject | undefined;
    // A Local APIService's condition is the strategy's to set (always available): nothing to check.
    if (apiService?.spec?.service) this.apiServices.set(name, apiService);
    else this.apiServices.delete(name);
    if (this.apiServices.has(name)) this.enqueue(name);
  }

  private serviceChanged(key: string): void {
    for (const [name, a] of this.apiServices) if (`${a.spec?.service?.namespace ?? ''}/${a.spec?.service?.name ?? ''}` === key) this.enqueue(name);
  }

  /** A replica that starts leading looks at every APIService again. */
  private checkLeadership(): void {
    const leading = this.publisher.leading;
    if (leading && !this.leading) for (const name of this.apiServices.keys()) this.enqueue(name);
    this.leading = leading;
  }

  private enqueue(name: string): void {
    if (this.stopped) return;
    this.queue.add(name);
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.queue.size && !this.stopped) this.enqueue([...this.queue][0]);
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.size && !this.stopped) {
      const [name] = this.queue;
      this.queue.delete(name);
      if (!this.publisher.leading) continue;
      const apiService = this.apiServices.get(name);
      if (!apiService) continue;
      try {
        await this.reconcile(apiService);
      } catch (err) {
        // A newer version was written meanwhile: its own event brings the APIService back.
        if (isStatusError(err) && (err.httpCode === 409 || err.httpCode === 404)) continue;
        this.logger.warn('cannot check an APIService\'s availability; retrying', { apiService: name, err });
        this.recheckLater(name);
      }
    }
  }

  private recheckLater(name: string): void {
    clearTimeout(this.recheckTimers.get(name));
    const timer = setTimeout(() => {
      this.recheckTimers.delete(name);
      this.enqueue(name);
    }, RECHECK_MS);
    timer.unref();
    this.recheckTimers.set(name, timer);
  }

  async reconcile(apiService: APIServiceObject): Promise<void> {
    const name = apiService.metadata?.name ?? '';
    const condition = await checkAvailability(apiService, this.probe);
    if (condition.status !== 'True') this.recheckLater(name);
    const conditions = apiService.status?.conditions;
    if (conditionIsCurrent(conditions, condition)) return;
    const wasAvailable = (conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True');
    const updated = { ...apiService, status: { ...apiService.status, conditions: withCondition(conditions, condition, nowTimestamp()) } };
    await this.registry.store('apiregistration.k8s.io', 'apiservices').update(undefined, name, updated, WRITER, 'status');
    this.logger.info('changing APIService availability', { name, status: condition.status, reason: condition.reason, message: condition.message });
    // kube counts a change from available to not.
    if (wasAvailable && condition.status !== 'True') unavailableTotal.inc({ name, reason: condition.reason });
  }
}

/** The front-proxy client certificate; without it the registry calls aggregated servers without one (and they refuse it). */
export function readClientCertificate(pkiDir: string, logger: Logger): ClientCertificate | undefined {
  try {
    return { cert: readFileSync(join(pkiDir, 'front-proxy-client.crt')), key: readFileSync(join(pkiDir, 'front-proxy-client.key')) };
  } catch (err) {
    logger.warn('the front-proxy client certificate cannot be read (KAPI_PKI_DIR): aggregated API servers are called without one', { err: (err as Error).message });
    return undefined;
  }
}
