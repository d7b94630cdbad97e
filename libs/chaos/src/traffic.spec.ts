import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdHistory, type EtcdEvent } from './etcd-history.js';
import { lostAcknowledgedWrites } from './traffic.js';

const put = (revision: number, value: string): EtcdEvent => ({ revision, type: 'PUT', key: 'a/x', namespace: 'a', value: { data: { value } }, at: 0 });
const del = (revision: number): EtcdEvent => ({ revision, type: 'DELETE', key: 'a/x', namespace: 'a', at: 0 });

describe('lostAcknowledgedWrites', () => {
  const history = EtcdHistory.of(10, [put(10, 'v1'), put(11, 'v2'), del(12), put(13, 'v3')]);

  it('finds every acknowledged write in etcd at its revision, with its value, and deletes after the write before', () => {
    assert.deepEqual(
      lostAcknowledgedWrites(
        [
          { key: 'a/x', op: 'create', revision: 10, value: 'v1' },
          { key: 'a/x', op: 'patch', revision: 11, value: 'v2' },
          { key: 'a/x', op: 'delete' },
          { key: 'a/x', op: 'create', revision: 13, value: 'v3' },
        ],
        history,
      ),
      [],
    );
  });

  it('reports a write etcd does not have, one with another value, and a delete that never happened', () => {
    assert.deepEqual(
      lostAcknowledgedWrites(
        [
          { key: 'a/x', op: 'update', revision: 11, value: 'other' },
          { key: 'a/x', op: 'create', revision: 13, value: 'v3' },
          { key: 'a/x', op: 'delete' },
          { key: 'a/y', op: 'create', revision: 14, value: 'y' },
        ],
        history,
      ),
      ['update of a/x at 11 (other)', 'delete of a/x after 13', 'create of a/y at 14 (y)'],
    );
  });
});
