import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkEtcdHealth } from './etcd';
import { StackError } from './errors';
import { withFreePorts } from './free-ports';
import { checkNatsHealth } from './nats';
import { waitForTcpPort } from './network';
import { processState, readCmdline, readProcessRecord } from './processes';
import { StackHandle, StackOptions, startStack } from './stack';
import { statePaths } from './state-dir';
import { findInstance } from './topology';

// A stand-in for every service: it logs what it was started with, then listens where the stack
// expects it (front doors answer /readyz over TLS, so HAProxy's health checks pass).
const STAND_IN = `
const fs = require('node:fs');
const path = require('node:path');
const [host, port] = process.env.KAPI_LISTEN.split(':');
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('KAPI_') || k === 'RESTART_SPEC_MARKER').sort());
console.log(JSON.stringify({ standIn: process.env.KAPI_INSTANCE, pid: process.pid, cwd: process.cwd(), argv: process.argv.slice(1), env }));
let server;
if (process.env.KAPI_SERVICE_NAME === 'aggregator') {
  const pki = process.env.KAPI_PKI_DIR;
  const options = { key: fs.readFileSync(path.join(pki, 'apiserver.key')), cert: fs.readFileSync(path.join(pki, 'apiserver.crt')) };
  server = require('node:https').createServer(options, (req, res) => res.end('ok'));
} else {
  server = require('node:net').createServer((socket) => socket.end());
}
server.listen(Number(port), host);
process.on('SIGTERM', () => process.exit(0));
`;

interface StandInLine {
  standIn: string;
  pid: number;
  cwd: string;
  argv: string[];
  env: Record<string, string>;
}

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-restart-'));
const stateDir = path.join(workDir, 'state');
const standInFile = path.join(workDir, 'stand-in.js');
let handle: StackHandle | undefined;

before(async () => {
  fs.writeFileSync(standInFile, STAND_IN);
  handle = await startStack(
    await withFreePorts<StackOptions>({
      stateDir,
      detached: false,
      readyTimeoutMs: 30_000,
      env: { ...process.env, RESTART_SPEC_MARKER: 'from-start' },
      serviceCommand: () => ({ command: process.execPath, args: [standInFile] }),
    }),
  );
});

after(async () => {
  await handle?.stop();
  fs.rmSync(workDir, { recursive: true, force: true });
});

function standInLines(logFile: string): StandInLine[] {
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{"standIn"'))
    .map((line) => JSON.parse(line) as StandInLine);
}

function processOf(instance: string) {
  const entry = handle!.processes.find((candidate) => candidate.instance === instance);
  assert.ok(entry, `${instance} is a process of the stack`);
  return entry;
}

async function accepts(instance: string): Promise<boolean> {
  const listen = findInstance(handle!.topology, instance)!.listen;
  return waitForTcpPort(listen.host, listen.port, { timeoutMs: 300 }).then(
    () => true,
    () => false,
  );
}

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
