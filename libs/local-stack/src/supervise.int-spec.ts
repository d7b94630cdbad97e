import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { checkEtcdHealth } from './etcd';
import { ProcessRecord, processState, readProcessRecord, readProcessRecords } from './processes';
import type { StackHandle } from './stack';
import { acceptsConnections, standInLines, startStandInStack } from './stand-in-services';
import { statePaths } from './state-dir';
import { SUPERVISOR_INSTANCE } from './status';
import { SupervisorEvent } from './supervisor';

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-supervise-'));
const stateDir = path.join(workDir, 'state');
const runDir = statePaths(stateDir).runDir;
const events: SupervisorEvent[] = [];
let handle: StackHandle | undefined;

before(async () => {
  handle = await startStandInStack(workDir, { supervise: { onEvent: (event) => events.push(event) } });
});

after(async () => {
  await handle?.stop();
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** Waits (generously: the machine may be loaded) until `instance` has a running record other than `previous`. */
async function restartedRecord(instance: string, previous: number): Promise<ProcessRecord> {
  for (let waited = 0; waited < 60_000; waited += 100) {
    const record = readProcessRecord(runDir, instance);
    if (record && record.pid !== previous && processState(record) === 'running') return record;
    await sleep(100);
  }
  assert.fail(`${instance} was not restarted`);
}

const accepts = (instance: string) => acceptsConnections(handle!, instance, 30_000);

describe('a supervised stack', { timeout: 180_000 }, () => {
  test('records the supervising process in the run directory', () => {
    const record = readProcessRecord(runDir, SUPERVISOR_INSTANCE);
    assert.equal(record?.pid, process.pid);
    assert.equal(processState(record!), 'running');
  });

  test('starts a SIGKILLed service replica again by itself, and its record counts the restart and the exit', async () => {
    const before = readProcessRecord(runDir, 'registry-0')!;
    process.kill(before.pid, 'SIGKILL');
    const after = await restartedRecord('registry-0', before.pid);
    assert.equal(after.restarts, 1);
    assert.equal(after.lastExit?.signal, 'SIGKILL');
    assert.equal(after.lastExit?.code, null);
    assert.equal(handle!.processes.find((p) => p.instance === 'registry-0')?.pid, after.pid);
    assert.equal(await accepts('registry-0'), true);
    assert.deepEqual(
      standInLines(after.logFile).map((line) => line.pid),
      [before.pid, after.pid],
      'started again the same way, into the same log',
    );
    assert.deepEqual(
      events.filter((e) => e.instance === 'registry-0').map((e) => e.type),
      ['exited', 'restarted'],
    );
  });

  test('starts etcd, NATS and HAProxy again too', async () => {
    for (const instance of ['etcd', 'nats', 'haproxy']) {
      const before = readProcessRecord(runDir, instance)!;
      process.kill(before.pid, 'SIGKILL');
      const after = await restartedRecord(instance, before.pid);
      assert.equal(after.restarts, 1, instance);
    }
    const { host, clientPort } = handle!.topology.etcd;
    for (let waited = 0; waited < 30_000 && !(await checkEtcdHealth(`http://${host}:${clientPort}`)).healthy; waited += 200) await sleep(200);
    assert.deepEqual(await checkEtcdHealth(`http://${host}:${clientPort}`), { healthy: true, detail: 'healthy' });
  });

  test('a restart on purpose is no crash: restartInstance keeps the count and the supervisor does not start a second copy', async () => {
    const before = readProcessRecord(runDir, 'authz-0')!;
    const restarted = await handle!.restartInstance('authz-0');
    assert.notEqual(restarted.pid, before.pid);
    await sleep(1500);
    const record = readProcessRecord(runDir, 'authz-0')!;
    assert.equal(record.pid, restarted.pid, 'the process restartInstance started is the one that runs');
    assert.equal(record.restarts ?? 0, 0);
    assert.deepEqual(standInLines(record.logFile).map((line) => line.pid), [before.pid, restarted.pid]);
  });

  test('stop() stops every process and the supervisor record, and nothing is restarted after it', async () => {
    const records = readProcessRecords(runDir).filter((entry) => entry.instance !== SUPERVISOR_INSTANCE);
    await handle!.stop();
    handle = undefined;
    await sleep(2000);
    for (const { instance, record } of records) assert.equal(processState(record!), 'gone', `${instance} is gone`);
    assert.deepEqual(readProcessRecords(runDir), [], 'no record left, none written again');
  });
});
