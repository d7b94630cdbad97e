// Through kapi: the example admission webhook denies and mutates what kubectl writes, in kube's
// words.
//
// The expected lines are what kube-apiserver v1.34.2 and kubectl printed for the same objects and
// the same webhook (examples/owner-webhook registered by URL, recorded by hand against the reference
// kube-apiserver); only the namespace, the file name and the port differ, and a failed call's
// message ends with how long the webhook took, which kapi adds to kube's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exampleWebhookUrl } from '@kapi/local-stack';
import { startTestStack, type TestStack } from './harness.js';

const deployment = (name: string, namespace: string, labels: Record<string, string>) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } },
    },
  });

const WARNING = 'Warning: container "nginx" has no resource requests; the default ones were added (cpu: 100m, memory: 128Mi)';
const denial = (name: string, namespace: string) =>
  `admission webhook "require-owner.kapi.example" denied the request: Deployment "${name}" has no "owner" label: namespace "${namespace}" requires one (kapi.example/require-owner=true); add metadata.labels.owner`;

describe('the example webhook admits what kubectl writes through kapi', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1, exampleWebhook: true });
    for (const args of [
      ['create', 'namespace', 'team-a'],
      ['label', 'namespace', 'team-a', 'kapi.example/require-owner=true', 'kapi.example/default-requests=true'],
      ['create', 'namespace', 'free'],
    ]) {
      const result = await stack.kubectl(args);
      assert.equal(result.code, 0, result.stderr);
    }
  });

  after(async () => {
    await stack?.stop();
  });

  it('denies a Deployment without an owner in a labelled namespace, after the mutating webhook warned', async () => {
    const result = await stack.kubectl(['apply', '-f', '-'], { input: deployment('web', 'team-a', { app: 'web' }) });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, `${WARNING}\nError from server (Forbidden): error when creating "STDIN": ${denial('web', 'team-a')}\n`);
  });

  it('admits a Deployment with an owner, with the default requests the mutating webhook patched in', async () => {
    const result = await stack.kubectl(['apply', '-f', '-'], { input: deployment('web', 'team-a', { app: 'web', owner: 'alice' }) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'deployment.apps/web created\n');
    assert.equal(result.stderr, `${WARNING}\n`);
    const resources = await stack.kubectl(['-n', 'team-a', 'get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].resources}']);
    assert.equal(resources.stdout, '{"requests":{"cpu":"100m","memory":"128Mi"}}');
  });

  it('defaults the requests of a Pod made with kubectl run', async () => {
    const result = await stack.kubectl(['-n', 'team-a', 'run', 'p', '--image=nginx:1.27']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, 'Warning: container "p" has no resource requests; the default ones were added (cpu: 100m, memory: 128Mi)\n');
    const resources = await stack.kubectl(['-n', 'team-a', 'get', 'pod', 'p', '-o', 'jsonpath={.spec.containers[0].resources}']);
    assert.equal(resources.stdout, '{"requests":{"cpu":"100m","memory":"128Mi"}}');
  });

  it('denies removing the owner of a Deployment', async () => {
    const result = await stack.kubectl(['-n', 'team-a', 'label', 'deployment', 'web', 'owner-']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `Error from server (Forbidden): ${denial('web', 'team-a')}\n`);
  });

  it('denies a server-side dry run too (the webhooks have no side effects)', async () => {
    const result = await stack.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: deployment('web2', 'team-a', { app: 'web2' }) });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `${WARNING}\nError from server (Forbidden): error when creating "STDIN": ${denial('web2', 'team-a')}\n`);
  });

  it('leaves namespaces without the labels alone', async () => {
    const result = await stack.kubectl(['apply', '-f', '-'], { input: deployment('web', 'free', { app: 'web' }) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const resources = await stack.kubectl(['-n', 'free', 'get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].resources}']);
    assert.equal(resources.stdout, '{}');
  });

  it('with the webhook down, fails closed for the rule (Fail) and open for the defaults (Ignore)', async () => {
    await stack.handle.killInstance('example-webhook');
    const url = exampleWebhookUrl(stack.handle.topology.exampleWebhook!);
    const { port } = stack.handle.topology.exampleWebhook!;
    const refused = await stack.kubectl(['apply', '-f', '-'], { input: deployment('web3', 'team-a', { app: 'web3' }) });
    assert.equal(refused.code, 1);
    const kube = `Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "require-owner.kapi.example": failed to call webhook: Post "${url}/validate-owner?timeout=5s": dial tcp 127.0.0.1:${port}: connect: connection refused`;
    assert.match(refused.stderr, new RegExp(`^${kube.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(after \\d+\\.\\d{3}s\\)\n$`));
    const pod = await stack.kubectl(['-n', 'team-a', 'run', 'p2', '--image=nginx:1.27']);
    assert.equal(pod.code, 0, pod.stderr);
    const resources = await stack.kubectl(['-n', 'team-a', 'get', 'pod', 'p2', '-o', 'jsonpath={.spec.containers[0].resources}']);
    assert.equal(resources.stdout, '{}');
  });
});
