// Keeps an RbacIndex current with @kapi/informer's reflector over the four RBAC resources: list,
// then watch from the list's resourceVersion, noting how far each resource has been read.
import { Reflector, type ListWatch, type ReflectorOptions, type ResourceRef } from '@kapi/informer';
import type { RbacIndex, RbacObject } from './rbac-index.js';
import { RBAC_GROUP, RBAC_RESOURCES, type RbacResource } from './types.js';

/** A revision per RBAC resource, e.g. how far a cache must have read to hold some objects. */
export type RbacRevisions = Partial<Record<RbacResource, number>>;

export const rbacResourceRef = (resource: RbacResource): ResourceRef => ({ group: RBAC_GROUP, version: 'v1', resource });

export class RbacReflector {
  private readonly reflector: Reflector<RbacObject>;

  constructor(index: RbacIndex, source: ListWatch<RbacObject>, options: Omit<ReflectorOptions, 'keyOf'> = {}) {
    const sink = {
      replace: (resource: string, items: RbacObject[]) => index.replace(resource as RbacResource, items),
      apply: (resource: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: RbacObject) => index.apply(resource as RbacResource, type, object),
    };
    // Named by their plural alone: they share a group.
    this.reflector = new Reflector(RBAC_RESOURCES.map(rbacResourceRef), source, sink, { ...options, keyOf: (ref: ResourceRef) => ref.resource });
  }

  /** True once every resource has been listed at least once. */
  get synced(): boolean {
    return this.reflector.synced;
  }

  /** The resources not listed yet, for a readiness message. */
  get pending(): RbacResource[] {
    return this.reflector.pending as RbacResource[];
  }

  get relists(): number {
    return this.reflector.relists;
  }

  get eventsApplied(): number {
    return this.reflector.eventsApplied;
  }

  /** The newest resourceVersion read for a resource (its list's, then its events' and bookmarks'); 0 before the first list. */
  revision(resource: RbacResource): number {
    return this.reflector.revision(resource);
  }

  /** The resources not read as far as `targets` asks, each with where it is, for a readiness message. */
  behind(targets: RbacRevisions): string[] {
    return this.reflector.behind(targets);
  }

  start(): void {
    this.reflector.start();
  }

  stop(): Promise<void> {
    return this.reflector.stop();
  }

  waitUntilSynced(timeoutMs: number): Promise<boolean> {
    return this.reflector.waitUntilSynced(timeoutMs);
  }
}
