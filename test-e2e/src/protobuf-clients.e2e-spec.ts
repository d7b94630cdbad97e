// Typed clients that write and read protobuf, as e2e.test, kube-controller-manager and kube-scheduler
// do: test-e2e/go/protobuf-client creates a CustomResourceDefinition and a Deployment and writes the
// Deployment's status, all as application/vnd.kubernetes.protobuf, and checks that what it reads
// back is what it sent; then it gets, lists and watches ConfigMaps, Pods, Nodes and Deployments and
// reports the Content-Type of each answer (protobuf for built-in kinds, as kube answers a client
// that prefers it; JSON for a custom resource). Built from the Go module proxy with the machine's
// Go, run against a stack.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildGoProgram, startTestStack, type TestStack } from './harness.js';

const run = promisify(execFile);
const NS = 'protobuf-client';
const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const PROTOBUF_WATCH = 'application/vnd.kubernetes.protobuf;stream=watch';

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
      .map((l) => JSON.parse(l) as { event: string; name?: string; contentType?: string; error?: string });
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
      { event: 'deployment-get', contentType: PROTOBUF },
      { event: 'deployment-list', contentType: PROTOBUF },
      { event: 'configmap-get', contentType: PROTOBUF },
      { event: 'configmap-list', contentType: PROTOBUF },
      { event: 'configmap-watch', name: 'MODIFIED settings', contentType: PROTOBUF_WATCH },
      { event: 'configmap-watch-delete', name: 'DELETED settings', contentType: PROTOBUF_WATCH },
      { event: 'configmap-not-found', contentType: PROTOBUF },
      { event: 'pod-list', contentType: PROTOBUF },
      { event: 'pod-watch', name: 'ADDED worker', contentType: PROTOBUF_WATCH },
      { event: 'pod-get', contentType: PROTOBUF },
      { event: 'node-watch', name: 'ADDED pb-node', contentType: PROTOBUF_WATCH },
      { event: 'node-list', contentType: PROTOBUF },
      { event: 'deployment-scale', contentType: PROTOBUF },
      { event: 'deployment-watch', name: 'MODIFIED web', contentType: PROTOBUF_WATCH },
      { event: 'access-review', contentType: PROTOBUF },
      { event: 'deployment-metadata-list', contentType: PROTOBUF },
      { event: 'widget-metadata-list', contentType: PROTOBUF },
      { event: 'configmap-metadata-watch', name: 'ADDED meta', contentType: PROTOBUF_WATCH },
      { event: 'widget-list', contentType: 'application/json' },
      { event: 'widget-list-protobuf-only', contentType: PROTOBUF },
      { event: 'done' },
    ]);

    // kubectl, which reads JSON, still reads what the protobuf client wrote.
    const pods = await stack.kubectl(['get', 'pods', '-n', NS, '-o', 'yaml']);
    assert.equal(pods.code, 0, pods.stderr);
    assert.match(pods.stdout, /note: protobuf/);
    const raw = await stack.kubectl(['get', '--raw', `/api/v1/namespaces/${NS}/configmaps`]);
    assert.equal(raw.code, 0, raw.stderr);
    assert.equal((JSON.parse(raw.stdout) as { kind: string }).kind, 'ConfigMapList');

    // The custom resource the CRD defines is served, with the schema's default applied.
    const cr = await stack.kubectl(['apply', '-n', NS, '-o', 'jsonpath={.spec.size}', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'protobuf.example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { color: 'red' } }),
    });
    assert.equal(cr.code, 0, cr.stderr);
    assert.equal(cr.stdout, '3');
  });
});
