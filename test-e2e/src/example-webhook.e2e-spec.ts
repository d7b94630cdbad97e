// The local stack with the example admission webhook (KAPI_EXAMPLE_WEBHOOK=true npm run up): the
// service runs as one more process of the stack with a certificate of its own, its webhook
// configurations are registered with kapi calling it by URL with its CA as caBundle, and it answers
// over HTTPS. Whether kapi calls it is example-webhook-admission.e2e-spec.ts's to show.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { exampleWebhookPkiDir, exampleWebhookUrl, stackStatus, statePaths } from '@kapi/local-stack';
import { startTestStack, type TestStack } from './harness.js';

function post(url: string, ca: Buffer, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the example webhook beside the local stack', () => {
  let stack: TestStack;
  let url: string;
  let ca: Buffer;

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1, exampleWebhook: true });
    url = exampleWebhookUrl(stack.handle.topology.exampleWebhook!);
    ca = readFileSync(join(exampleWebhookPkiDir(statePaths(stack.handle.stateDir)), 'ca.crt'));
  });

  after(async () => {
    await stack?.stop();
  });

  it('runs as a process of the stack, healthy in its status', async () => {
    const process = stack.handle.processes.find((candidate) => candidate.instance === 'example-webhook');
    assert.ok(process, 'the stack started the example webhook');
    assert.equal(process.kind, 'webhook');
    const row = (await stackStatus(stack.handle.stateDir, stack.handle.topology)).find((candidate) => candidate.instance === 'example-webhook');
    assert.deepEqual([row?.state, row?.health], ['running', { healthy: true, detail: '/readyz 200' }]);
  });

  it('registers its configurations with kapi, calling it by URL with its CA as caBundle', async () => {
    for (const [kind, path] of [
      ['mutatingwebhookconfiguration', '/mutate-default-requests'],
      ['validatingwebhookconfiguration', '/validate-owner'],
    ]) {
      const got = await stack.kubectl(['get', kind, 'kapi-example-owner-webhook', '-o', 'json']);
      assert.equal(got.code, 0, got.stderr);
      const [webhook] = JSON.parse(got.stdout).webhooks;
      assert.equal(webhook.clientConfig.url, `${url}${path}`);
      assert.equal(Buffer.from(webhook.clientConfig.caBundle, 'base64').toString(), ca.toString());
      assert.equal(webhook.sideEffects, 'None');
    }
  });

  it('answers an AdmissionReview over HTTPS verified against that caBundle', async () => {
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'e2e-1',
        kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
        resource: { group: 'apps', version: 'v1', resource: 'deployments' },
        name: 'web',
        namespace: 'team-a',
        operation: 'CREATE',
        userInfo: { username: 'kubernetes-admin' },
        object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'team-a' } },
      },
    };
    const reply = await post(`${url}/validate-owner?timeout=5s`, ca, JSON.stringify(review));
    assert.equal(reply.status, 200, reply.body);
    const { response } = JSON.parse(reply.body);
    assert.equal(response.uid, 'e2e-1');
    assert.equal(response.allowed, false);
    assert.match(response.status.message, /^Deployment "web" has no "owner" label/);
  });

  it('is started again the way it was started, with the same certificate', async () => {
    await stack.handle.restartInstance('example-webhook');
    const reply = await post(`${url}/validate-owner`, ca, '{}');
    assert.equal(reply.status, 400);
  });
});
