import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { startEtcd } from './etcd';
import { freePort } from './network';
import { ProcessRecord, processState, readCmdline, readStartTicks, writeProcessRecord } from './processes';
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

  test('stops a supervisor first, then whatever is recorded once it is gone, a process it restarted while stopping included', async () => {
    const paths = statePaths(path.join(stateDir, 'supervised'));
    const etcd = await startEtcd({ dataDir: paths.etcdDataDir, clientPort: await freePort(), peerPort: await freePort(), runDir: paths.runDir, detached: true });
    // A stand-in supervisor: on SIGTERM it notes whether etcd still runs, then starts one last
    // process (as a supervisor answering a crash at that very moment would) and records it.
    const witness = path.join(paths.stateDir, 'etcd-at-sigterm');
    const script = `
      const { spawn } = require('node:child_process');
      const fs = require('node:fs');
      process.on('SIGTERM', () => {
        fs.writeFileSync(${JSON.stringify(witness)}, fs.existsSync('/proc/${etcd.process.pid}') ? 'running' : 'gone');
        const late = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
        late.unref();
        const ticks = fs.readFileSync('/proc/' + late.pid + '/stat', 'utf8').split(') ')[1].split(' ')[19];
        const record = { instance: 'registry-0', pid: late.pid, argv: ['sleep', '300'], startTicks: ticks, logFile: '/dev/null', startedAt: new Date().toISOString() };
        fs.writeFileSync(${JSON.stringify(path.join(paths.runDir, 'registry-0.json'))}, JSON.stringify(record));
        fs.writeFileSync(${JSON.stringify(path.join(paths.runDir, 'registry-0.pid'))}, late.pid + '\\n');
        process.exit(0);
      });
      setInterval(() => {}, 1000);
      process.send('ready');
    `;
    const supervisor = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], detached: true });
    await new Promise((resolve) => supervisor.once('message', resolve));
    supervisor.disconnect();
    supervisor.unref();
    strangers.push(supervisor.pid!);
    writeProcessRecord(paths.runDir, { instance: 'supervisor', pid: supervisor.pid!, argv: readCmdline(supervisor.pid!)!, startTicks: readStartTicks(supervisor.pid!)!, logFile: '/dev/null', startedAt: new Date().toISOString() });

    const stopped = await stopStack(paths.stateDir);
    assert.deepEqual(
      stopped.map((entry) => `${entry.instance}:${entry.outcome}`),
      ['supervisor:stopped', 'registry-0:stopped', 'etcd:stopped'],
    );
    assert.equal(fs.readFileSync(witness, 'utf8'), 'running', 'the supervisor went first');
    const late = stopped.find((entry) => entry.instance === 'registry-0')!;
    strangers.push(late.pid);
    assert.equal(readCmdline(late.pid), undefined, 'the process started while the supervisor stopped is stopped too');
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
