import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { whileLeading, type Leadership } from './leader-election.js';

/** A leadership the test hands out and takes back. */
class FakeLeadership implements Leadership {
  leading = false;
  private readonly listeners = new Set<(leading: boolean) => void>();
  onChange(listener: (leading: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(leading: boolean): void {
    this.leading = leading;
    for (const l of this.listeners) l(leading);
  }
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('whileLeading', () => {
  it('starts the controller when a term begins and stops it when the term ends', async () => {
    const leadership = new FakeLeadership();
    const calls: string[] = [];
    const dispose = whileLeading(leadership, { start: () => void calls.push('start'), stop: () => void calls.push('stop') });
    await settle();
    assert.deepEqual(calls, [], 'nothing runs on a replica that does not lead');
    leadership.set(true);
    await settle();
    leadership.set(false);
    await settle();
    leadership.set(true);
    await settle();
    assert.deepEqual(calls, ['start', 'stop', 'start']);
    await dispose();
    assert.deepEqual(calls, ['start', 'stop', 'start', 'stop']);
    leadership.set(false);
    leadership.set(true);
    await settle();
    assert.deepEqual(calls, ['start', 'stop', 'start', 'stop'], 'a disposed controller never runs again');
  });

  it('starts at once on a replica that leads already, and never overlaps a start and a stop', async () => {
    const leadership = new FakeLeadership();
    leadership.leading = true;
    const calls: string[] = [];
    let running = 0;
    const slow = (name: string) => async () => {
      running++;
      assert.equal(running, 1, 'start and stop overlap');
      calls.push(name);
      await new Promise((r) => setTimeout(r, 20));
      running--;
    };
    const dispose = whileLeading(leadership, { start: slow('start'), stop: slow('stop') });
    leadership.set(false);
    leadership.set(true);
    leadership.set(false);
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(calls, ['start', 'stop', 'start', 'stop']);
    await dispose();
  });

  it('reports a start that failed, and stops the controller at the end of the term all the same', async () => {
    const leadership = new FakeLeadership();
    const errors: unknown[] = [];
    const calls: string[] = [];
    whileLeading(
      leadership,
      {
        start: () => {
          throw new Error('etcd away');
        },
        stop: () => void calls.push('stop'),
      },
      (err) => errors.push(err),
    );
    leadership.set(true);
    await settle();
    leadership.set(false);
    await settle();
    assert.equal(errors.length, 1);
    assert.deepEqual(calls, ['stop']);
  });
});
