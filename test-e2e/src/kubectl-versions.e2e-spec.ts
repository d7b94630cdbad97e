// kubectl of every minor version the machine has (its Google Cloud SDK ships kubectl.1.27 to
// kubectl.1.33 beside the kubectl on the PATH): each one drives the slice against the same
// stack. Older clients read discovery, OpenAPI and watches differently (legacy discovery before
// aggregated discovery, OpenAPI v2 for client-side apply and explain), so each must find what it
// asks for.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { startTestStack, type TestStack } from './harness.js';

/** Every kubectl.1.NN the machine has, by minor version: on the PATH, or beside the Google Cloud SDK's gcloud. */
function versionedKubectls(): Map<number, string> {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of [...dirs]) {
    const gcloud = join(dir, 'gcloud');
    if (existsSync(gcloud)) dirs.push(dirname(realpathSync(gcloud)));
  }
  dirs.push('/usr/lib/google-cloud-sdk/bin');
  const found = new Map<number, string>();
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const minor = /^kubectl\.1\.(\d+)$/.exec(name)?.[1];
      if (minor && !found.has(Number(minor))) found.set(Number(minor), join(dir, name));
    }
  }
  return new Map([...found].sort(([a], [b]) => a - b));
}

const KUBECTLS = versionedKubectls();

describe('kubectl of every minor version on the machine', { timeout: 600_000 }, () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1 });
  });

  after(async () => {
    await stack?.stop();
  });

  it('finds the versioned kubectl binaries', () => {
    assert.ok(KUBECTLS.size > 0, 'no kubectl.1.NN on the PATH or beside gcloud');
    for (const [minor, binary] of KUBECTLS) {
      const client = JSON.parse(execFileSync(binary, ['version', '--client', '-o', 'json'], { encoding: 'utf8' })).clientVersion;
      assert.equal(client.minor.replace(/\D+$/, ''), String(minor), binary);
    }
  });

  for (const [minor, binary] of KUBECTLS) {
    it(`kubectl 1.${minor}: namespaces, configmaps, labels, apply, watch, explain and discovery`, async () => {
      const kubectl = async (args: string[], input?: string) => {
        const res = await stack.kubectl(args, { binary, input });
        assert.equal(res.code, 0, `kubectl 1.${minor} ${args.join(' ')}: ${res.stderr}`);
        return res.stdout;
      };
      const ns = `kubectl-1-${minor}`;

      const version = JSON.parse(await kubectl(['version', '-o', 'json']));
      assert.match(version.serverVersion.gitVersion, /^v1\.\d+\.\d+/);

      const namespaces = (await kubectl(['get', 'ns', '-o', 'name'])).split('\n');
      for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.ok(namespaces.includes(`namespace/${name}`), name);
      assert.equal(await kubectl(['create', 'namespace', ns]), `namespace/${ns} created\n`);

      // A watch opened before the writes sees them.
      const watch = stack.kubectlStream(['get', 'configmaps', '-n', ns, '-w', '-o', 'name'], { binary });
      try {
        assert.equal(await kubectl(['create', 'configmap', 'settings', '-n', ns, '--from-literal=mode=fast']), 'configmap/settings created\n');
        await watch.waitFor(/configmap\/settings/);
        assert.equal(await kubectl(['label', 'configmap', 'settings', '-n', ns, 'tier=web']), 'configmap/settings labeled\n');
        assert.equal(await kubectl(['get', 'configmaps', '-n', ns, '-l', 'tier=web', '-o', 'name']), 'configmap/settings\n');
        assert.equal(await kubectl(['get', 'configmap', 'settings', '-n', ns, '-o', 'jsonpath={.data.mode}']), 'fast');

        // Client-side apply reads the OpenAPI document; server-side apply does not need to.
        const manifest = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  mode: ${value}\n`;
        assert.equal(await kubectl(['apply', '-f', '-'], manifest('applied', 'one')), 'configmap/applied created\n');
        assert.equal(await kubectl(['apply', '-f', '-'], manifest('applied', 'two')), 'configmap/applied configured\n');
        assert.equal(await kubectl(['apply', '--server-side', '-f', '-'], manifest('server-applied', 'three')), 'configmap/server-applied serverside-applied\n');
        await watch.waitFor(/configmap\/server-applied/);
      } finally {
        watch.child.kill();
      }

      assert.match(await kubectl(['explain', 'configmap.data']), /^KIND:\s+ConfigMap/m);
      assert.match(await kubectl(['api-resources', '--api-group=apps', '-o', 'name']), /^deployments\.apps$/m);
      assert.equal(await kubectl(['auth', 'can-i', 'delete', 'configmaps', '-n', ns]), 'yes\n');

      assert.equal(await kubectl(['delete', 'configmap', 'settings', 'applied', 'server-applied', '-n', ns]), 'configmap "settings" deleted\nconfigmap "applied" deleted\nconfigmap "server-applied" deleted\n');
      assert.equal(await kubectl(['delete', 'namespace', ns]), `namespace "${ns}" deleted\n`);
    });
  }
});
