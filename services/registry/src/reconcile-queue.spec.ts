import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReconcileQueue } from './reconcile-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ReconcileQueue backoff', () => {
  it("brings back a key that is not done ('again') after a delay doubling up to the ceiling, and starts over once it is done", async () => {
    const at: number[] = [];
    let remaining = 4;
    const start = Date.now();
    const queue = new ReconcileQueue(
      async () => {
        at.push(Date.now() - start);
        return remaining-- > 0 ? 'again' : undefined;
      },
      () => {},
      { baseMs: 20, maxMs: 60 },
    );
    queue.add('ns');
    while (at.length < 5) await sleep(5);
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    // 20, 40, 60 (the ceiling), 60.
    assert.ok(gaps[0] >= 18 && gaps[1] >= 38 && gaps[2] >= 58 && gaps[3] >= 58, `gaps ${gaps.join(', ')}`);
    assert.ok(gaps[3] < gaps[2] + 40, `the ceiling holds: gaps ${gaps.join(', ')}`);
  });

  it('drops what waits when cleared (a term ended)', async () => {
    let runs = 0;
    const queue = new ReconcileQueue(async () => (runs++, 'again' as const), () => {}, { baseMs: 20, maxMs: 20 });
    queue.add('ns');
    await sleep(5);
    queue.clear();
    await sleep(60);
    assert.equal(runs, 1);
  });
});
