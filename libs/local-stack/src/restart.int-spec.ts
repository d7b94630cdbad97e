import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkEtcdHealth } from './etcd';
import { StackError } from './errors';
import { checkNatsHealth } from './nats';
import { processState, readCmdline, readProcessRecord } from './processes';
import type { StackHandle } from './stack';
import { acceptsConnections, standInLines, startStandInStack } from './stand-in-services';
import { statePaths } from './state-dir';

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-restart-'));
const stateDir = path.join(workDir, 'state');
let handle: StackHandle | undefined;

before(async () => {
  handle = await startStandInStack(workDir, { env: { ...process.env, RESTART_SPEC_MARKER: 'from-start' } });
});

after(async () => {
  await handle?.stop();
  fs.rmSync(workDir, { recursive: true, force: true });
});

function processOf(instance: string) {
  const entry = handle!.processes.find((candidate) => candidate.instance === instance);
  assert.ok(entry, `${instance} is a process of the stack`);
  return entry;
}

const accepts = (instance: string) => acceptsConnections(handle!, instance, 300);

describe('StackHandle.restartInstance', { timeout: 120_000 }, () => {
  test('starts a killed service replica again the same way, appends to its log and rewrites its pid file', async () => {
    const paths = statePaths(stateDir);
    const before = { ...processOf('registry-0') };
    await handle!.killInstance('registry-0');
    assert.equal(await accepts('registry-0'), false, 'the killed replica no longer listens');

    const restarted = await handle!.restartInstance('registry-0');

    assert.notEqual(restarted.pid, before.pid);
    assert.equal(processOf('registry-0').pid, restarted.pid, 'the entry of processes is updated');
    assert.equal(restarted.logFile, before.logFile);
    assert.equal(fs.readFileSync(path.join(paths.runDir, 'registry-0.pid'), 'utf8').trim(), String(restarted.pid));
    const record = readProcessRecord(paths.runDir, 'registry-0');
    assert.ok(record && processState(record) === 'running', 'the new record describes the running process');
    assert.equal(await accepts('registry-0'), true);

    const lines = standInLines(before.logFile);
    assert.deepEqual(lines.map((line) => line.pid), [before.pid, restarted.pid], 'the restart appended to the same log');
    assert.deepEqual(lines[1].env, lines[0].env, 'same environment');
    assert.equal(lines[1].env.RESTART_SPEC_MARKER, 'from-start');
    assert.equal(lines[1].cwd, lines[0].cwd);
    assert.deepEqual(lines[1].argv, lines[0].argv);
  });

  test('stops an instance that still runs before starting it again, and serialises concurrent restarts', async () => {
    const first = processOf('authz-0').pid;
    const [a, b] = await Promise.all([handle!.restartInstance('authz-0'), handle!.restartInstance('authz-0')]);
    assert.equal(a, b, 'both calls describe the one entry of processes');
    const lines = standInLines(processOf('authz-0').logFile);
    assert.equal(lines.length, 3, 'started once, then twice more, one after the other');
    assert.equal(lines[0].pid, first);
    assert.equal(lines[2].pid, processOf('authz-0').pid);
    for (const line of lines.slice(0, 2)) assert.equal(readCmdline(line.pid), undefined, `pid ${line.pid} was stopped`);
    assert.equal(await accepts('authz-0'), true);
  });

  test('brings etcd and NATS back healthy, and etcd keeps its data', async () => {
    const etcdUrl = `http://${handle!.topology.etcd.host}:${handle!.topology.etcd.clientPort}`;
    await etcdPut(etcdUrl, 'restart-probe', 'kept');
    for (const instance of ['etcd', 'nats']) {
      const previous = processOf(instance).pid;
      await handle!.killInstance(instance);
      const restarted = await handle!.restartInstance(instance);
      assert.notEqual(restarted.pid, previous);
    }
    assert.deepEqual(await checkEtcdHealth(etcdUrl), { healthy: true, detail: 'healthy' });
    assert.equal(await etcdGet(etcdUrl, 'restart-probe'), 'kept');
    const nats = handle!.topology.nats;
    assert.deepEqual(await checkNatsHealth(`http://${nats.host}:${nats.monitorPort}`), { healthy: true, detail: 'healthy' });
  });

  test('killInstance acts on the restarted process', async () => {
    await handle!.restartInstance('admission-0');
    await handle!.killInstance('admission-0');
    assert.equal(await accepts('admission-0'), false);
    await handle!.restartInstance('admission-0');
    assert.equal(await accepts('admission-0'), true);
  });

  test('refuses an instance the stack does not have', async () => {
    await assert.rejects(handle!.restartInstance('registry-7'), (error: Error) => {
      assert.ok(error instanceof StackError);
      assert.equal(error.message, 'no process named registry-7 in this stack');
      return true;
    });
  });

  test('stop() stops the restarted processes too', async () => {
    const restarted = ['registry-0', 'authz-0', 'etcd', 'nats', 'admission-0'].map((instance) => readProcessRecord(statePaths(stateDir).runDir, instance)!);
    for (const record of restarted) assert.equal(processState(record), 'running', `${record.instance} runs before stop`);
    await handle!.stop();
    handle = undefined;
    for (const record of restarted) assert.equal(processState(record), 'gone', `${record.instance} is gone after stop`);
  });
});

async function etcdPut(endpoint: string, key: string, value: string): Promise<void> {
  const response = await fetch(`${endpoint}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: base64(key), value: base64(value) }) });
  assert.equal(response.status, 200);
}

async function etcdGet(endpoint: string, key: string): Promise<string | undefined> {
  const response = await fetch(`${endpoint}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: base64(key) }) });
  const body = (await response.json()) as { kvs?: Array<{ value: string }> };
  return body.kvs?.[0] ? Buffer.from(body.kvs[0].value, 'base64').toString('utf8') : undefined;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
