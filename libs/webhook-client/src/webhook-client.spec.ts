import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_WEBHOOK_BACKOFF, loadWebhookKubeconfig, webhookClient, WebhookError, withRetries } from './webhook-client.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'kapi-webhook-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('loadWebhookKubeconfig', () => {
  it("reads the current context's cluster and user, files relative to the kubeconfig", () =>
    withDir((dir) => {
      writeFileSync(join(dir, 'ca.crt'), 'CA');
      writeFileSync(join(dir, 'client.key'), 'KEY');
      writeFileSync(
        join(dir, 'webhook.yaml'),
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          '  - name: other',
          '    cluster: { server: https://other.invalid }',
          '  - name: authz',
          '    cluster: { server: "https://127.0.0.1:8443/authorize", certificate-authority: ca.crt }',
          'users:',
          '  - name: apiserver',
          `    user: { client-certificate-data: ${Buffer.from('CERT').toString('base64')}, client-key: ${join(dir, 'client.key')} }`,
          'contexts:',
          '  - name: webhook',
          '    context: { cluster: authz, user: apiserver }',
          'current-context: webhook',
        ].join('\n'),
      );
      const c = loadWebhookKubeconfig(join(dir, 'webhook.yaml'));
      assert.equal(c.server, 'https://127.0.0.1:8443/authorize');
      assert.equal(c.ca?.toString(), 'CA');
      assert.equal(c.cert?.toString(), 'CERT');
      assert.equal(c.key?.toString(), 'KEY');
      assert.equal(c.insecureSkipTlsVerify, false);
    }));

  it('takes the only cluster and user when no context is named', () =>
    withDir((dir) => {
      const file = join(dir, 'w.yaml');
      writeFileSync(file, 'clusters:\n  - name: c\n    cluster: { server: "https://h:1/x", insecure-skip-tls-verify: true }\nusers:\n  - name: u\n    user: { token: abc }\n');
      const c = loadWebhookKubeconfig(file);
      assert.equal(c.server, 'https://h:1/x');
      assert.equal(c.token, 'abc');
      assert.equal(c.insecureSkipTlsVerify, true);
    }));

  it('names the file when it is missing, names no server, or names an unreadable certificate', () =>
    withDir((dir) => {
      assert.throws(() => loadWebhookKubeconfig(join(dir, 'absent.yaml')), /webhook configuration .*absent\.yaml cannot be read/);
      writeFileSync(join(dir, 'empty.yaml'), 'kind: Config\n');
      assert.throws(() => loadWebhookKubeconfig(join(dir, 'empty.yaml')), /names no cluster server/);
      writeFileSync(join(dir, 'ca.yaml'), 'clusters:\n  - name: c\n    cluster: { server: "https://h:1", certificate-authority: nope.crt }\n');
      assert.throws(() => loadWebhookKubeconfig(join(dir, 'ca.yaml')), /certificate-authority .*nope\.crt, which cannot be read/);
    }));
});

describe('withRetries', () => {
  const noSleep = async () => {};

  it('retries transient failures with growing delays, up to the backoff steps', async () => {
    const delays: number[] = [];
    let calls = 0;
    await assert.rejects(
      withRetries(async () => {
        calls++;
        throw new WebhookError('500', true);
      }, DEFAULT_WEBHOOK_BACKOFF, async (ms) => void delays.push(ms)),
      { message: '500' },
    );
    assert.equal(calls, DEFAULT_WEBHOOK_BACKOFF.steps);
    assert.equal(delays.length, DEFAULT_WEBHOOK_BACKOFF.steps - 1);
    for (let i = 1; i < delays.length; i++) assert.ok(delays[i] > delays[i - 1] * 1.2, `${delays}`);
  });

  it('does not retry a failure that is not transient, and returns the first success', async () => {
    let calls = 0;
    await assert.rejects(withRetries(async () => (calls++, Promise.reject(new WebhookError('refused', false))), DEFAULT_WEBHOOK_BACKOFF, noSleep));
    assert.equal(calls, 1);
    let tries = 0;
    const answer = await withRetries(async () => (++tries < 3 ? Promise.reject(new WebhookError('reset', true)) : 'ok'), DEFAULT_WEBHOOK_BACKOFF, noSleep);
    assert.equal(answer, 'ok');
    assert.equal(tries, 3);
  });
});

describe('webhookClient', () => {
  it('fails at once, naming the URL, when nothing listens', async () => {
    const post = webhookClient({ server: 'https://127.0.0.1:1/authorize' }, { sleep: async () => {} });
    await assert.rejects(post({}), (err: Error) => err instanceof WebhookError && err.message.startsWith('Post "https://127.0.0.1:1/authorize": '));
  });
});

describe('webhookClient timeout', () => {
  it('gives up after its timeout on a server that never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const post = webhookClient({ server: `https://127.0.0.1:${port}/review` }, { timeoutMs: 200, sleep: async () => {} });
      await assert.rejects(post({}), { name: 'WebhookError', message: `Post "https://127.0.0.1:${port}/review": the request timed out after 0.2s` });
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
