import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ExitInfo, ManagedProcess, RestartHistory } from './processes';
import { RestartBackoff, Supervisor, SupervisorEvent } from './supervisor';

describe('RestartBackoff', () => {
  const options = { initialMs: 1000, maxMs: 60_000, resetAfterMs: 600_000 };

  test('restarts at once after the first exit, then waits 1 s, doubling up to 60 s', () => {
    const backoff = new RestartBackoff(options);
    const delays = Array.from({ length: 10 }, () => backoff.delayAfterExit(500));
    assert.deepEqual(delays, [0, 1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  test('a run of ten minutes ends the loop: the next exit restarts at once again', () => {
    const backoff = new RestartBackoff(options);
    for (let i = 0; i < 5; i++) backoff.delayAfterExit(100);
    assert.equal(backoff.delayAfterExit(599_999), 16_000);
    assert.equal(backoff.delayAfterExit(600_000), 0);
    assert.equal(backoff.delayAfterExit(100), 1000);
  });
});

/** A process whose exit the test decides. */
class FakeProcess implements ManagedProcess {
  readonly logFile = '/dev/null';
  readonly exited: Promise<ExitInfo>;
  private resolveExit!: (exit: ExitInfo) => void;
  private done = false;

  constructor(
    readonly instance: string,
    readonly pid: number,
    readonly history?: RestartHistory,
  ) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  get record() {
    return { instance: this.instance, pid: this.pid, argv: [], startTicks: '', logFile: this.logFile, startedAt: '' };
  }

  hasExited(): boolean {
    return this.done;
  }

  exit(exit: ExitInfo): void {
    this.done = true;
    this.resolveExit(exit);
  }

  async stop() {
    this.exit({ code: 0, signal: null });
    return 'stopped' as const;
  }
}

/** A supervisor on a clock the test moves, with every respawn and event recorded. */
function harness() {
  let now = 1_000_000;
  let nextPid = 100;
  const timers: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
  const spawned: FakeProcess[] = [];
  const events: SupervisorEvent[] = [];
  let failSpawns = 0;
  const supervisor = new Supervisor({
    backoff: { initialMs: 1000, maxMs: 60_000, resetAfterMs: 600_000 },
    now: () => now,
    schedule: (fn, ms) => {
      const timer = { at: now + ms, fn, cancelled: false };
      timers.push(timer);
      return () => (timer.cancelled = true);
    },
    respawn: (instance, history) => {
      if (failSpawns > 0) {
        failSpawns--;
        throw new Error('spawn etcd ENOENT');
      }
      const process = new FakeProcess(instance, nextPid++, history);
      spawned.push(process);
      return process;
    },
    onEvent: (event) => events.push(event),
  });
  /** Lets exit promises settle, then runs every timer due by `ms` from now. */
  const advance = async (ms: number) => {
    await settle();
    now += ms;
    for (const timer of timers.filter((t) => !t.cancelled && t.at <= now)) {
      timer.cancelled = true;
      timer.fn();
    }
    await settle();
  };
  return {
    supervisor,
    spawned,
    events,
    advance,
    failNextSpawns: (count: number) => (failSpawns = count),
    pending: () => timers.filter((t) => !t.cancelled).map((t) => t.at - now),
  };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const SIGKILL: ExitInfo = { code: null, signal: 'SIGKILL' };

describe('Supervisor', () => {
  test('starts a process that was killed again at once, counting the restart and keeping its last exit', async () => {
    const h = harness();
    const registry = new FakeProcess('registry-0', 1);
    h.supervisor.watch('registry-0', registry);
    registry.exit(SIGKILL);
    await h.advance(0);
    assert.equal(h.spawned.length, 1);
    const [restarted] = h.spawned;
    assert.equal(restarted.instance, 'registry-0');
    assert.equal(restarted.history?.restarts, 1);
    assert.equal(restarted.history?.lastExit?.signal, 'SIGKILL');
    assert.equal(restarted.history?.lastExit?.at, new Date(1_000_000).toISOString());
    assert.deepEqual(
      h.events.map((e) => `${e.type} ${e.instance}`),
      ['exited registry-0', 'restarted registry-0'],
    );
    assert.deepEqual(h.supervisor.history('registry-0'), restarted.history);
  });

  test('a process that keeps exiting waits longer each time, as a kubelet crash loop does', async () => {
    const h = harness();
    const waits: number[] = [];
    let current: FakeProcess = new FakeProcess('etcd', 1);
    h.supervisor.watch('etcd', current);
    for (let i = 0; i < 4; i++) {
      current.exit({ code: 1, signal: null });
      await h.advance(0);
      const [pending] = h.pending();
      waits.push(pending ?? 0);
      if (pending) await h.advance(pending);
      current = h.spawned[h.spawned.length - 1];
    }
    assert.deepEqual(waits, [0, 1000, 2000, 4000]);
    assert.equal(current.history?.restarts, 4);
    assert.equal(current.history?.lastExit?.code, 1);
  });

  test('no restart before the delay has passed', async () => {
    const h = harness();
    const first = new FakeProcess('nats', 1);
    h.supervisor.watch('nats', first);
    first.exit(SIGKILL);
    await h.advance(0);
    h.spawned[0].exit(SIGKILL);
    await h.advance(999);
    assert.equal(h.spawned.length, 1, 'still waiting out its second restart');
    await h.advance(1);
    assert.equal(h.spawned.length, 2);
  });

  test('a released process is not restarted, and its successor keeps the restart count', async () => {
    const h = harness();
    const first = new FakeProcess('authz-0', 1);
    h.supervisor.watch('authz-0', first);
    first.exit(SIGKILL);
    await h.advance(0);
    const second = h.spawned[0];
    h.supervisor.release('authz-0');
    await second.stop();
    await h.advance(60_000);
    assert.equal(h.spawned.length, 1, 'stopped on purpose: not restarted');
    const replacement = new FakeProcess('authz-0', 50);
    h.supervisor.watch('authz-0', replacement);
    assert.equal(h.supervisor.history('authz-0').restarts, 1);
    replacement.exit(SIGKILL);
    await h.advance(0);
    await h.advance(1000);
    assert.equal(h.spawned[1]?.history?.restarts, 2);
  });

  test('release cancels a restart already scheduled', async () => {
    const h = harness();
    const first = new FakeProcess('watch-cache-0', 1);
    h.supervisor.watch('watch-cache-0', first);
    first.exit(SIGKILL);
    await h.advance(0);
    h.spawned[0].exit(SIGKILL);
    await h.advance(0);
    assert.deepEqual(h.pending(), [1000]);
    h.supervisor.release('watch-cache-0');
    await h.advance(5000);
    assert.equal(h.spawned.length, 1);
  });

  test('after stop nothing is restarted, not even a restart already scheduled', async () => {
    const h = harness();
    const a = new FakeProcess('aggregator-0', 1);
    const b = new FakeProcess('haproxy', 2);
    h.supervisor.watch('aggregator-0', a);
    h.supervisor.watch('haproxy', b);
    a.exit(SIGKILL);
    await h.advance(0);
    h.spawned[0].exit(SIGKILL);
    await h.advance(0);
    h.supervisor.stop();
    b.exit({ code: 0, signal: null });
    await h.advance(120_000);
    assert.equal(h.spawned.length, 1);
  });

  test('a process that cannot be spawned is tried again with backoff', async () => {
    const h = harness();
    const etcd = new FakeProcess('etcd', 1);
    h.supervisor.watch('etcd', etcd);
    h.failNextSpawns(2);
    etcd.exit(SIGKILL);
    await h.advance(0);
    assert.equal(h.spawned.length, 0);
    assert.deepEqual(h.pending(), [1000]);
    await h.advance(1000);
    assert.deepEqual(h.pending(), [2000]);
    await h.advance(2000);
    assert.equal(h.spawned.length, 1);
    assert.deepEqual(
      h.events.map((e) => e.type),
      ['exited', 'restart-failed', 'restart-failed', 'restarted'],
    );
  });
});
