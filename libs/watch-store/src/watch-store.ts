// The watch-cache's memory: the latest state of every object, and a sliding window of recent
// events from which a watch at any resourceVersion inside the window can resume exactly.
import { Channel } from './channel.js';

export interface CachedObject {
  key: string;
  /** The object's JSON, with metadata.resourceVersion set. */
  object: Record<string, any>;
  modRevision: number;
  /** Its size as stored (the length of its JSON), for the window's memory budget. */
  bytes?: number;
}

export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  revision: number;
  object: Record<string, any>;
  /** The object before the change; absent for ADDED. */
  prevObject?: Record<string, any>;
  /** When the change left etcd (ms since the epoch), if known. */
  observedAt?: number;
  /** What the event keeps in memory while it is in the window: its object's size as stored. */
  bytes?: number;
}

export interface ChangeInput {
  type: 'PUT' | 'DELETE';
  key: string;
  value?: string;
  prevValue?: string;
  createRevision: number;
  modRevision: number;
}

export type WatchFilter = (object: Record<string, any>) => boolean;

export interface WatchEventOut {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, any>;
  /**
   * The object before the change, on a MODIFIED or DELETED event: for a watcher that selects on
   * another view of the objects (a custom resource converted by its webhook) to apply these rules again.
   */
  prevObject?: Record<string, any>;
  revision: number;
  observedAt?: number;
}

interface Watcher {
  /** Events at or before this revision are already known to the client. */
  after: number;
  prefix: string;
  filter: WatchFilter;
  channel: Channel<WatchEventOut>;
}

export class TooOldResourceVersionError extends Error {
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

function withResourceVersion(json: string, revision: number): Record<string, any> {
  const obj = JSON.parse(json);
  obj.metadata = { ...obj.metadata, resourceVersion: String(revision) };
  return obj;
}

/** Turns an event on an object into what a watcher with a selector sees (kube's watch-cache rules). */
export function filterEvent(event: StoreEvent, filter: WatchFilter): WatchEventOut | undefined {
  const now = event.type !== 'DELETED' && filter(event.object);
  const before = event.prevObject !== undefined && filter(event.prevObject);
  const { object, prevObject, revision, observedAt } = event;
  if (event.type === 'DELETED') return before ? { type: 'DELETED', object, prevObject, revision, observedAt } : undefined;
  if (now && before) return { type: 'MODIFIED', object, prevObject, revision, observedAt };
  if (now) return { type: 'ADDED', object, revision, observedAt };
  // It matched before and no longer does: to this watcher it is gone, as last it saw it.
  if (before) {
    const last = event.prevObject!;
    return { type: 'DELETED', object: { ...last, metadata: { ...last.metadata, resourceVersion: String(revision) } }, revision, observedAt };
  }
  return undefined;
}

export class WatchStore {
  private readonly objects = new Map<string, CachedObject>();
  private readonly window: StoreEvent[] = [];
  private windowBytes = 0;
  private readonly watchers = new Set<Watcher>();
  /** Every event after this revision is in the window. */
  private windowStart = 0;
  revision = 0;
  eventsDispatched = 0;

  /**
   * The window keeps at most `windowSize` events and `windowMaxBytes` of their objects (as stored):
   * objects of up to 1.5 MiB replaced again and again would otherwise fill the heap with old versions.
   * A watch from before the window gets 410 and re-lists, as kube's watch cache answers.
   */
  constructor(
    private readonly windowSize = 10_000,
    private readonly watcherCapacity = 1_000,
    private readonly windowMaxBytes = Infinity,
  ) {}

  /** What the window's events keep in memory, as stored. */
  get windowByteCount(): number {
    return this.windowBytes;
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  get size(): number {
    return this.objects.size;
  }

  get oldestResumableRevision(): number {
    return this.windowStart;
  }

  /** Replaces the whole state with a snapshot. Open watches end: their history has a hole. */
  reset(items: { key: string; value: Buffer | string; modRevision: number }[], revision: number): void {
    this.objects.clear();
    for (const item of items) {
      const json = item.value.toString();
      this.objects.set(item.key, { key: item.key, object: withResourceVersion(json, item.modRevision), modRevision: item.modRevision, bytes: json.length });
    }
    this.window.length = 0;
    this.windowBytes = 0;
    this.revision = revision;
    this.windowStart = revision;
    for (const w of this.watchers) w.channel.close(new Error('the watch cache was re-synchronised'));
    this.watchers.clear();
  }

  /** Applies every change of one etcd revision and dispatches the events to the watchers. */
  apply(revision: number, changes: ChangeInput[], observedAt?: number): void {
    const events: StoreEvent[] = [];
    for (const c of changes) {
      const previous = this.objects.get(c.key);
      if (c.type === 'DELETE') {
        const last = previous?.object ?? (c.prevValue ? withResourceVersion(c.prevValue, c.modRevision) : undefined);
        this.objects.delete(c.key);
        if (!last) continue;
        const object = { ...last, metadata: { ...last.metadata, resourceVersion: String(c.modRevision) } };
        const bytes = previous?.bytes ?? c.prevValue?.length ?? 0;
        events.push({ type: 'DELETED', key: c.key, revision, object, prevObject: last, observedAt, bytes });
      } else {
        const json = c.value ?? '{}';
        const object = withResourceVersion(json, c.modRevision);
        this.objects.set(c.key, { key: c.key, object, modRevision: c.modRevision, bytes: json.length });
        events.push({ type: previous ? 'MODIFIED' : 'ADDED', key: c.key, revision, object, prevObject: previous?.object, observedAt, bytes: json.length });
      }
    }
    this.revision = Math.max(this.revision, revision);
    for (const e of events) {
      this.window.push(e);
      this.windowBytes += e.bytes ?? 0;
      this.dispatch(e);
    }
    while (this.window.length > this.windowSize || this.windowBytes > this.windowMaxBytes) {
      const dropped = this.window.shift()!;
      this.windowBytes -= dropped.bytes ?? 0;
      this.windowStart = dropped.revision;
    }
  }

  /** Moves the revision forward without changes (e.g. a bookmark from etcd's progress). */
  advance(revision: number): void {
    this.revision = Math.max(this.revision, revision);
  }

  /**
   * Queues a bookmark behind everything already queued for a watch, at the revision every queued
   * event is at or below.
   */
  bookmark(channel: Channel<WatchEventOut>): void {
    // A watch that started ahead of this cache (from a list read elsewhere) already has everything
    // up to its start: its bookmarks never go back behind it.
    let after = 0;
    for (const w of this.watchers) if (w.channel === channel) after = w.after;
    channel.push({ type: 'BOOKMARK', object: {}, revision: Math.max(this.revision, after) });
  }

  private dispatch(event: StoreEvent): void {
    for (const w of this.watchers) {
      if (event.revision <= w.after || !event.key.startsWith(w.prefix)) continue;
      const out = filterEvent(event, w.filter);
      if (!out) continue;
      this.eventsDispatched++;
      // A watcher that cannot keep up is closed; nobody else waits for it.
      if (!w.channel.push(out)) this.watchers.delete(w);
    }
  }

  /** The object stored under a key now, if any. */
  get(key: string): CachedObject | undefined {
    return this.objects.get(key);
  }

  list(prefix: string, filter: WatchFilter): CachedObject[] {
    const out: CachedObject[] = [];
    for (const item of this.objects.values()) {
      if (item.key.startsWith(prefix) && filter(item.object)) out.push(item);
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * The objects under a prefix as they were at an earlier revision inside the window: the current
   * state with every later event undone. Undefined when the window no longer reaches back that far.
   */
  listAt(prefix: string, filter: WatchFilter, revision: number): CachedObject[] | undefined {
    if (revision < this.windowStart || revision > this.revision) return undefined;
    const state = new Map<string, CachedObject>();
    for (const item of this.objects.values()) if (item.key.startsWith(prefix)) state.set(item.key, item);
    for (let i = this.window.length - 1; i >= 0 && this.window[i].revision > revision; i--) {
      const e = this.window[i];
      if (!e.key.startsWith(prefix)) continue;
      if (e.prevObject) {
        state.set(e.key, { key: e.key, object: e.prevObject, modRevision: Number(e.prevObject.metadata?.resourceVersion) });
      } else {
        state.delete(e.key);
      }
    }
    const out = [...state.values()].filter((item) => filter(item.object));
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * Opens a watch. Without a resourceVersion (or "0") it starts with the current state as ADDED
   * events; with one, it replays the window after it. A version older than the window throws.
   */
  watch(prefix: string, filter: WatchFilter, fromRevision: number | undefined, options: { initialEventsEnd?: boolean } = {}): Channel<WatchEventOut> {
    const channel = new Channel<WatchEventOut>(this.watcherCapacity + this.objects.size + 1);
    if (fromRevision === undefined || fromRevision === 0) {
      for (const item of this.list(prefix, filter)) channel.push({ type: 'ADDED', object: item.object, revision: item.modRevision });
      // Marks where the current state ends and live events begin (sendInitialEvents).
      if (options.initialEventsEnd) channel.push({ type: 'BOOKMARK', object: { initialEventsEnd: true }, revision: this.revision });
    } else {
      if (fromRevision < this.windowStart) throw new TooOldResourceVersionError(fromRevision, this.windowStart);
      for (const e of this.window) {
        if (e.revision <= fromRevision || !e.key.startsWith(prefix)) continue;
        const out = filterEvent(e, filter);
        if (out) channel.push(out);
      }
    }
    const watcher: Watcher = { after: fromRevision || this.revision, prefix, filter, channel };
    this.watchers.add(watcher);
    return channel;
  }

  unwatch(channel: Channel<WatchEventOut>): void {
    for (const w of this.watchers) if (w.channel === channel) this.watchers.delete(w);
    channel.close();
  }
}
