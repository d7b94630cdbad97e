// Runs kube-controller-manager's resource quota controller (@kapi/quota's ResourceQuotaController)
// once per cluster: on the registry's leader, as the garbage collector runs (controllers.ts;
// KAPI_CONTROLLERS names it `resourcequota-controller`, alias `resourcequota`). While leading it follows etcd from the revision it started at — deletions of anything (they
// free what the object used), updates of pods, Services, claims and quotas (with their previous
// version, for kube's update filter) — and reads and writes through the registry's stores, writing
// status as the field manager kube-controller-manager. A lost watch or leadership ends the session;
// the next one starts over with every quota recalculated.
//
// KAPI_CONTROLLERS=*,-resourcequota (or the older KAPI_RESOURCE_QUOTA_CONTROLLER=false) steps aside
// for a real kube-controller-manager; KAPI_RESOURCE_QUOTA_SYNC_PERIOD is kube-controller-manager's --resource-quota-sync-period.
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { IKeyValue, Watcher } from 'etcd3';
import { isStatusError, type KubeObject } from '@kapi/api-machinery';
import { booleanSetting, ConfigError, durationSetting } from '@kapi/config';
import type { GenericStore, WriteContext } from '@kapi/generic-registry';
import { storageKey } from '@kapi/kinds';
import { ResourceQuotaController, type ChangeType, type GroupResource, type QuotaControllerSource } from '@kapi/quota';
import { LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { RESOURCE_QUOTA_CONTROLLER, runSelectedController } from './controllers.js';
import { EventPublisher } from './event-publisher.js';
import { Registry, SYSTEM_USER } from './registry.js';

/** The wait before a session that lost its watch starts over. */
const RESTART_MS = 1000;
const STOP_WAIT_MS = 3000;
const CONTROLLER_WRITER: WriteContext = { user: SYSTEM_USER, dryRun: false, fieldManager: 'kube-controller-manager' };
/** The resources whose updates can change what they use (kube's DefaultUpdateFilter), and quotas themselves. */
const FOLLOWED_UPDATES: GroupResource[] = [
  { group: '', resource: 'pods' },
  { group: '', resource: 'services' },
  { group: '', resource: 'persistentvolumeclaims' },
  { group: '', resource: 'resourcequotas' },
];

export interface QuotaControllerSettings {
  enabled: boolean;
  resyncPeriodMs: number;
}

export function quotaControllerSettings(env: NodeJS.ProcessEnv = process.env): QuotaControllerSettings {
  const resyncPeriodMs = durationSetting(env, 'KAPI_RESOURCE_QUOTA_SYNC_PERIOD', 5 * 60_000);
  if (resyncPeriodMs <= 0) throw new ConfigError(`KAPI_RESOURCE_QUOTA_SYNC_PERIOD=${JSON.stringify(env.KAPI_RESOURCE_QUOTA_SYNC_PERIOD)} must be positive`);
  return { enabled: booleanSetting(env, 'KAPI_RESOURCE_QUOTA_CONTROLLER', true), resyncPeriodMs };
}

interface Session {
  controller: ResourceQuotaController;
  watchers: Watcher[];
  failed: boolean;
}

const parse = (kv: IKeyValue): KubeObject => JSON.parse(kv.value.toString('utf8')) as KubeObject;

@Injectable()
export class ResourceQuotaControllerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly settings: QuotaControllerSettings;
  private session?: Session;
  /** Ticks run one after another. */
  private ticks = Promise.resolve();
  /** Within a term of this replica's leadership. */
  private leading = false;
  private stopSelected?: () => Promise<void>;

  constructor(
    private readonly registry: Registry,
    private readonly publisher: EventPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.settings = quotaControllerSettings();
  }

  onApplicationBootstrap(): void {
    if (!this.settings.enabled) {
      this.logger.info('the resource quota controller is off (KAPI_RESOURCE_QUOTA_CONTROLLER=false): another controller manager keeps quota status');
      return;
    }
    this.stopSelected = runSelectedController(
      RESOURCE_QUOTA_CONTROLLER,
      this.publisher.leadership,
      {
        start: () => {
          this.leading = true;
          return this.tick();
        },
        stop: () => {
          this.leading = false;
          return this.tick();
        },
      },
      this.logger,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopSelected?.();
    await this.end();
  }

  /**
   * Starts a session when this replica leads, ends it when it no longer does or its watch failed;
   * runs at each change of leadership and after a failure.
   */
  tick(): Promise<void> {
    this.ticks = this.ticks.then(() => this.step());
    return this.ticks;
  }

  private async step(): Promise<void> {
    if (!this.settings.enabled) return;
    try {
      if (this.session && (this.session.failed || !this.leading)) await this.end();
      if (!this.session && this.leading) await this.begin();
    } catch (err) {
      this.logger.warn('the resource quota controller could not start; retrying', { err });
      await this.end();
      this.retryLater();
    }
  }

  private retryLater(): void {
    setTimeout(() => void this.tick(), RESTART_MS).unref();
  }

  private async begin(): Promise<void> {
    const quotas = this.registry.store('', 'resourcequotas');
    const namespaced = this.registry.namespacedStores();
    const source: QuotaControllerSource = {
      listQuotas: async () => (await quotas.list({})).items,
      getQuota: async (namespace, name) => {
        try {
          return await quotas.get(namespace, name);
        } catch (err) {
          if (isStatusError(err) && err.httpCode === 404) return undefined;
          throw err;
        }
      },
      listObjects: async (resource, namespace) => (await this.registry.store(resource.group, resource.resource).list({ namespace })).items,
      updateStatus: async (quota, status) => {
        await quotas.update(quota.metadata?.namespace, quota.metadata?.name ?? '', { ...quota, status }, CONTROLLER_WRITER, 'status');
      },
    };
    const controller = new ResourceQuotaController(source, {
      resyncPeriodMs: this.settings.resyncPeriodMs,
      quotableResources: namespaced.map((s) => ({ group: s.info.group, resource: s.info.resource })),
      onError: (key, err) => {
        // Admission writes usage too: a conflict only means the sync runs again on the newer quota.
        if (isStatusError(err) && err.httpCode === 409) this.logger.debug('resource quota sync conflicted; retrying', { quota: key });
        else this.logger.warn('resource quota sync failed; retrying', { quota: key, err });
      },
    });
    const session: Session = { controller, watchers: [], failed: false };
    this.session = session;
    // Follow etcd from now on, then read every quota: nothing that changes after the read is missed.
    const from = String((await this.registry.backend.currentRevision()) + 1);
    const fail = (err?: unknown) => {
      if (session.failed) return;
      this.logger.warn('the resource quota controller lost its etcd watch; starting over', { err });
      session.failed = true;
      this.retryLater();
    };
    const client = this.registry.backend.client;
    const deletes = await client.watch().prefix('/registry/').only('delete').startRevision(from).create();
    session.watchers.push(deletes);
    deletes.on('delete', (kv) => this.deleted(session, namespaced, kv));
    for (const resource of FOLLOWED_UPDATES) {
      const store = this.registry.store(resource.group, resource.resource);
      const watcher = await client.watch().prefix(storageKey(store.info, undefined)).only('put').withPreviousKV().startRevision(from).create();
      session.watchers.push(watcher);
      watcher.on('put', (kv, previous) => this.updated(session, resource, kv, previous));
    }
    for (const watcher of session.watchers) {
      watcher.on('error', fail);
      watcher.on('end', () => fail());
    }
    await controller.start();
    this.logger.info('resource quota controller started', { resyncPeriodMs: this.settings.resyncPeriodMs });
  }

  /** Ends the session; a sync still under way (etcd slow or gone) is not waited for past a few seconds. */
  private async end(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    session.failed = true;
    await Promise.all(session.watchers.map((w) => w.cancel().catch(() => {})));
    await Promise.race([session.controller.stop(), new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
  }

  private updated(session: Session, resource: GroupResource, kv: IKeyValue, previous?: IKeyValue): void {
    try {
      const object = parse(kv);
      const old = previous ? parse(previous) : undefined;
      const type: ChangeType = old ? 'MODIFIED' : 'ADDED';
      if (resource.resource === 'resourcequotas') session.controller.quotaChanged(type, object, old);
      else session.controller.objectChanged(resource, object.metadata?.namespace ?? '', type, object, old);
    } catch (err) {
      this.logger.warn('resource quota controller could not read a change', { key: kv.key.toString('utf8'), err });
    }
  }

  private deleted(session: Session, stores: GenericStore[], kv: IKeyValue): void {
    const key = kv.key.toString('utf8');
    let found: { store: GenericStore; rest: string } | undefined;
    for (const store of stores) {
      const prefix = storageKey(store.info, undefined);
      if (key.startsWith(prefix) && (!found || prefix.length > storageKey(found.store.info, undefined).length)) found = { store, rest: key.slice(prefix.length) };
    }
    if (!found) return;
    const [namespace, name] = found.rest.split('/');
    const resource = { group: found.store.info.group, resource: found.store.info.resource };
    if (resource.resource === 'resourcequotas' && !resource.group) session.controller.quotaChanged('DELETED', { metadata: { namespace, name } });
    else session.controller.objectChanged(resource, namespace, 'DELETED');
  }
}
