// Garbage collection by ownerReferences, as kube-controller-manager's garbage collector does it:
// - a dependent whose owners are all gone is deleted (Background cascade); one that still has a live
//   owner only loses the reference to the dead one;
// - an owner deleted with propagationPolicy Orphan keeps the `orphan` finalizer until every
//   dependent's reference to it is removed;
// - an owner deleted with propagationPolicy Foreground keeps the `foregroundDeletion` finalizer until
//   its dependents are gone.
// It runs on the registry's leader only (controllers.ts; KAPI_CONTROLLERS names it
// `garbage-collector-controller`, alias `garbagecollector`): each term follows etcd afresh (a
// snapshot, then a watch) and the follow ends with the term, so replicas neither race each other nor
// all hold the graph; every action is idempotent besides.
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { IWatchResponse, Watcher } from 'etcd3';
import { isStatusError, PatchType, type KubeObject } from '@kapi/api-machinery';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER, type GenericStore } from '@kapi/generic-registry';
import { storageKey } from '@kapi/kinds';
import { LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { GARBAGE_COLLECTOR_CONTROLLER, runSelectedController } from '../controllers.js';
import { EventPublisher } from '../event-publisher.js';
import { Registry, SYSTEM_USER } from '../registry.js';
import { OwnerGraph, type GraphNode } from './owner-graph.js';

const PREFIX = '/registry/';
const PASS_INTERVAL_MS = 500;
const CTX = { user: SYSTEM_USER, dryRun: false, fieldManager: 'garbage-collector' };

@Injectable()
export class GarbageCollector implements OnApplicationBootstrap, OnApplicationShutdown {
  private graph = new OwnerGraph();
  private watcher?: Watcher;
  private timer?: NodeJS.Timeout;
  private readonly dirty = new Set<string>();
  private running = false;
  /** Counts terms; a follow or pass of an ended term stops. 0: not running. */
  private term = 0;
  private terms = 0;
  private checkAbsentOwners = true;
  private stopSelected?: () => Promise<void>;

  constructor(
    private readonly registry: Registry,
    private readonly publisher: EventPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.stopSelected = runSelectedController(GARBAGE_COLLECTOR_CONTROLLER, this.publisher.leadership, this, this.logger);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopSelected?.();
  }

  /** A term begins: follow etcd from a fresh snapshot, and collect what it says. */
  start(): void {
    const term = (this.term = ++this.terms);
    this.graph = new OwnerGraph();
    this.dirty.clear();
    void this.follow(term);
    this.timer = setInterval(() => void this.pass(), PASS_INTERVAL_MS);
  }

  /** The term ended: stop following and forget the graph (the next term reads it afresh). */
  async stop(): Promise<void> {
    this.term = 0;
    clearInterval(this.timer);
    await this.watcher?.cancel().catch(() => {});
    this.watcher = undefined;
    this.graph = new OwnerGraph();
    this.dirty.clear();
  }

  /** Snapshot, then watch; on any watch failure start over with a fresh snapshot. */
  private async follow(term: number): Promise<void> {
    while (this.term === term) {
      try {
        const graph = new OwnerGraph();
        let startKey: string | undefined;
        let revision = 0;
        for (;;) {
          const page = await this.registry.storage.list(PREFIX, { startKey, limit: 500, revision: revision || undefined });
          revision ||= page.revision;
          for (const item of page.items) graph.put(item.key, JSON.parse(item.value.toString('utf8')) as KubeObject);
          if (!page.more || page.items.length === 0) break;
          startKey = page.items[page.items.length - 1].key + '\0';
        }
        if (this.term !== term) return;
        this.graph = graph;
        this.checkAbsentOwners = true;
        const watcher = await this.registry.backend.client.watch().prefix(PREFIX).startRevision(String(revision + 1)).create();
        if (this.term !== term) {
          await watcher.cancel().catch(() => {});
          return;
        }
        this.watcher = watcher;
        await new Promise<void>((resolve, reject) => {
          watcher.on('data', (res: IWatchResponse) => this.apply(res));
          watcher.on('error', reject);
          watcher.on('end', resolve);
        });
      } catch (err) {
        if (this.term !== term) return;
        this.logger.warn('garbage collector lost etcd; starting over', { err });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private apply(res: IWatchResponse): void {
    for (const event of res.events) {
      const key = event.kv.key.toString('utf8');
      const touched =
        event.type === 'Delete' ? this.graph.remove(key) : this.graph.put(key, JSON.parse(event.kv.value.toString('utf8')) as KubeObject);
      for (const uid of touched) this.dirty.add(uid);
    }
  }

  private storeFor(key: string): GenericStore | undefined {
    return this.registry
      .allStores()
      .find((s) => key.startsWith(storageKey(s.info, undefined)));
  }

  private async pass(): Promise<void> {
    if (this.running || !this.term) return;
    this.running = true;
    try {
      const work = new Set(this.dirty);
      this.dirty.clear();
      if (this.checkAbsentOwners) {
        this.checkAbsentOwners = false;
        for (const node of this.graph.withAbsentOwners()) work.add(node.uid);
      }
      for (const uid of work) {
        try {
          await this.reconcile(uid);
        } catch (err) {
          // Try again next pass.
          this.dirty.add(uid);
          if (!(isStatusError(err) && err.httpCode === 409)) this.logger.warn('garbage collection failed', { uid, err });
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async reconcile(uid: string): Promise<void> {
    const node = this.graph.node(uid);
    // Gone: each dependent is collected or just loses its reference.
    if (!node) {
      for (const dependent of this.graph.dependents(uid)) await this.handleDependent(dependent);
      return;
    }
    if (node.owners.some((o) => !this.graph.node(o.uid))) await this.handleDependent(node);
    if (!node.deleting) return;
    const dependents = this.graph.dependents(uid);
    if (node.finalizers.includes(ORPHAN_FINALIZER)) {
      for (const d of dependents) await this.dropOwner(d, uid);
      if (dependents.length === 0) await this.removeFinalizer(node, ORPHAN_FINALIZER);
    } else if (node.finalizers.includes(FOREGROUND_FINALIZER)) {
      for (const d of dependents) if (!d.deleting) await this.deleteNode(d, 'Foreground');
      if (dependents.length === 0) await this.removeFinalizer(node, FOREGROUND_FINALIZER);
    }
  }

  private async handleDependent(dependent: GraphNode): Promise<void> {
    const live = dependent.owners.filter((o) => this.graph.node(o.uid));
    if (live.length === 0) {
      if (!dependent.deleting) await this.deleteNode(dependent, 'Background');
    } else {
      for (const o of dependent.owners) if (!this.graph.node(o.uid)) await this.dropOwner(dependent, o.uid);
    }
  }

  private async deleteNode(node: GraphNode, propagationPolicy: 'Background' | 'Foreground'): Promise<void> {
    const store = this.storeFor(node.key);
    if (!store) return;
    await store.delete(node.namespace, node.name, { propagationPolicy, preconditions: { uid: node.uid } }, CTX).catch((err) => {
      if (!(isStatusError(err) && err.httpCode === 404)) throw err;
    });
  }

  private async dropOwner(node: GraphNode, ownerUid: string): Promise<void> {
    const store = this.storeFor(node.key);
    if (!store) return;
    const remaining = node.owners.filter((o) => o.uid !== ownerUid);
    await store
      .patch(node.namespace, node.name, PatchType.merge, { metadata: { ownerReferences: remaining.length ? remaining : null } }, CTX)
      .catch((err) => {
        if (!(isStatusError(err) && err.httpCode === 404)) throw err;
      });
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    const store = this.storeFor(node.key);
    if (!store) return;
    const rest = node.finalizers.filter((f) => f !== finalizer);
    await store.patch(node.namespace, node.name, PatchType.merge, { metadata: { finalizers: rest.length ? rest : null } }, CTX).catch((err) => {
      if (!(isStatusError(err) && err.httpCode === 404)) throw err;
    });
  }
}
