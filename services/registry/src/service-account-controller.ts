// Every namespace has a `default` ServiceAccount, as kube-controller-manager's serviceaccounts
// controller makes sure: one is created in each active namespace, and again if it is deleted.
// The controller follows etcd (a list of the namespaces, then a watch on namespaces and service
// accounts) and reconciles one namespace at a time. It runs on the registry's leader only
// (controllers.ts; KAPI_CONTROLLERS names it `serviceaccount-controller`, alias `serviceaccount`),
// following etcd afresh each term; a create is "key absent" besides, so two replicas racing on a
// namespace around a change of leader create the account once and the other sees 409.
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { IWatchResponse, Watcher } from 'etcd3';
import { isStatusError, type KubeObject } from '@kapi/api-machinery';
import { DEFAULT_SERVICE_ACCOUNT, namespaceStrategy, serviceAccountStrategy, storageKey } from '@kapi/kinds';
import { LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { runSelectedController, SERVICE_ACCOUNT_CONTROLLER } from './controllers.js';
import { EventPublisher } from './event-publisher.js';
import { ReconcileQueue } from './reconcile-queue.js';
import { Registry, SYSTEM_USER } from './registry.js';

const NAMESPACES_PREFIX = storageKey(namespaceStrategy.info, undefined);
const SERVICE_ACCOUNTS_PREFIX = storageKey(serviceAccountStrategy.info, undefined);
const RETRY_MS = 1000;
const RESTART_MS = 1000;

/** What reconciling one namespace needs; faked in tests. */
export interface ServiceAccountControllerDeps {
  getNamespace(name: string): Promise<KubeObject | undefined>;
  hasDefaultServiceAccount(namespace: string): Promise<boolean>;
  createDefaultServiceAccount(namespace: string): Promise<void>;
}

export type ReconcileResult = 'created' | 'exists' | 'skipped';

const terminating = (ns: KubeObject) => !!ns.metadata?.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating';

/** Makes sure an active namespace has its default ServiceAccount. Not-found means gone, not failed. */
export async function ensureDefaultServiceAccount(deps: ServiceAccountControllerDeps, namespace: string): Promise<ReconcileResult> {
  const ns = await deps.getNamespace(namespace);
  if (!ns || terminating(ns)) return 'skipped';
  if (await deps.hasDefaultServiceAccount(namespace)) return 'exists';
  try {
    await deps.createDefaultServiceAccount(namespace);
    return 'created';
  } catch (err) {
    if (isStatusError(err) && err.httpCode === 409) return 'exists';
    // The namespace went away or began terminating since we looked.
    // (NamespaceLifecycle's 403 names the cause, as kube's does, and crosses the gRPC hop with it.)
    if (isStatusError(err) && (err.httpCode === 404 || err.details?.causes?.some((c) => c.reason === 'NamespaceTerminating'))) return 'skipped';
    throw err;
  }
}

/** The namespace a watched key concerns, when the change may need a reconcile. */
export function namespaceToReconcile(key: string, type: 'PUT' | 'DELETE'): string | undefined {
  if (key.startsWith(NAMESPACES_PREFIX)) return type === 'PUT' ? key.slice(NAMESPACES_PREFIX.length) : undefined;
  if (key.startsWith(SERVICE_ACCOUNTS_PREFIX) && type === 'DELETE') {
    const [namespace, name] = key.slice(SERVICE_ACCOUNTS_PREFIX.length).split('/');
    return name === DEFAULT_SERVICE_ACCOUNT ? namespace : undefined;
  }
  return undefined;
}

@Injectable()
export class ServiceAccountController implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly watchers: Watcher[] = [];
  /** Counts terms; a follow of an ended term stops. 0: not running. */
  private term = 0;
  private terms = 0;
  private stopSelected?: () => Promise<void>;
  readonly queue: ReconcileQueue;

  constructor(
    private readonly registry: Registry,
    private readonly publisher: EventPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const deps = this.deps();
    this.queue = new ReconcileQueue(
      async (namespace) => {
        if (!this.term) return;
        if ((await ensureDefaultServiceAccount(deps, namespace)) === 'created') this.logger.info('created default service account', { namespace });
      },
      (namespace, err) => this.logger.warn('cannot ensure the default service account; retrying', { namespace, err }),
      RETRY_MS,
    );
  }

  private deps(): ServiceAccountControllerDeps {
    const ctx = { user: SYSTEM_USER, dryRun: false, fieldManager: 'kube-controller-manager' };
    return {
      getNamespace: async (name) => {
        try {
          return await this.registry.namespaces.get(undefined, name);
        } catch (err) {
          if (isStatusError(err) && err.httpCode === 404) return undefined;
          throw err;
        }
      },
      hasDefaultServiceAccount: async (namespace) =>
        (await this.registry.storage.get(storageKey(serviceAccountStrategy.info, namespace, DEFAULT_SERVICE_ACCOUNT))) !== undefined,
      createDefaultServiceAccount: async (namespace) => {
        await this.registry
          .store('', 'serviceaccounts')
          .create(namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } }, ctx);
      },
    };
  }

  onApplicationBootstrap(): void {
    this.stopSelected = runSelectedController(SERVICE_ACCOUNT_CONTROLLER, this.publisher.leadership, this, this.logger);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopSelected?.();
  }

  /** A term begins: follow etcd afresh. */
  start(): void {
    const term = (this.term = ++this.terms);
    void this.follow(term);
  }

  /** The term ended. */
  async stop(): Promise<void> {
    this.term = 0;
    this.queue.clear();
    await this.cancelWatchers();
  }

  private async cancelWatchers(): Promise<void> {
    const watchers = this.watchers.splice(0);
    await Promise.all(watchers.map((w) => w.cancel().catch(() => {})));
  }

  /** List every namespace, then watch from that revision; on any watch failure start over. */
  private async follow(term: number): Promise<void> {
    while (this.term === term) {
      try {
        const { names, revision } = await this.listNamespaces();
        if (this.term !== term) return;
        const client = this.registry.backend.client;
        for (const prefix of [NAMESPACES_PREFIX, SERVICE_ACCOUNTS_PREFIX]) {
          this.watchers.push(await client.watch().prefix(prefix).startRevision(String(revision + 1)).create());
        }
        if (this.term !== term) {
          await this.cancelWatchers();
          return;
        }
        for (const name of names) this.queue.add(name);
        await new Promise<void>((resolve, reject) => {
          for (const watcher of this.watchers) {
            watcher.on('data', (res: IWatchResponse) => this.onChanges(res));
            watcher.on('error', reject);
            watcher.on('end', resolve);
          }
        });
      } catch (err) {
        if (this.term !== term) return;
        this.logger.warn('service account controller lost etcd; starting over', { err });
      }
      if (this.term !== term) return;
      await this.cancelWatchers();
      await new Promise((r) => setTimeout(r, RESTART_MS));
    }
  }

  private async listNamespaces(): Promise<{ names: string[]; revision: number }> {
    const names: string[] = [];
    let startKey: string | undefined;
    let revision = 0;
    for (;;) {
      const page = await this.registry.storage.list(NAMESPACES_PREFIX, { startKey, limit: 500, revision: revision || undefined });
      revision ||= page.revision;
      for (const item of page.items) names.push(item.key.slice(NAMESPACES_PREFIX.length));
      if (!page.more || page.items.length === 0) return { names, revision };
      startKey = page.items[page.items.length - 1].key + '\0';
    }
  }

  private onChanges(res: IWatchResponse): void {
    for (const event of res.events) {
      const namespace = namespaceToReconcile(event.kv.key.toString('utf8'), event.type === 'Delete' ? 'DELETE' : 'PUT');
      if (namespace) this.queue.add(namespace);
    }
  }
}
