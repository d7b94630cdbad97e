// The properties etcd's robustness tests check on watches, applied to what kapi's watchers
// recorded, against etcd's own history filtered by each watcher's namespace and selector:
//   ordered       resourceVersions only go up (events of one multi-key revision share one)
//   unique        no event is delivered twice
//   atomic        the events of one etcd revision are delivered all together or not at all
//   reliable      between two things a watcher saw, nothing it was owed is missing
//   bookmarkable  a BOOKMARK at r comes after every event it was owed up to r
//   resumable     a watch from a resourceVersion continues exactly as etcd's history does
// plus `faithful` (each event is etcd's: same type and object) and `converged` (at the end each
// watcher's reconstructed state equals a fresh list). How fast events arrive is measured by the
// benchmarks and the delivery-latency metric, not asserted here.
import { isDeepStrictEqual } from 'node:util';
import type { EtcdHistory, ExpectedEvent, KubeObject } from './etcd-history.js';
import type { WatchFilter } from './filter.js';
import type { Delivery, Segment } from './reflector.js';

export const PROPERTIES = ['ordered', 'unique', 'atomic', 'reliable', 'bookmarkable', 'resumable', 'faithful', 'converged'] as const;

/**
 * How late an event may reach a watcher. Generous on purpose: a kill keeps a process down for at
 * most 2.5 s, a restart takes a second or two, a publish to a dead NATS times out after 5 s, and a
 * replica re-synchronises in about a second. Anything later is a replica serving stale data.
 */
export type Property = (typeof PROPERTIES)[number];

export interface Violation {
  property: Property;
  watcher: string;
  detail: string;
}

export function describeDelivery(d: Delivery): string {
  return d.kind === 'bookmark' ? `BOOKMARK@${d.revision} (stream ${d.stream})` : `${d.type} ${d.key}@${d.revision} (stream ${d.stream})`;
}

function describeExpected(e: ExpectedEvent): string {
  return `${e.type} ${e.key}@${e.revision}`;
}

const id = (key: string, revision: number) => `${key}@${revision}`;

/** The first path at which two JSON values differ, for a readable report. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const diff = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (diff) return diff;
    }
  }
  return `${path || '.'}: got ${JSON.stringify(a)?.slice(0, 160)}, want ${JSON.stringify(b)?.slice(0, 160)}`;
}

/** Checks one watcher's recorded segments against etcd's history. */
export function checkWatcherHistory(watcher: string, filter: WatchFilter, segments: Segment[], history: EtcdHistory): Violation[] {
  const violations: Violation[] = [];
  segments.forEach((segment, index) => violations.push(...checkSegment(watcher, filter, `segment ${index} (list at ${segment.listRevision})`, segment, history)));
  return violations;
}

function checkSegment(watcher: string, filter: WatchFilter, where: string, segment: Segment, history: EtcdHistory): Violation[] {
  const out: Violation[] = [];
  const add = (property: Property, detail: string) => out.push({ property, watcher, detail: `${where}: ${detail}` });
  const list = segment.listRevision;
  const expected = history.expected(filter, list);
  const expectedById = new Map(expected.map((e) => [id(e.key, e.revision), e]));
  const expectedByRevision = new Map<number, ExpectedEvent[]>();
  for (const e of expected) expectedByRevision.set(e.revision, [...(expectedByRevision.get(e.revision) ?? []), e]);
  const deliveries = segment.deliveries;
  const events = deliveries.filter((d): d is Extract<Delivery, { kind: 'event' }> => d.kind === 'event');

  // ordered
  let high = list;
  let highWhat = `the list at ${list}`;
  let highIsEvent = false;
  for (const d of deliveries) {
    if (d.kind === 'event') {
      const ok = d.revision > high || (d.revision === high && highIsEvent);
      if (!ok) add('ordered', `${describeDelivery(d)} came after ${highWhat}`);
    } else if (d.revision < high) {
      add('ordered', `${describeDelivery(d)} went back from ${highWhat}`);
    }
    if (d.revision > high || (d.revision === high && d.kind === 'bookmark')) {
      high = d.revision;
      highWhat = describeDelivery(d);
      highIsEvent = d.kind === 'event';
    }
  }

  // unique
  const seen = new Map<string, Delivery[]>();
  for (const d of events) seen.set(id(d.key, d.revision), [...(seen.get(id(d.key, d.revision)) ?? []), d]);
  for (const copies of seen.values()) {
    if (copies.length > 1) add('unique', `${describeDelivery(copies[0])} was delivered ${copies.length} times (streams ${copies.map((c) => c.stream).join(', ')})`);
  }

  // faithful
  for (const d of events) {
    const e = expectedById.get(id(d.key, d.revision));
    if (!e) {
      if (d.revision <= list) continue; // reported as unordered already
      const etcd = history.events.filter((h) => h.key === d.key && h.revision === d.revision);
      add('faithful', `${describeDelivery(d)} is not an event this watcher is owed (etcd at that revision: ${etcd.length ? etcd.map((h) => h.type).join(', ') : 'nothing for this key'})`);
    } else if (e.type !== d.type) {
      add('faithful', `${describeDelivery(d)} should be ${e.type}`);
    } else {
      const diff = firstDifference(d.object, e.object);
      if (diff) add('faithful', `${describeDelivery(d)} carries another object than etcd's: ${diff}`);
    }
  }

  // atomic
  const deliveredIds = new Set(events.map((d) => id(d.key, d.revision)));
  const partialRevisions = new Set<number>();
  for (const revision of new Set(events.map((d) => d.revision))) {
    const owed = expectedByRevision.get(revision) ?? [];
    const missing = owed.filter((e) => !deliveredIds.has(id(e.key, e.revision)));
    if (missing.length > 0) {
      partialRevisions.add(revision);
      add('atomic', `revision ${revision} was delivered in part: missing ${missing.map(describeExpected).join(', ')}`);
    }
  }

  // reliable: every owed event older than the newest delivered one was delivered
  const lastEvent = events.length ? Math.max(...events.map((d) => d.revision)) : list;
  const missing = expected.filter((e) => e.revision < lastEvent && !partialRevisions.has(e.revision) && !deliveredIds.has(id(e.key, e.revision)));
  for (const gap of groupGaps(missing, deliveries, list)) add('reliable', gap);

  // bookmarkable
  const deliveredBefore = new Set<string>();
  for (const d of deliveries) {
    if (d.kind === 'event') {
      deliveredBefore.add(id(d.key, d.revision));
      continue;
    }
    const owed = expected.filter((e) => e.revision <= d.revision && !deliveredBefore.has(id(e.key, e.revision)));
    if (owed.length > 0) {
      add('bookmarkable', `${describeDelivery(d)} came before ${owed.length} event(s) it covers: ${owed.slice(0, 5).map(describeExpected).join(', ')}${owed.length > 5 ? ', …' : ''}`);
    }
  }
  return out;
}

/** Describes each run of missing events by what the watcher saw around it. */
function groupGaps(missing: ExpectedEvent[], deliveries: Delivery[], list: number): string[] {
  const gaps = new Map<string, ExpectedEvent[]>();
  for (const e of missing) {
    const beforeIndex = findLastIndex(deliveries, (d) => d.revision < e.revision);
    const after = deliveries.find((d) => d.revision > e.revision);
    const before = beforeIndex >= 0 ? deliveries[beforeIndex] : undefined;
    const context = `after ${before ? describeDelivery(before) : `the list at ${list}`} and before ${after ? describeDelivery(after) : 'the end'}${
      before && after && before.stream !== after.stream ? ` (lost across the re-watch from stream ${before.stream} to ${after.stream})` : before && after ? ' (within one watch stream)' : ''
    }`;
    gaps.set(context, [...(gaps.get(context) ?? []), e]);
  }
  return [...gaps.entries()].map(([context, events]) => `${events.length} event(s) never delivered, ${context}: ${events.slice(0, 5).map(describeExpected).join(', ')}${events.length > 5 ? ', …' : ''}`);
}

function findLastIndex<T>(items: T[], predicate: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (predicate(items[i])) return i;
  return -1;
}

/** A fresh watch from `from` must deliver exactly etcd's history after it (up to `until`). */
export function checkResumed(watcher: string, filter: WatchFilter, from: number, until: number, deliveries: Delivery[], history: EtcdHistory): Violation[] {
  const expected = history.expected(filter, from).filter((e) => e.revision <= until);
  const got = deliveries.filter((d): d is Extract<Delivery, { kind: 'event' }> => d.kind === 'event');
  const gotIds = got.map((d) => `${d.type} ${id(d.key, d.revision)}`);
  const wantIds = expected.map((e) => `${e.type} ${id(e.key, e.revision)}`);
  if (isDeepStrictEqual(gotIds, wantIds)) return [];
  let i = 0;
  while (i < gotIds.length && i < wantIds.length && gotIds[i] === wantIds[i]) i++;
  return [
    {
      property: 'resumable',
      watcher,
      detail: `a watch from ${from} delivered ${gotIds.length} event(s) where etcd has ${wantIds.length}; first difference at position ${i}: got ${gotIds[i] ?? 'nothing'}, etcd has ${wantIds[i] ?? 'nothing'}`,
    },
  ];
}

/** The reconstructed state must equal a fresh list (same keys, resourceVersions and objects). */
export function checkConverged(watcher: string, state: Map<string, KubeObject>, listed: Map<string, KubeObject>, listRevision: number): Violation[] {
  const out: Violation[] = [];
  const add = (detail: string) => out.push({ property: 'converged', watcher, detail: `against a list at ${listRevision}: ${detail}` });
  for (const [key, object] of listed) {
    const mine = state.get(key);
    if (!mine) add(`${key}@${object.metadata?.resourceVersion} is missing from the watcher's state`);
    else if (mine.metadata?.resourceVersion !== object.metadata?.resourceVersion) add(`${key} is at ${mine.metadata?.resourceVersion} in the watcher's state, ${object.metadata?.resourceVersion} in the list`);
    else {
      const diff = firstDifference(mine, object);
      if (diff) add(`${key} differs: ${diff}`);
    }
  }
  for (const [key, object] of state) if (!listed.has(key)) add(`${key}@${object.metadata?.resourceVersion} is in the watcher's state but not in the list`);
  return out;
}
