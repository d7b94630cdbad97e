// ResourceQuota against a real stack, through kubectl: the quota controller computes a new quota's
// status from what the namespace already holds, admission charges creates up to the limit and
// refuses the next one in kube's words, `kubectl describe quota` shows used and hard, deleting an
// object gives its usage back (the controller), and concurrent creates through two admission
// replicas are counted exactly. Every message is the one kube-apiserver v1.34 answers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startTestStack, type TestStack } from './harness.js';

describe('ResourceQuota', () => {
  let stack: TestStack;
  const kubectl = (args: string[], input?: string) => stack.kubectl(['-n', 'quota', ...args], input === undefined ? {} : { input });
  const used = async () => {
    const res = await kubectl(['get', 'quota', 'compute', '-o', 'jsonpath={.status.used}']);
    assert.equal(res.code, 0, res.stderr);
    return res.stdout ? (JSON.parse(res.stdout) as Record<string, string>) : {};
  };
  const pod = (name: string, cpu?: string) => {
    const resources = cpu ? { requests: { cpu }, limits: { cpu } } : {};
    return kubectl(['run', name, '--image=nginx', `--overrides=${JSON.stringify({ spec: { containers: [{ name, image: 'nginx', resources }] } })}`]);
  };

  before(async () => {
    // Two admission replicas, so that their writes of usage meet.
    stack = await startTestStack({ aggregatorReplicas: 1, replicas: { admission: 2 } });
    assert.equal((await stack.kubectl(['create', 'namespace', 'quota'])).code, 0);
    await eventually(async () => assert.equal((await kubectl(['get', 'serviceaccount', 'default'])).code, 0));
  });

  after(async () => {
    await stack?.stop();
  });

  it('computes the status of a quota created after the objects it counts', async () => {
    for (const name of ['early-1', 'early-2']) assert.equal((await kubectl(['create', 'configmap', name])).code, 0);
    assert.equal((await pod('early', '200m')).code, 0);
    const created = await kubectl(['create', 'quota', 'compute', '--hard=pods=2,configmaps=4,requests.cpu=1,limits.cpu=2']);
    assert.equal(created.stdout, 'resourcequota/compute created\n', created.stderr);
    await eventually(async () => assert.deepEqual(await used(), { configmaps: '2', 'limits.cpu': '200m', pods: '1', 'requests.cpu': '200m' }));
    const described = await kubectl(['describe', 'quota', 'compute']);
    assert.equal(described.code, 0, described.stderr);
    assert.match(
      described.stdout,
      /^Name:\s+compute\nNamespace:\s+quota\nResource\s+Used\s+Hard\n-+\s+-+\s+-+\nconfigmaps\s+2\s+4\nlimits\.cpu\s+200m\s+2\npods\s+1\s+2\nrequests\.cpu\s+200m\s+1\n$/,
    );
  });

  it('admits creates up to the limit and refuses the next one in kube\'s words', async () => {
    for (const name of ['c3', 'c4']) assert.equal((await kubectl(['create', 'configmap', name])).stdout, `configmap/${name} created\n`);
    const refused = await kubectl(['create', 'configmap', 'c5']);
    assert.equal(refused.stderr, 'error: failed to create configmap: configmaps "c5" is forbidden: exceeded quota: compute, requested: configmaps=1, used: configmaps=4, limited: configmaps=4\n');
    const applied = await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c6' } }));
    assert.equal(applied.stderr, 'Error from server (Forbidden): error when creating "STDIN": configmaps "c6" is forbidden: exceeded quota: compute, requested: configmaps=1, used: configmaps=4, limited: configmaps=4\n');

    const bare = await pod('bare');
    assert.equal(bare.stderr, 'Error from server (Forbidden): pods "bare" is forbidden: failed quota: compute: must specify limits.cpu for: bare; requests.cpu for: bare\n');
    const big = await pod('big', '900m');
    assert.equal(big.stderr, 'Error from server (Forbidden): pods "big" is forbidden: exceeded quota: compute, requested: requests.cpu=900m, used: requests.cpu=200m, limited: requests.cpu=1\n');
    assert.equal((await pod('second', '500m')).stdout, 'pod/second created\n');
    const third = await pod('third', '100m');
    assert.equal(third.stderr, 'Error from server (Forbidden): pods "third" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2\n');
    // A server-side dry run is checked but not recorded.
    const dry = await kubectl(['create', 'configmap', 'dry', '--dry-run=server']);
    assert.match(dry.stderr, /exceeded quota: compute/);
    assert.deepEqual(await used(), { configmaps: '4', 'limits.cpu': '700m', pods: '2', 'requests.cpu': '700m' });
    const table = await kubectl(['get', 'quota', 'compute']);
    assert.match(table.stdout, /\ncompute\s+configmaps: 4\/4, pods: 2\/2, requests\.cpu: 700m\/1\s+limits\.cpu: 700m\/2\s+\d+[sm]\n$/);
  });

  it('gives back what deleted objects used', async () => {
    assert.equal((await kubectl(['delete', 'configmap', 'c4'])).code, 0);
    assert.equal((await kubectl(['delete', 'pod', 'second'])).code, 0);
    await eventually(async () => assert.deepEqual(await used(), { configmaps: '3', 'limits.cpu': '200m', pods: '1', 'requests.cpu': '200m' }));
    assert.equal((await kubectl(['create', 'configmap', 'c4-again'])).stdout, 'configmap/c4-again created\n');
  });

  it('counts concurrent creates through two admission replicas exactly', async () => {
    assert.equal((await kubectl(['create', 'quota', 'burst', '--hard=count/secrets=5'])).code, 0);
    await eventually(async () => assert.equal((await kubectl(['get', 'quota', 'burst', '-o', 'jsonpath={.status.used.count/secrets}'])).stdout, '0'));
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => kubectl(['create', 'secret', 'generic', `s${i}`, '--from-literal=k=v'])));
    const created = results.filter((r) => r.code === 0).length;
    for (const r of results.filter((r) => r.code !== 0)) {
      assert.match(r.stderr, /^error: failed to create secret secrets "s\d" is forbidden: exceeded quota: burst, requested: count\/secrets=1, used: count\/secrets=5, limited: count\/secrets=5\n$/);
    }
    assert.equal(created, 5);
    const stored = await kubectl(['get', 'secrets', '-o', 'name']);
    assert.equal(stored.stdout.split('\n').filter((l) => /^secret\/s\d$/.test(l)).length, 5);
    assert.equal((await kubectl(['get', 'quota', 'burst', '-o', 'jsonpath={.status.used.count/secrets}'])).stdout, '5');
  });
});
