// The checks of the watch chaos test, on histories made up by hand: each property must hold for a
// faithful copy of etcd's history and catch the violation it is named after. No stack is started.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdHistory, withResourceVersion, type EtcdEvent, type KubeObject } from './etcd-history.js';
import { matcherOf, type WatchFilter } from './filter.js';
import { checkConverged, checkResumed, checkWatcherHistory, type Property } from './properties.js';
import type { Delivery, Segment } from './reflector.js';

const T0 = 1_000_000;

function cm(name: string, labels: Record<string, string>, value: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'a', labels }, data: { value } };
}

// r11 x created blue, r12 y created red, r13 x turns red, r14 y deleted, r15 z created blue,
// r16 x back to blue, r17 one transaction that creates p and q.
const x1 = cm('x', { team: 'blue' }, '1');
const y1 = cm('y', { team: 'red' }, '1');
const x2 = cm('x', { team: 'red' }, '2');
const z1 = cm('z', { team: 'blue' }, '1');
const x3 = cm('x', { team: 'blue' }, '3');
const p1 = cm('p', {}, '1');
const q1 = cm('q', {}, '1');
const put = (revision: number, value: KubeObject, prevValue?: KubeObject): EtcdEvent => ({
  revision,
  type: 'PUT',
  key: `a/${value.metadata!.name}`,
  namespace: 'a',
  value,
  prevValue,
  at: T0 + revision,
});
const history = EtcdHistory.of(11, [
  put(11, x1),
  put(12, y1),
  put(13, x2, x1),
  { revision: 14, type: 'DELETE', key: 'a/y', namespace: 'a', prevValue: y1, at: T0 + 14 },
  put(15, z1),
  put(16, x3, x2),
  put(17, p1),
  put(17, q1),
]);

const ALL: WatchFilter = { namespace: '', labelSelector: '' };
const BLUE: WatchFilter = { namespace: 'a', labelSelector: 'team=blue' };

/** What a perfect watcher with `filter` receives after the list at 10, one stream. */
function perfect(filter: WatchFilter): Delivery[] {
  return history.expected(filter, 10).map((e) => ({ kind: 'event', type: e.type, key: e.key, revision: e.revision, object: e.object, stream: 1, at: e.at + 5 }));
}

function segmentOf(deliveries: Delivery[], listRevision = 10): Segment {
  return { reason: 'initial', listRevision, listedAt: T0, listed: new Map(), deliveries, streams: [{ id: 1, from: listRevision, openedAt: T0 }] };
}

function violated(filter: WatchFilter, deliveries: Delivery[], listRevision = 10): Property[] {
  return [...new Set(checkWatcherHistory('w', filter, [segmentOf(deliveries, listRevision)], history).map((v) => v.property))].sort();
}

const bookmark = (revision: number): Delivery => ({ kind: 'bookmark', revision, stream: 1, at: T0 + revision + 5 });

describe('watch chaos checks', () => {
  it("kube's watch-cache rules: an object that stops matching is DELETED with its last matching state", () => {
    assert.deepEqual(
      history.expected(BLUE, 10).map((e) => `${e.type} ${e.key}@${e.revision}`),
      ['ADDED a/x@11', 'DELETED a/x@13', 'ADDED a/z@15', 'ADDED a/x@16'],
    );
    const deleted = history.expected(BLUE, 10)[1];
    assert.deepEqual(deleted.object, withResourceVersion(x1, 13));
  });

  it('a faithful copy of the history violates nothing', () => {
    assert.deepEqual(violated(ALL, perfect(ALL)), []);
    assert.deepEqual(violated(BLUE, perfect(BLUE)), []);
    assert.deepEqual(violated(ALL, [...perfect(ALL).slice(0, 3), bookmark(13), ...perfect(ALL).slice(3), bookmark(17)]), []);
  });

  it('ordered: events out of order, an event at the list revision, and a bookmark going back', () => {
    const d = perfect(ALL);
    assert.deepEqual(violated(ALL, [d[1], d[0], ...d.slice(2)]), ['ordered']);
    assert.ok(violated(ALL, d, 11).includes('ordered'), 'an event at the revision of the list is one the list already had');
    assert.deepEqual(violated(ALL, [...d.slice(0, 4), bookmark(12), ...d.slice(4)]), ['ordered']);
  });

  it('unique: an event delivered twice', () => {
    const d = perfect(ALL);
    assert.ok(violated(ALL, [...d.slice(0, 3), { ...d[2], stream: 2 }, ...d.slice(3)]).includes('unique'));
  });

  it('atomic: part of a multi-key revision', () => {
    const d = perfect(ALL);
    assert.deepEqual(violated(ALL, d.slice(0, -1)), ['atomic']);
  });

  it('reliable: an event missing between two delivered ones', () => {
    const d = perfect(ALL);
    const checked = checkWatcherHistory('w', ALL, [segmentOf([...d.slice(0, 2), ...d.slice(3)])], history);
    assert.deepEqual([...new Set(checked.map((v) => v.property))], ['reliable']);
    assert.match(checked[0].detail, /1 event\(s\) never delivered, after ADDED a\/y@12 .* and before DELETED a\/y@14 .*: MODIFIED a\/x@13/);
  });

  it('bookmarkable: a bookmark that claims an event that never came', () => {
    const d = perfect(ALL);
    // x@13 is never delivered, yet a bookmark at 13 says everything up to 13 was.
    assert.deepEqual(violated(ALL, [...d.slice(0, 2), bookmark(13)]), ['bookmarkable']);
  });

  it('faithful: a wrong type, a wrong object, an event not owed', () => {
    const d = perfect(BLUE);
    assert.deepEqual(violated(BLUE, [d[0], { ...d[1], type: 'MODIFIED' } as Delivery, ...d.slice(2)]), ['faithful']);
    // kapi once sent the new, no longer matching object in such a DELETED event.
    assert.deepEqual(violated(BLUE, [d[0], { ...d[1], object: withResourceVersion(x2, 13) } as Delivery, ...d.slice(2)]), ['faithful']);
    const notOwed: Delivery = { kind: 'event', type: 'ADDED', key: 'a/y', revision: 12, object: withResourceVersion(y1, 12), stream: 1, at: T0 };
    assert.deepEqual(violated(BLUE, [d[0], notOwed, ...d.slice(1)]), ['faithful']);
  });

  it('resumable: a resumed watch must deliver exactly what followed', () => {
    const after13 = perfect(ALL).filter((d) => d.revision > 13);
    assert.deepEqual(checkResumed('w', ALL, 13, 17, after13, history), []);
    assert.equal(checkResumed('w', ALL, 13, 17, after13.slice(1), history)[0]?.property, 'resumable');
    assert.equal(checkResumed('w', ALL, 13, 17, [perfect(ALL)[2], ...after13], history)[0]?.property, 'resumable');
  });

  it('converged: state against a fresh list', () => {
    const listed = new Map([['a/z', withResourceVersion(z1, 15)]]);
    assert.deepEqual(checkConverged('w', new Map(listed), listed, 17), []);
    assert.equal(checkConverged('w', new Map(), listed, 17).length, 1);
    assert.equal(checkConverged('w', new Map([['a/z', withResourceVersion(z1, 14)]]), listed, 17).length, 1);
    assert.equal(checkConverged('w', new Map([...listed, ['a/x', x3]]), listed, 17).length, 1);
  });

  it('understands the selectors the chaos test uses', () => {
    const labels = (l: Record<string, string>) => ({ metadata: { labels: l } });
    const m = (labelSelector: string, namespace = '') => matcherOf({ namespace, labelSelector });
    assert.equal(m('team in (red,green)')('a', labels({ team: 'green' })), true);
    assert.equal(m('team in (red,green)')('a', labels({ team: 'blue' })), false);
    assert.equal(m('team in (red,green)')('a', labels({})), false);
    assert.equal(m('team!=red,tier')('a', labels({ tier: 'db' })), true);
    assert.equal(m('team!=red,tier')('a', labels({ team: 'red', tier: 'db' })), false);
    assert.equal(m('team!=red,tier')('a', labels({ team: 'blue' })), false);
    assert.equal(m('!tier', 'a')('a', labels({ team: 'blue' })), true);
    assert.equal(m('!tier', 'a')('b', labels({ team: 'blue' })), false);
    assert.equal(m('team notin (red)')('a', labels({})), true);
  });
});
