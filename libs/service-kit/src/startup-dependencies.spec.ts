import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { awaitDependencies, DependencyUnreachableError, type StartupDependency } from './startup-dependencies.js';

function dependency(name: string, answers: (attempt: number) => boolean | 'never'): StartupDependency & { attempts: number } {
  const dep = {
    name,
    address: `${name.toLowerCase()}://127.0.0.1:1`,
    attempts: 0,
    probe: async () => {
      const answer = answers(dep.attempts++);
      if (answer === 'never') return new Promise<void>(() => undefined);
      if (!answer) throw new Error('connect ECONNREFUSED 127.0.0.1:1');
    },
  };
  return dep;
}

describe('awaitDependencies', () => {
  it('waits for a dependency that starts a moment later and says once that it waits', async () => {
    const etcd = dependency('etcd', (attempt) => attempt >= 2);
    const waiting: string[] = [];
    await awaitDependencies([etcd], { timeoutMs: 10_000, retryMs: 5, onWaiting: (d, cause) => waiting.push(`${d.name}: ${cause}`) });
    assert.equal(etcd.attempts, 3);
    assert.deepEqual(waiting, ['etcd: connect ECONNREFUSED 127.0.0.1:1']);
  });

  it('gives up at the deadline with one line naming the dependency, its address and the cause', async () => {
    const etcd = dependency('etcd', () => true);
    const nats = dependency('NATS', () => false);
    await assert.rejects(awaitDependencies([etcd, nats], { timeoutMs: 50, retryMs: 5 }), (err: unknown) => {
      assert.ok(err instanceof DependencyUnreachableError);
      assert.match(err.message, /^NATS at nats:\/\/127\.0\.0\.1:1 is unreachable \(connect ECONNREFUSED 127\.0\.0\.1:1\); gave up after \d+s$/);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  });

  it('names every dependency that did not answer', async () => {
    await assert.rejects(
      awaitDependencies([dependency('etcd', () => false), dependency('NATS', () => false)], { timeoutMs: 30, retryMs: 5 }),
      /^DependencyUnreachableError: etcd at etcd:\/\/127\.0\.0\.1:1 is unreachable \(connect ECONNREFUSED 127\.0\.0\.1:1\), NATS at nats:\/\/127\.0\.0\.1:1 is unreachable \(connect ECONNREFUSED 127\.0\.0\.1:1\); gave up after \d+s$/,
    );
  });

  it('does not wait forever on a probe that never answers', async () => {
    const silent = dependency('etcd', () => 'never');
    await assert.rejects(awaitDependencies([silent], { timeoutMs: 30, retryMs: 5 }), /etcd at etcd:\/\/127\.0\.0\.1:1 is unreachable \(no answer within 1s\)/);
  });
});
