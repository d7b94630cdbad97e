import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chunksOf } from './snapshot-chunks.js';

const item = (name: string, bytes: number) => ({ key: name, value: Buffer.alloc(bytes - name.length) });
const names = (chunks: { key: string }[][]) => chunks.map((c) => c.map((i) => i.key));

describe('chunksOf', () => {
  it('keeps small items together and starts a new message before one would overflow', () => {
    assert.deepEqual(names(chunksOf([item('a', 40), item('b', 40), item('c', 40), item('d', 10)], 100)), [['a', 'b'], ['c', 'd']]);
  });

  it('sends an item larger than the bound alone rather than never', () => {
    assert.deepEqual(names(chunksOf([item('a', 10), item('big', 500), item('c', 10)], 100)), [['a'], ['big'], ['c']]);
  });

  it('answers an empty page with one empty message', () => {
    assert.deepEqual(chunksOf([], 100), [[]]);
  });
});
