import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ExpiringCache } from './expiring-cache.js';

describe('ExpiringCache', () => {
  it('keeps each entry for its own time to live, by the injected clock', () => {
    let now = 1_000;
    const cache = new ExpiringCache<string>(10, () => now);
    cache.set('long', 'a', 300_000);
    cache.set('short', 'b', 30_000);
    now += 29_999;
    assert.equal(cache.get('short'), 'b');
    now += 1;
    assert.equal(cache.get('short'), undefined);
    assert.equal(cache.get('long'), 'a');
    now += 270_000;
    assert.equal(cache.get('long'), undefined);
  });

  it('does not keep entries with no time to live', () => {
    const cache = new ExpiringCache<string>();
    cache.set('k', 'v', 0);
    assert.equal(cache.get('k'), undefined);
    assert.equal(cache.size, 0);
  });

  it('drops the least recently used entry past its capacity', () => {
    const cache = new ExpiringCache<number>(2, () => 0);
    cache.set('a', 1, 1000);
    cache.set('b', 2, 1000);
    assert.equal(cache.get('a'), 1);
    cache.set('c', 3, 1000);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('c'), 3);
  });
});
