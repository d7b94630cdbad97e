import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Channel } from './channel.js';

async function collect<T>(ch: Channel<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of ch) out.push(item);
  return out;
}

describe('Channel', () => {
  it('delivers pushed items in order and ends when closed', async () => {
    const ch = new Channel<number>(10);
    assert.equal(ch.push(1), true);
    assert.equal(ch.push(2), true);
    assert.equal(ch.push(3), true);
    assert.equal(ch.pending, 3);
    ch.close();
    assert.deepEqual(await collect(ch), [1, 2, 3]);
    assert.equal(ch.pushed, 3);
    assert.equal(ch.processed, 3);
  });

  it('wakes a reader that waits for the next item', async () => {
    const ch = new Channel<string>(4);
    const it = ch[Symbol.asyncIterator]();
    const next = it.next();
    ch.push('late');
    assert.deepEqual(await next, { value: 'late', done: false });
    const end = it.next();
    ch.close();
    assert.deepEqual(await end, { value: undefined, done: true });
  });

  it('refuses pushes once closed', () => {
    const ch = new Channel<number>(4);
    ch.close();
    assert.equal(ch.isClosed, true);
    assert.equal(ch.push(1), false);
    assert.equal(ch.pending, 0);
    assert.equal(ch.pushed, 0);
  });

  it('is bounded: the push that overflows closes it with an error instead of growing', async () => {
    const ch = new Channel<number>(2);
    assert.equal(ch.push(1), true);
    assert.equal(ch.push(2), true);
    assert.equal(ch.push(3), false);
    assert.equal(ch.isClosed, true);
    assert.equal(ch.pending, 2);
    assert.equal(ch.push(4), false);
    // The reader gets what was queued, then the overflow.
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const n of ch) seen.push(n);
      })(),
      /channel overflowed its capacity of 2/,
    );
    assert.deepEqual(seen, [1, 2]);
  });

  it('ends a waiting reader with the error it is closed with', async () => {
    const ch = new Channel<number>(2);
    const it = ch[Symbol.asyncIterator]();
    const next = it.next();
    ch.close(new Error('resynchronised'));
    await assert.rejects(next, /resynchronised/);
  });

  it('keeps the first close: a later close neither replaces the error nor reopens', async () => {
    const ch = new Channel<number>(2);
    ch.close(new Error('first'));
    ch.close(new Error('second'));
    ch.close();
    await assert.rejects(collect(ch), /first/);
  });

  it('a break in the reader releases the channel and drops what is queued', async () => {
    const ch = new Channel<number>(10);
    for (let i = 0; i < 5; i++) ch.push(i);
    const seen: number[] = [];
    for await (const n of ch) {
      seen.push(n);
      if (n === 1) break;
    }
    assert.deepEqual(seen, [0, 1]);
    assert.equal(ch.isClosed, true);
    assert.equal(ch.pending, 0);
    assert.equal(ch.push(99), false);
  });

  it('an exception in the reader releases the channel too', async () => {
    const ch = new Channel<number>(10);
    ch.push(1);
    ch.push(2);
    await assert.rejects(
      (async () => {
        for await (const _ of ch) throw new Error('reader failed');
      })(),
      /reader failed/,
    );
    assert.equal(ch.isClosed, true);
    assert.equal(ch.pending, 0);
  });

  it('capacity counts unread items only', async () => {
    const ch = new Channel<number>(1);
    const it = ch[Symbol.asyncIterator]();
    assert.equal(ch.push(1), true);
    assert.deepEqual(await it.next(), { value: 1, done: false });
    assert.equal(ch.push(2), true);
    assert.deepEqual(await it.next(), { value: 2, done: false });
    assert.equal(ch.isClosed, false);
  });

  it('delivers an initial list of 200,000 objects in order, taking each in constant time', async () => {
    // Array.shift moves every item behind the one taken: 200,000 of them took minutes, quadratically.
    const count = 200_000;
    const ch = new Channel<{ n: number }>(count);
    for (let n = 0; n < count; n++) assert.equal(ch.push({ n }), true);
    ch.close();
    let expected = 0;
    for await (const item of ch) {
      assert.equal(item.n, expected++);
      if (expected === count / 2) assert.equal(ch.pending, count / 2);
    }
    assert.equal(expected, count);
    assert.equal(ch.processed, count);
  });

  it('keeps order while items are pushed and taken in turn past the point where the front is reclaimed', async () => {
    const ch = new Channel<number>(10_000);
    const it = ch[Symbol.asyncIterator]();
    const seen: number[] = [];
    let next = 0;
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 3_000; i++) ch.push(next++);
      for (let i = 0; i < 2_500; i++) seen.push((await it.next()).value as number);
    }
    ch.close();
    for (let r = await it.next(); !r.done; r = await it.next()) seen.push(r.value);
    assert.deepEqual(seen, Array.from({ length: next }, (_, i) => i));
  });
});
