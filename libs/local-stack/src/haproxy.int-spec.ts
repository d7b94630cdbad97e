import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireBinary } from './binaries';
import { StackError } from './errors';
import { renderHaproxyConfig, startHaproxy, validateHaproxyConfig } from './haproxy';
import { freePort, isPortFree } from './network';
import { processState } from './processes';

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-haproxy-'));
after(() => fs.rmSync(workDir, { recursive: true, force: true }));

describe('haproxy', { timeout: 30_000 }, () => {
  test('the generated config passes haproxy -c', () => {
    const configFile = path.join(workDir, 'valid.cfg');
    fs.writeFileSync(
      configFile,
      renderHaproxyConfig({
        bind: { host: '127.0.0.1', port: 6443 },
        backends: [
          { name: 'aggregator-0', host: '127.0.0.2', port: 6443 },
          { name: 'aggregator-1', host: '127.0.0.3', port: 6443 },
        ],
      }),
    );
    execFileSync(requireBinary('haproxy'), ['-c', '-f', configFile], { stdio: 'pipe' });
    validateHaproxyConfig(configFile);
  });

  test('an invalid config is reported in one line', () => {
    const configFile = path.join(workDir, 'invalid.cfg');
    fs.writeFileSync(configFile, 'frontend broken\n    bind 127.0.0.1:notaport\n');
    assert.throws(() => validateHaproxyConfig(configFile), (error: Error) => {
      assert.ok(error instanceof StackError);
      assert.match(error.message, /^invalid haproxy config .*invalid\.cfg: /);
      assert.ok(!error.message.includes('\n'));
      return true;
    });
  });

  test('runs in the foreground as a tracked child, listens, and stops', async () => {
    const port = await freePort();
    const haproxy = await startHaproxy({
      bind: { host: '127.0.0.1', port },
      backends: [{ name: 'aggregator-0', host: '127.0.1.2', port: await freePort() }],
      configFile: path.join(workDir, 'run.cfg'),
      logFile: path.join(workDir, 'haproxy.log'),
      runDir: path.join(workDir, 'run'),
    });
    assert.equal(processState(haproxy.process.record), 'running');
    assert.equal(await isPortFree('127.0.0.1', port), false);
    // A connection nobody serves is logged as one JSON line once haproxy gives up on it (one that
    // sends nothing is not logged at all: dontlognull).
    await new Promise<void>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('hello'));
      socket.on('close', () => resolve()).on('error', () => undefined);
    });
    assert.ok(await eventually(async () => fs.readFileSync(path.join(workDir, 'haproxy.log'), 'utf8').includes('"msg":"connection"'), 15_000));
    const logged = fs
      .readFileSync(path.join(workDir, 'haproxy.log'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(logged.length, 1);
    assert.match(String(logged[0].time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(logged[0].backend, 'kapi-front-doors');
    assert.equal(typeof logged[0].totalMs, 'number');
    assert.equal(await haproxy.stop(), 'stopped');
    assert.equal(processState(haproxy.process.record), 'gone');
    assert.ok(await eventually(() => isPortFree('127.0.0.1', port)), 'the load balancer port is released');
    assert.deepEqual(fs.readdirSync(path.join(workDir, 'run')), []);
  });
});

/** Other test files run concurrently and may briefly hold the same ephemeral port, so the check retries. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}
