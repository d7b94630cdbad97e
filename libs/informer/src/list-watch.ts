// What an informer reads its objects through: a list, then a watch from the list's resourceVersion,
// of one resource. The transport is injected (the watch-cache over gRPC in the services, a fake in
// tests), so nothing here knows of the network.

/** A collection of objects: one resource of one group/version, across namespaces. */
export interface ResourceRef {
  group: string;
  version: string;
  resource: string;
}

/** kube's GroupResource string: `namespaces`, `priorityclasses.scheduling.k8s.io`. */
export const resourceKey = (ref: Pick<ResourceRef, 'group' | 'resource'>): string => (ref.group ? `${ref.resource}.${ref.group}` : ref.resource);

/** The metadata an informer reads of every object. */
export interface ObjectLike {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

/** A watch event; an ERROR event carries a Status, a BOOKMARK only a resourceVersion. */
export interface WatchEvent<T extends ObjectLike = ObjectLike> {
  type: string;
  object: T | { kind?: string; code?: number; message?: string; metadata?: { resourceVersion?: string } };
}

export interface ListWatch<T extends ObjectLike = ObjectLike> {
  list(resource: ResourceRef, signal: AbortSignal): Promise<{ items: T[]; resourceVersion: string }>;
  /** Events after `resourceVersion`; ends when the server ends the stream; `signal` cancels it. */
  watch(resource: ResourceRef, resourceVersion: string, signal: AbortSignal): AsyncIterable<WatchEvent<T>>;
}
