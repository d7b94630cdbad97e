import assert from 'node:assert/strict';
import * as net from 'node:net';
import { describe, test } from 'node:test';
import { StackError } from './errors';
import { freePort, isPortFree, waitForHttpsUrl, waitForTcpPort } from './network';

describe('ports', () => {
  test('a port in use is reported busy, and free again once released', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    assert.equal(await isPortFree('127.0.0.1', port), false);
    await waitForTcpPort('127.0.0.1', port, { timeoutMs: 1000 });
    await new Promise((resolve) => server.close(resolve));
    assert.equal(await isPortFree('127.0.0.1', port), true);
  });

  test('freePort returns a bindable port', async () => {
    const port = await freePort();
    assert.ok(port > 0 && port < 65536);
    assert.equal(await isPortFree('127.0.0.1', port), true);
  });
});

describe('waiting', () => {
  test('gives up on a closed port after the timeout with a one-line error naming it', async () => {
    const port = await freePort();
    const started = Date.now();
    await assert.rejects(waitForTcpPort('127.0.0.1', port, { timeoutMs: 400, label: 'registry-0' }), (error: Error) => {
      assert.ok(error instanceof StackError);
      assert.match(error.message, new RegExp(`^timed out after 0\\.4s waiting for 127\\.0\\.0\\.1:${port} \\(registry-0\\)`));
      assert.match(error.message, /ECONNREFUSED/);
      assert.ok(!error.message.includes('\n'));
      return true;
    });
    assert.ok(Date.now() - started < 2000);
  });

  test('stops at once when aborted', async () => {
    const port = await freePort();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('process exited')), 100);
    const started = Date.now();
    await assert.rejects(waitForHttpsUrl(`http://127.0.0.1:${port}/health`, { timeoutMs: 30_000, signal: controller.signal }), /process exited/);
    assert.ok(Date.now() - started < 2000);
  });
});
