import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { startEtcd } from './etcd';
import { freePort } from './network';
import { ProcessRecord, processState, readCmdline, writeProcessRecord } from './processes';
import { stopStack } from './stack';
import { statePaths } from './state-dir';

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-stop-'));
const strangers: number[] = [];
after(() => {
  for (const pid of strangers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  fs.rmSync(stateDir, { recursive: true, force: true });
});

describe('stopStack', { timeout: 60_000 }, () => {
  test('stops the recorded processes and never signals a pid it cannot prove is ours', async () => {
    const paths = statePaths(stateDir);
    // Detached like `npm run up`, so only the pid files connect us to it.
    const etcd = await startEtcd({
      dataDir: paths.etcdDataDir,
      clientPort: await freePort(),
      peerPort: await freePort(),
      runDir: paths.runDir,
      detached: true,
    });

    // A stranger whose pid landed in a stale record: same command line, different start time.
    const reused = spawnStranger();
    const forged: ProcessRecord = {
      instance: 'registry-0',
      pid: reused,
      argv: readCmdline(reused)!,
      startTicks: '1',
      logFile: '/dev/null',
      startedAt: new Date(0).toISOString(),
    };
    writeProcessRecord(paths.runDir, forged);
    // A bare pid file without a record cannot be verified at all.
    const unverifiable = spawnStranger();
    fs.writeFileSync(path.join(paths.runDir, 'authn-0.pid'), `${unverifiable}\n`);

    const stopped = await stopStack(stateDir);
    assert.deepEqual(
      stopped.map((entry) => `${entry.instance}:${entry.outcome}`).sort(),
      ['authn-0:unverifiable', 'etcd:stopped', 'registry-0:not-running'],
    );
    assert.equal(processState(etcd.process.record), 'gone');
    assert.doesNotThrow(() => process.kill(reused, 0), 'the stranger with a reused pid must survive');
    assert.doesNotThrow(() => process.kill(unverifiable, 0), 'the unverifiable pid must survive');
    assert.deepEqual(fs.readdirSync(paths.runDir), []);
  });

  test('is a no-op for a state directory that never ran', async () => {
    assert.deepEqual(await stopStack(path.join(stateDir, 'never-started')), []);
  });
});

function spawnStranger(): number {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  child.unref();
  strangers.push(child.pid!);
  return child.pid!;
}
