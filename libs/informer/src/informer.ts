// Shared informers: one in-memory copy per resource, kept current by a reflector over a ListWatch,
// read by whoever asks for that resource (kube's SharedInformerFactory and listers). Reads never
// reach the network; a reader that must not act on an empty cache waits for the sync first.
import { resourceKey, type ListWatch, type ObjectLike, type ResourceRef } from './list-watch.js';
import { Reflector, type ReflectorOptions, type ReflectorSink } from './reflector.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';
export type ChangeListener<T> = (type: ChangeType, object: T, old: T | undefined) => void;

const keyOf = (obj: ObjectLike) => `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;

/** The objects of one resource, by namespace and name, as a lister reads them. */
export class Informer<T extends ObjectLike = ObjectLike> implements ReflectorSink<T> {
  private readonly objects = new Map<string, T>();
  private readonly byNamespace = new Map<string, Map<string, T>>();
  private readonly listeners = new Set<ChangeListener<T>>();
  readonly key: string;

  constructor(
    readonly resource: ResourceRef,
    private readonly reflector: Pick<Reflector<T>, 'synced' | 'waitUntilSynced'>,
  ) {
    this.key = resourceKey(resource);
  }

  /** Whether the first list has been read: before it, an empty answer means nothing. */
  get synced(): boolean {
    return this.reflector.synced;
  }

  waitUntilSynced(timeoutMs: number): Promise<boolean> {
    return this.reflector.waitUntilSynced(timeoutMs);
  }

  /** A cluster-scoped object by name (namespace ''), or a namespaced one in its namespace. */
  get(namespace: string, name: string): T | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  /** Every object, or those of one namespace. */
  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.objects.values()];
    return [...(this.byNamespace.get(namespace)?.values() ?? [])];
  }

  /** Called on every change after the first list (kube's event handlers); returns the unsubscribe. */
  subscribe(listener: ChangeListener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  replace(_resource: string, items: T[]): void {
    const before = new Map(this.objects);
    this.objects.clear();
    this.byNamespace.clear();
    for (const item of items) this.put(item);
    if (!this.listeners.size) return;
    for (const item of items) {
      const old = before.get(keyOf(item));
      before.delete(keyOf(item));
      this.emit(old ? 'MODIFIED' : 'ADDED', item, old);
    }
    for (const gone of before.values()) this.emit('DELETED', gone, gone);
  }

  apply(_resource: string, type: ChangeType, object: T): void {
    const old = this.objects.get(keyOf(object));
    if (type === 'DELETED') this.remove(object);
    else this.put(object);
    this.emit(type, object, old);
  }

  private put(obj: T): void {
    const key = keyOf(obj);
    this.objects.set(key, obj);
    const ns = obj.metadata?.namespace ?? '';
    let names = this.byNamespace.get(ns);
    if (!names) this.byNamespace.set(ns, (names = new Map()));
    names.set(obj.metadata?.name ?? '', obj);
  }

  private remove(obj: T): void {
    this.objects.delete(keyOf(obj));
    const ns = obj.metadata?.namespace ?? '';
    const names = this.byNamespace.get(ns);
    names?.delete(obj.metadata?.name ?? '');
    if (names && !names.size) this.byNamespace.delete(ns);
  }

  private emit(type: ChangeType, object: T, old: T | undefined): void {
    for (const listener of this.listeners) listener(type, object, old);
  }
}

/**
 * One informer per resource, shared by everyone who asks for it; `start` begins listing and
 * watching what has been asked for (and anything asked for later, at once).
 */
export class SharedInformers {
  private readonly informers = new Map<string, { informer: Informer; reflector: Reflector }>();
  private started = false;

  constructor(
    private readonly source: ListWatch,
    private readonly options: ReflectorOptions = {},
  ) {}

  informerFor<T extends ObjectLike = ObjectLike>(resource: ResourceRef): Informer<T> {
    const key = resourceKey(resource);
    let entry = this.informers.get(key);
    if (!entry) {
      // The informer is its reflector's sink, and asks the reflector whether it has synced.
      const informer: Informer = new Informer(resource, { get synced() { return reflector.synced; }, waitUntilSynced: (ms) => reflector.waitUntilSynced(ms) });
      const reflector = new Reflector([resource], this.source, informer, this.options);
      entry = { informer, reflector };
      this.informers.set(key, entry);
      if (this.started) reflector.start();
    }
    return entry.informer as unknown as Informer<T>;
  }

  start(): void {
    this.started = true;
    for (const { reflector } of this.informers.values()) reflector.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map(({ reflector }) => reflector.stop()));
  }

  /** The resources (by resourceKey) not listed yet. */
  get pending(): string[] {
    return [...this.informers.values()].filter(({ reflector }) => !reflector.synced).map(({ informer }) => informer.key);
  }

  get synced(): boolean {
    return this.pending.length === 0;
  }
}
