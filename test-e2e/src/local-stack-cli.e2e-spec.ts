// The commands a newcomer runs, as they run them: the built CLI behind `npm run up`, `status` and
// `down`, started in a state directory of its own on free ports (so it never meets a developer's
// stack), then the real kubectl against the load balancer it starts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findRepoRoot, processState, readProcessRecords, statePaths, withFreePorts } from '@kapi/local-stack';
import { KUBECTL } from './harness.js';

const repoRoot = findRepoRoot();
const node = path.join(repoRoot, 'node_modules', '.bin', 'node');
const cli = path.join(repoRoot, 'deploy', 'dist', 'cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { env, cwd: repoRoot, timeout: 180_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('npm run up / status / down (the local stack CLI)', () => {
  let stateDir: string;
  let env: NodeJS.ProcessEnv;
  const kapi = (command: string) => run(node, [cli, command], env);
  const kubectl = (...args: string[]) =>
    run(KUBECTL, ['--kubeconfig', path.join(stateDir, 'admin.kubeconfig'), '--cache-dir', path.join(stateDir, 'kubectl-cache'), ...args], process.env);
  const pidsOf = () => readProcessRecords(statePaths(stateDir).runDir);

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-cli-'));
    const ports = await withFreePorts({});
    const one = (p: number | number[] | undefined) => String(Array.isArray(p) ? p[0] : p);
    env = {
      ...process.env,
      KAPI_STATE_DIR: stateDir,
      KAPI_ETCD_PORT: String(ports.etcdClientPort),
      KAPI_ETCD_PEER_PORT: String(ports.etcdPeerPort),
      KAPI_NATS_PORT: String(ports.natsPort),
      KAPI_NATS_MONITOR_PORT: String(ports.natsMonitorPort),
      KAPI_FRONT_DOOR_ADDRESS: ports.frontDoorBaseAddress,
      KAPI_FRONT_DOOR_PORT: String(ports.frontDoorPort),
      KAPI_LB_ADDRESS: ports.loadBalancerHost ?? '127.0.0.1',
      KAPI_LB_PORT: String(ports.loadBalancerPort),
      ...Object.fromEntries(Object.entries(ports.servicePorts ?? {}).map(([service, port]) => [`KAPI_${service.toUpperCase().replace(/-/g, '_')}_PORT`, one(port)])),
    };
  });

  after(async () => {
    await kapi('down');
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  /** `status` until it exits 0 (everything running and healthy again), within a generous deadline. */
  const healthyAgain = async () => {
    let status = await kapi('status');
    for (let waited = 0; status.code !== 0 && waited < 120_000; waited += 1000) {
      await sleep(1000);
      status = await kapi('status');
    }
    assert.equal(status.code, 0, `${status.stdout}${status.stderr}`);
    return status;
  };

  it('up starts etcd, NATS, HAProxy and every service as processes of their own, and a supervisor for them, and writes the admin kubeconfig', async () => {
    const up = await kapi('up');
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /^kapi is up: kubectl --kubeconfig \S+admin\.kubeconfig get ns$/m);
    const instances = pidsOf().map((r) => r.instance).sort();
    assert.deepEqual(instances, ['admission-0', 'aggregator-0', 'aggregator-1', 'authn-0', 'authz-0', 'etcd', 'haproxy', 'nats', 'registry-0', 'supervisor', 'watch-cache-0']);
    assert.equal(new Set(pidsOf().map((r) => r.pid)).size, instances.length);

    const ns = await kubectl('get', 'ns', '-o', 'name');
    assert.equal(ns.code, 0, ns.stderr);
    assert.deepEqual(ns.stdout.trim().split('\n').sort(), ['namespace/default', 'namespace/kube-node-lease', 'namespace/kube-public', 'namespace/kube-system']);
  });

  it('status shows every process healthy, none restarted; a second up refuses in one line', async () => {
    const status = await kapi('status');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^INSTANCE\s+PID\s+ALIVE\s+HEALTH\s+RESTARTS\s+LAST EXIT\s+ADDRESS\s+DETAIL$/m);
    assert.match(status.stdout, /^supervisor\s+\d+\s+yes\s+healthy\s+-\s+-\s+-\s+restarts what exits$/m);
    for (const instance of ['etcd', 'nats', 'registry-0', 'watch-cache-0', 'authn-0', 'authz-0', 'admission-0', 'aggregator-0', 'aggregator-1', 'haproxy']) {
      assert.match(status.stdout, new RegExp(`^${instance}\\s+\\d+\\s+yes\\s+healthy\\s+0\\s+-\\s`, 'm'));
    }
    const again = await kapi('up');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^kapi up: kapi is already running from \S+ \(\S+ has pid \d+\); stop it first \(npm run down\)\n$/);
    // What npm run up asks first, so nothing is rebuilt under the running processes.
    const check = await run(node, [cli, 'up', '--check'], env);
    assert.equal(check.code, 1);
    assert.equal(check.stderr, again.stderr);
  });

  it('a front door killed with SIGKILL leaves kubectl working through the load balancer and comes back by itself; status shows the restart', async () => {
    const door = pidsOf().find((r) => r.instance === 'aggregator-0')!;
    process.kill(door.pid, 'SIGKILL');
    for (let i = 0; i < 4; i++) {
      const ns = await kubectl('get', 'ns', 'default', '-o', 'name');
      assert.equal(ns.stdout, 'namespace/default\n', ns.stderr);
    }
    const status = await healthyAgain();
    const restarted = pidsOf().find((r) => r.instance === 'aggregator-0')!;
    assert.notEqual(restarted.pid, door.pid);
    assert.match(status.stdout, new RegExp(`^aggregator-0\\s+${restarted.pid}\\s+yes\\s+healthy\\s+1\\s+SIGKILL, \\d+[sm] ago\\s`, 'm'));
    assert.match(status.stdout, /^aggregator-1\s+\d+\s+yes\s+healthy\s+0\s/m);
  });

  it('so does the only registry replica: the API answers again without anyone running up', async () => {
    const registry = pidsOf().find((r) => r.instance === 'registry-0')!;
    process.kill(registry.pid, 'SIGKILL');
    const status = await healthyAgain();
    assert.match(status.stdout, /^registry-0\s+\d+\s+yes\s+healthy\s+1\s+SIGKILL, \d+[sm] ago\s/m);
    let created = await kubectl('create', 'configmap', 'after-restart', '--from-literal=a=b');
    // The front doors' connections to the new replica may take a moment (their reconnect backoff).
    for (let i = 0; created.code !== 0 && i < 20; i++) {
      await sleep(500);
      created = await kubectl('create', 'configmap', 'after-restart', '--from-literal=a=b');
    }
    assert.equal(created.code, 0, created.stderr);
  });

  it('down stops exactly what up started, the supervisor first, restarts nothing behind its back, and the data survives the next up', async () => {
    assert.equal((await kubectl('create', 'configmap', 'keep', '--from-literal=a=b')).code, 0);
    const records = pidsOf();
    const down = await kapi('down');
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /^supervisor \(pid \d+\): stopped$/m);
    assert.match(down.stdout, /kapi is down/);
    for (const { instance, pid, record } of records) assert.equal(record && processState(record), 'gone', `${instance} (pid ${pid}) is gone`);
    assert.deepEqual(pidsOf(), []);
    // Long enough for any restart a surviving supervisor would have scheduled.
    await sleep(3000);
    assert.deepEqual(pidsOf(), [], 'nothing was started again');
    assert.equal((await run(node, [cli, 'up', '--check'], env)).code, 0);

    const up = await kapi('up');
    assert.equal(up.code, 0, up.stderr);
    assert.equal((await kubectl('get', 'configmap', 'keep', '-o', 'jsonpath={.data.a}')).stdout, 'b');
  });
});
