// client-go, unchanged, as kube's controllers use it: test-e2e/go/informer is a Go program with a
// shared informer on ConfigMaps, a typed client that writes as protobuf (as kube-controller-manager
// does), server-side apply, discovery with a REST mapping, a dynamic client and leader election on
// a Lease. It is built from the Go module proxy with the machine's Go
// and run against a stack; it prints a JSON line per thing it sees.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { apiRequest, buildGoProgram, startTestStack, type TestStack } from './harness.js';

const run = promisify(execFile);
const NS = 'client-go';

describe('client-go against kapi', { timeout: 600_000 }, () => {
  let stack: TestStack;
  let program: string;

  before(async () => {
    const [binary, started] = await Promise.all([buildGoProgram('informer'), startTestStack({ aggregatorReplicas: 1 })]);
    program = binary;
    stack = started;
  });

  after(async () => {
    await stack?.stop();
  });

  /** Runs the program in its own namespace, holding one ConfigMap from before, and returns what it printed. */
  const runProgram = async (namespace: string, env: NodeJS.ProcessEnv = {}) => {
    for (const args of [['create', 'namespace', namespace], ['create', 'configmap', 'existing', '-n', namespace, '--from-literal=value=before']]) {
      const res = await stack.kubectl(args);
      assert.equal(res.code, 0, res.stderr);
    }
    const { stdout } = await run(program, ['--kubeconfig', stack.handle.kubeconfigPath, '--namespace', namespace], { timeout: 120_000, env: { ...process.env, ...env } }).catch(
      (err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`the client-go program failed: ${err.stdout ?? ''}${err.stderr ?? err.message}`);
      },
    );
    return stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; name?: string; value?: string });
  };
  const EXPECTED = [
    { event: 'synced' },
    { event: 'add', name: 'existing', value: 'before' },
    { event: 'add', name: 'written', value: 'one' },
    { event: 'update', name: 'written', value: 'two' },
    { event: 'delete', name: 'written' },
    { event: 'add', name: 'applied', value: 'three' },
    { event: 'applied', name: 'applied', value: 'client-go-e2e' },
    { event: 'mapped', name: 'apps/v1, Resource=deployments', value: 'namespace' },
    { event: 'dynamic-list', value: 'applied,existing' },
    { event: 'leading', name: 'client-go-e2e', value: 'client-go-e2e-1' },
    { event: 'done' },
  ];

  /** How many configmap LISTs the front door has answered, from its /metrics. */
  const configMapLists = async () => {
    const res = await apiRequest(stack, 'GET', '/metrics');
    return [...res.body.matchAll(/^apiserver_request_total\{([^}]*)\} (\d+)$/gm)]
      .filter(([, labels]) => labels.includes('verb="LIST"') && labels.includes('resource="configmaps"'))
      .reduce((sum, [, , n]) => sum + Number(n), 0);
  };

  it('an informer lists and watches, protobuf writes and an apply land, discovery maps, and leader election takes a Lease', async () => {
    const before = await configMapLists();
    assert.deepEqual(await runProgram(NS), EXPECTED);
    // The reflector's list and the dynamic client's.
    assert.ok((await configMapLists()) - before >= 2, 'the reflector listed');
  });

  it('the same with streaming lists (WatchListClient): the initial state comes by watch, without a LIST', async () => {
    const before = await configMapLists();
    assert.deepEqual(await runProgram(`${NS}-watch-list`, { KUBE_FEATURE_WatchListClient: 'true' }), EXPECTED);
    assert.equal((await configMapLists()) - before, 1, 'only the dynamic client listed, not the reflector');
  });
});
