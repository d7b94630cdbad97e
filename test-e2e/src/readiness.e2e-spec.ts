// Ready means ready for everyone. kube-apiserver's /readyz waits for poststarthook/rbac/bootstrap-roles
// and for its informers (informer-sync), so an ordinary user is never refused what the bootstrap roles
// grant once it passes; kapi's front door waits for the registry to have written that policy and for
// authz's RBAC cache to have read it. The same holds for an authz replica started again later, once it
// reports ready itself.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from '@kapi/authorization';
import { createClient, unary } from '@kapi/grpc';
import { METRICS_ADDRESS } from '@kapi/local-stack';
import { healthV1 } from '@kapi/proto';
import { anonymousGet, apiRequest, credentialsOf, eventually, startTestStack, userlessKubeconfig, type TestStack } from './harness.js';

const JANE = { username: 'jane', uid: '1001', groups: ['dev', 'system:authenticated'] };

/** How many objects of each RBAC resource an authz replica's cache holds, from its /metrics. */
function authzCacheSizes(address: string): Promise<Record<string, number>> {
  const port = Number(address.split(':').at(-1));
  return new Promise((resolve, reject) => {
    httpRequest({ host: METRICS_ADDRESS, port, path: '/metrics' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(Object.fromEntries([...body.matchAll(/^kapi_authz_rbac_(\w+) (\d+)$/gm)].map((m) => [m[1], Number(m[2])]))));
    })
      .on('error', reject)
      .end();
  });
}

describe('readiness and the bootstrap RBAC policy', { timeout: 300_000 }, () => {
  let stack: TestStack;
  let userless: string;
  let dir: string;
  const asJane = (args: string[]) => stack.kubectl(['--kubeconfig', userless, '--token=jane-token', ...args]);

  /** What the bootstrap roles grant jane, asked the way a user would, with no retry. */
  const janeIsServed = async () => {
    const whoami = await asJane(['auth', 'whoami', '-o', 'json']);
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.deepEqual(JSON.parse(whoami.stdout).status.userInfo, JANE);
    const canI = await asJane(['auth', 'can-i', 'create', 'selfsubjectaccessreviews.authorization.k8s.io']);
    assert.equal(canI.stdout, 'yes\n', canI.stderr);
    const resources = await asJane(['api-resources', '--api-group=rbac.authorization.k8s.io', '-o', 'name']);
    assert.equal(resources.code, 0, resources.stderr);
    assert.match(resources.stdout, /^clusterroles\.rbac\.authorization\.k8s\.io$/m);
  };

  /** The authz replica's cache holds at least every bootstrap role and binding. */
  const authzHoldsThePolicy = async (address: string) => {
    const sizes = await authzCacheSizes(address);
    assert.ok(sizes.clusterroles >= bootstrapClusterRoles().length, `clusterroles: ${JSON.stringify(sizes)}`);
    assert.ok(sizes.clusterrolebindings >= bootstrapClusterRoleBindings().length, `clusterrolebindings: ${JSON.stringify(sizes)}`);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kapi-readiness-'));
    const tokens = join(dir, 'tokens.csv');
    writeFileSync(tokens, 'jane-token,jane,1001,dev\n');
    stack = await startTestStack({ aggregatorReplicas: 1, env: { KAPI_TOKEN_AUTH_FILE: tokens } });
    userless = userlessKubeconfig(stack);
  });

  after(async () => {
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves an ordinary user what the bootstrap roles grant as soon as the stack reports ready', async () => {
    // The first thing after startTestStack: the load balancer's /readyz has just passed.
    const authz = stack.handle.processes.find((p) => p.instance === 'authz-0')!;
    await authzHoldsThePolicy(authz.address);
    await janeIsServed();
  });

  it('lists kube\'s informer-sync, poststarthook/rbac/bootstrap-roles and the informers\' post-start hooks in /readyz?verbose, each at its own path', async () => {
    const verbose = await apiRequest(stack, 'GET', '/readyz?verbose');
    assert.equal(verbose.code, 200, verbose.body);
    const lines = verbose.body.split('\n');
    for (const line of [
      '[+]ping ok',
      '[+]etcd ok',
      '[+]informer-sync ok',
      '[+]authz ok',
      '[+]registry ok',
      '[+]poststarthook/rbac/bootstrap-roles ok',
      '[+]poststarthook/crd-informer-synced ok',
      '[+]poststarthook/start-kube-aggregator-informers ok',
      '[+]poststarthook/apiservice-registration-controller ok',
      '[+]shutdown ok',
    ]) {
      assert.ok(lines.includes(line), `${line} in:\n${verbose.body}`);
    }
    assert.deepEqual(await apiRequest(stack, 'GET', '/readyz/poststarthook/rbac/bootstrap-roles').then((r) => [r.code, r.body]), [200, 'ok']);
    assert.deepEqual(await apiRequest(stack, 'GET', '/healthz/poststarthook/rbac/bootstrap-roles').then((r) => [r.code, r.body]), [200, 'ok']);
    assert.deepEqual(await apiRequest(stack, 'GET', '/readyz/informer-sync').then((r) => [r.code, r.body]), [200, 'ok']);
    assert.deepEqual(await apiRequest(stack, 'GET', '/readyz/poststarthook/apiservice-registration-controller').then((r) => [r.code, r.body]), [200, 'ok']);
  });

  /** Asks one authz replica's own Health, not the front door's (which keeps answers for a second). */
  const authzHealth = async (address: string) => {
    const health = createClient(healthV1.HealthClient, [address], credentialsOf(stack).channelTo('authz'), 'authz');
    try {
      return await unary('authz', 'Check', health.check.bind(health), {}, { timeoutMs: 2000 });
    } finally {
      health.close();
    }
  };

  it('an authz replica started again reports ready only once its cache holds the policy', async () => {
    for (let round = 0; round < 3; round++) {
      const authz = await stack.handle.restartInstance('authz-0');
      await eventually(async () => assert.equal((await authzHealth(authz.address)).ready, true));
      await authzHoldsThePolicy(authz.address);
      await janeIsServed();
    }
  });

  it('an authz replica that has listed everything stays unready until the registry has written the policy and the cache has read it', async () => {
    // The start-up race made certain: a bootstrap binding is missing when authz lists, and comes back
    // only when the registry bootstraps again.
    const deleted = await stack.kubectl(['delete', 'clusterrolebinding', 'system:basic-user']);
    assert.equal(deleted.code, 0, deleted.stderr);
    await eventually(async () => assert.match((await asJane(['auth', 'whoami'])).stderr, /you do not have permission to call it/));
    await stack.handle.killInstance('registry-0');
    const authz = await stack.handle.restartInstance('authz-0');
    await eventually(async () => {
      const checks = (await authzHealth(authz.address)).checks;
      assert.equal(checks.find((c) => c.name === 'informer-sync')?.ok, true, JSON.stringify(checks));
    });
    const held = await authzHealth(authz.address);
    assert.equal(held.ready, false);
    assert.equal(held.checks.find((c) => c.name === 'poststarthook/rbac/bootstrap-roles')?.ok, false, JSON.stringify(held.checks));

    await stack.handle.restartInstance('registry-0');
    // The registry writes the binding again; its event reaches the watch-cache once this registry leads publishing.
    await eventually(async () => assert.equal((await authzHealth(authz.address)).ready, true), 120_000);
    await authzHoldsThePolicy(authz.address);
    await janeIsServed();
  });

  it('an authz replica whose RBAC cache has not listed yet answers 503 for everyone RBAC decides (never a 403), and still decides for system:masters', async () => {
    // Its cache lists through the watch cache: without one, a restarted authz cannot list.
    await stack.handle.killInstance('watch-cache-0');
    const authz = await stack.handle.restartInstance('authz-0');
    await eventually(async () => assert.equal((await authzHealth(authz.address)).checks.find((c) => c.name === 'informer-sync')?.ok, false));
    // Until the front door's channel reconnects to the new process, the refusal names the connection.
    const codes = new Set<number>();
    await eventually(async () => {
      const refused = await anonymousGet(stack, '/api/v1/namespaces/default', 'jane-token');
      codes.add(refused.code);
      assert.equal(refused.code, 503, refused.body);
      const status = JSON.parse(refused.body);
      assert.equal(status.reason, 'ServiceUnavailable');
      assert.match(status.message, /^the authz service is unavailable: its RBAC cache is not synced yet \([a-z, ]+\)$/, refused.body);
    });
    assert.deepEqual([...codes], [503]);
    const admin = await stack.kubectl(['get', 'namespace', 'default', '-o', 'name']);
    assert.equal(admin.stdout, 'namespace/default\n', admin.stderr);

    await stack.handle.restartInstance('watch-cache-0');
    await eventually(async () => assert.equal((await anonymousGet(stack, '/api/v1/namespaces/default', 'jane-token')).code, 403), 60_000);
    await janeIsServed();
  });
});
