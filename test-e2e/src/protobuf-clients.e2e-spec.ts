// Typed clients that write protobuf, as e2e.test, kube-controller-manager and kube-scheduler do:
// test-e2e/go/protobuf-client creates a CustomResourceDefinition and a Deployment and writes the
// Deployment's status, all as application/vnd.kubernetes.protobuf, and checks that what it reads
// back is what it sent. Built from the Go module proxy with the machine's Go, run against a stack.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildGoProgram, startTestStack, type TestStack } from './harness.js';

const run = promisify(execFile);
const NS = 'protobuf-client';

describe('typed clients writing protobuf', { timeout: 600_000 }, () => {
  let stack: TestStack;
  let program: string;

  before(async () => {
    const [binary, started] = await Promise.all([buildGoProgram('protobuf-client'), startTestStack({ aggregatorReplicas: 1 })]);
    program = binary;
    stack = started;
  });

  after(async () => {
    await stack?.stop();
  });

  it('creates a CRD and a Deployment and writes its status in protobuf, and reads back what it sent', async () => {
    const created = await stack.kubectl(['create', 'namespace', NS]);
    assert.equal(created.code, 0, created.stderr);
    const { stdout } = await run(program, ['--kubeconfig', stack.handle.kubeconfigPath, '--namespace', NS], { timeout: 180_000 }).catch(
      (err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`the protobuf client failed: ${err.stdout ?? ''}${err.stderr ?? err.message}`);
      },
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; name?: string; error?: string });
    assert.deepEqual(lines, [
      { event: 'crd-created', name: 'widgets.protobuf.example.com' },
      { event: 'crd-schema' },
      { event: 'crd-subresources' },
      { event: 'crd-established' },
      { event: 'deployment-created', name: 'web' },
      { event: 'deployment-replicas' },
      { event: 'deployment-strategy' },
      { event: 'deployment-volumes' },
      { event: 'deployment-container' },
      { event: 'deployment-status' },
      { event: 'done' },
    ]);

    // The custom resource the CRD defines is served, with the schema's default applied.
    const cr = await stack.kubectl(['apply', '-n', NS, '-o', 'jsonpath={.spec.size}', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'protobuf.example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { color: 'red' } }),
    });
    assert.equal(cr.code, 0, cr.stderr);
    assert.equal(cr.stdout, '3');
  });
});
