// The core kinds through the real kubectl: secrets (generic and tls, sent as protobuf), service
// accounts and the default one every namespace gets, priority classes with the system ones, quotas,
// events, storage classes, discovery of them all, and kube's validation errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiRequest, apiResourceLine, eventually, startTestStack, type TestStack } from './harness.js';

describe('core kinds', () => {
  let stack: TestStack;
  let files: string;

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1 });
    files = mkdtempSync(join(tmpdir(), 'kapi-core-kinds-'));
    assert.equal((await stack.kubectl(['create', 'namespace', 'apps'])).code, 0);
  });

  after(async () => {
    await stack?.stop();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  it('creates generic and tls secrets with kubectl\'s protobuf generators and lists them as kube does', async () => {
    const generic = await stack.kubectl(['-n', 'apps', 'create', 'secret', 'generic', 'creds', '--from-literal=user=admin', '--from-literal=password=s3cr3t']);
    assert.equal(generic.stdout, 'secret/creds created\n', generic.stderr);
    // Any matching certificate and key will do: the stack's own client pair.
    const cert = join(files, 'tls.crt');
    const key = join(files, 'tls.key');
    writeFileSync(cert, stack.handle.tls.cert ?? '');
    writeFileSync(key, stack.handle.tls.key ?? '');
    const tls = await stack.kubectl(['-n', 'apps', 'create', 'secret', 'tls', 'web-tls', `--cert=${cert}`, `--key=${key}`]);
    assert.equal(tls.stdout, 'secret/web-tls created\n', tls.stderr);

    const table = await stack.kubectl(['-n', 'apps', 'get', 'secrets']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^NAME\s+TYPE\s+DATA\s+AGE\ncreds\s+Opaque\s+2\s+\d+s\nweb-tls\s+kubernetes\.io\/tls\s+2\s+\d+s\n$/);

    const got = JSON.parse((await stack.kubectl(['-n', 'apps', 'get', 'secret', 'creds', '-o', 'json'])).stdout);
    assert.equal(got.type, 'Opaque');
    assert.deepEqual(Object.keys(got.data).sort(), ['password', 'user']);
    assert.equal(Buffer.from(got.data.user, 'base64').toString(), 'admin');

    const byType = await stack.kubectl(['-n', 'apps', 'get', 'secrets', '--field-selector', 'type=kubernetes.io/tls', '-o', 'name']);
    assert.equal(byType.stdout, 'secret/web-tls\n', byType.stderr);
  });

  it('describes a secret without showing its values', async () => {
    const res = await stack.kubectl(['-n', 'apps', 'describe', 'secret', 'creds']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^Name:\s+creds\nNamespace:\s+apps\n/);
    // kubectl prints the data keys in Go map order, which is random.
    const data = res.stdout.match(/\nType:\s+Opaque\n\nData\n====\n((?:.+\n)+)/);
    assert.ok(data, res.stdout);
    assert.deepEqual(data[1].trim().split('\n').map((line) => line.replace(/\s+/g, ' ')).sort(), ['password: 6 bytes', 'user: 5 bytes']);
    assert.doesNotMatch(res.stdout, /s3cr3t/);
  });

  it('refuses what kube refuses, in kube\'s words', async () => {
    const missingKey = await stack.kubectl(['-n', 'apps', 'create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'half' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'AA==' } }),
    });
    assert.equal(missingKey.stderr, 'The Secret "half" is invalid: data[tls.key]: Required value\n');

    const tooHigh = await stack.kubectl(['create', 'priorityclass', 'huge', '--value=2000000000']);
    assert.equal(
      tooHigh.stderr,
      'error: failed to create priorityclass: PriorityClass.scheduling.k8s.io "huge" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000\n',
    );
    const reserved = await stack.kubectl(['create', 'priorityclass', 'system-mine', '--value=10']);
    assert.match(reserved.stderr, /"system-mine" is invalid: metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class/);

    const changed = await stack.kubectl(['-n', 'apps', 'patch', 'secret', 'creds', '--type=merge', '-p', '{"type":"kubernetes.io/basic-auth"}']);
    assert.equal(changed.stderr, 'The Secret "creds" is invalid: type: Invalid value: "kubernetes.io/basic-auth": field is immutable\n');
  });

  it('gives every namespace a default service account, and creates others with kubectl', async () => {
    assert.equal((await stack.kubectl(['create', 'namespace', 'team'])).code, 0);
    await eventually(async () => {
      const res = await stack.kubectl(['-n', 'team', 'get', 'serviceaccounts', '-o', 'name']);
      assert.equal(res.stdout, 'serviceaccount/default\n', res.stderr);
    });
    // The namespaces every cluster has get one too.
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'apps']) {
      await eventually(async () => assert.equal((await stack.kubectl(['-n', ns, 'get', 'sa', 'default', '-o', 'name'])).stdout, 'serviceaccount/default\n'));
    }

    const created = await stack.kubectl(['-n', 'team', 'create', 'serviceaccount', 'builder']);
    assert.equal(created.stdout, 'serviceaccount/builder created\n', created.stderr);
    const table = await stack.kubectl(['-n', 'team', 'get', 'sa']);
    assert.match(table.stdout, /^NAME\s+SECRETS\s+AGE\nbuilder\s+0\s+\d+s\ndefault\s+0\s+\d+s\n$/);

    // A deleted default account comes back.
    assert.equal((await stack.kubectl(['-n', 'team', 'delete', 'sa', 'default'])).stdout, 'serviceaccount "default" deleted\n');
    await eventually(async () => assert.equal((await stack.kubectl(['-n', 'team', 'get', 'sa', 'default', '-o', 'name'])).stdout, 'serviceaccount/default\n'));

    const described = await stack.kubectl(['-n', 'team', 'describe', 'sa', 'builder']);
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /^Name:\s+builder\nNamespace:\s+team\n/);

    // Deleting the namespace takes its accounts along; the controller does not bring them back.
    assert.equal((await stack.kubectl(['delete', 'namespace', 'team'])).stdout, 'namespace "team" deleted\n');
    assert.equal((await stack.kubectl(['get', 'namespace', 'team'])).stderr, 'Error from server (NotFound): namespaces "team" not found\n');
  });

  it('creates priority classes and lists them with the system ones', async () => {
    const created = await stack.kubectl(['create', 'priorityclass', 'high', '--value=1000', '--description=for the important things']);
    assert.equal(created.stdout, 'priorityclass.scheduling.k8s.io/high created\n', created.stderr);
    await eventually(async () => {
      const table = await stack.kubectl(['get', 'priorityclasses']);
      assert.match(table.stdout, /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY\n/);
      assert.match(table.stdout, /\nhigh\s+1000\s+false\s+\d+s\s+PreemptLowerPriority\n/);
      assert.match(table.stdout, /\nsystem-cluster-critical\s+2000000000\s+false\s+\d+[sm]\s+PreemptLowerPriority\n/);
      assert.match(table.stdout, /\nsystem-node-critical\s+2000001000\s+false\s+\d+[sm]\s+PreemptLowerPriority\n/);
    });
    const pc = JSON.parse((await stack.kubectl(['get', 'pc', 'high', '-o', 'json'])).stdout);
    assert.deepEqual([pc.value, pc.description, pc.preemptionPolicy, pc.metadata.generation], [1000, 'for the important things', 'PreemptLowerPriority', 1]);

    const described = await stack.kubectl(['describe', 'priorityclass', 'system-node-critical']);
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /^Name:\s+system-node-critical\nValue:\s+2000001000\nGlobalDefault:\s+false\nPreemptionPolicy:\s+PreemptLowerPriority\nDescription:\s+Used for system critical pods that must not be moved from their current node.\n/);
  });

  it('creates a quota with kubectl create quota and prints its columns', async () => {
    const created = await stack.kubectl(['-n', 'apps', 'create', 'quota', 'compute', '--hard=cpu=1000m,memory=1024Mi,pods=10', '--scopes=NotTerminating']);
    assert.equal(created.stdout, 'resourcequota/compute created\n', created.stderr);
    const spec = JSON.parse((await stack.kubectl(['-n', 'apps', 'get', 'quota', 'compute', '-o', 'json'])).stdout).spec;
    // Quantities come back in canonical form, as kube writes them.
    assert.deepEqual(spec, { hard: { cpu: '1', memory: '1Gi', pods: '10' }, scopes: ['NotTerminating'] });
    // The quota controller copies the hard limits into the status and counts what the namespace uses.
    await eventually(async () => {
      const table = await stack.kubectl(['-n', 'apps', 'get', 'resourcequotas']);
      assert.match(table.stdout, /^NAME\s+REQUEST\s+LIMIT\s+AGE\ncompute\s+cpu: 0\/1, memory: 0\/1Gi, pods: 0\/10\s+\d+s\n$/);
    });

    // The status subresource takes a status written by hand as it takes the controller's.
    const quota = JSON.parse((await stack.kubectl(['-n', 'apps', 'get', 'quota', 'compute', '-o', 'json'])).stdout);
    const status = await apiRequest(stack, 'PUT', '/api/v1/namespaces/apps/resourcequotas/compute/status', { ...quota, status: { hard: quota.spec.hard, used: { cpu: '500m', pods: '1' } } });
    assert.equal(status.code, 200, status.body);
    assert.match((await stack.kubectl(['-n', 'apps', 'get', 'quota'])).stdout, /\ncompute\s+cpu: 500m\/1, memory: 0\/1Gi, pods: 1\/10\s+\d+s\n$/);
    const described = await stack.kubectl(['-n', 'apps', 'describe', 'quota', 'compute']);
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /Name:\s+compute\nNamespace:\s+apps\nScopes:\s+NotTerminating\n/);
    assert.match(described.stdout, /\ncpu\s+500m\s+1\n/);

    const bad = await stack.kubectl(['-n', 'apps', 'create', 'quota', 'odd', '--hard=pods=1.5']);
    assert.equal(bad.stderr, 'error: failed to create quota: ResourceQuota "odd" is invalid: spec.hard[pods]: Invalid value: "1500m": must be an integer\n');
  });

  it('stores events and prints them as `kubectl get events` does', async () => {
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.1', namespace: 'apps' },
      involvedObject: { kind: 'Pod', namespace: 'apps', name: 'web' },
      reason: 'Pulled',
      message: 'Successfully pulled image "nginx"',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      count: 2,
      type: 'Normal',
    };
    assert.equal((await stack.kubectl(['create', '-f', '-'], { input: JSON.stringify(event) })).stdout, 'event/web.1 created\n');
    const table = await stack.kubectl(['-n', 'apps', 'get', 'events']);
    assert.match(table.stdout, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n\d+s\s+Normal\s+Pulled\s+pod\/web\s+Successfully pulled image "nginx"\n$/);
    const selected = await stack.kubectl(['-n', 'apps', 'get', 'ev', '--field-selector', 'involvedObject.kind=Pod,reason=Pulled', '-o', 'name']);
    assert.equal(selected.stdout, 'event/web.1\n', selected.stderr);
    // events.k8s.io/v1 Events share the short name, so kubectl warns as it does against kube-apiserver.
    assert.equal(
      (await stack.kubectl(['-n', 'apps', 'get', 'ev', '--field-selector', 'type=Warning'])).stderr,
      'Warning: short name "ev" could also match lower priority resource events.events.k8s.io\nNo resources found in apps namespace.\n',
    );
  });

  it('defaults storage classes and prints kube\'s columns', async () => {
    const sc = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'csi.example.com' };
    assert.equal((await stack.kubectl(['create', '-f', '-'], { input: JSON.stringify(sc) })).stdout, 'storageclass.storage.k8s.io/fast created\n');
    const table = await stack.kubectl(['get', 'sc']);
    assert.match(table.stdout, /^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE\nfast \(default\)\s+csi\.example\.com\s+Delete\s+Immediate\s+false\s+\d+s\n$/);
    const changed = await stack.kubectl(['patch', 'sc', 'fast', '--type=merge', '-p', '{"reclaimPolicy":"Retain"}']);
    assert.equal(changed.stderr, 'The StorageClass "fast" is invalid: reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.\n');
  });

  it('lists every new kind in kubectl api-resources with its short names', async () => {
    const res = await stack.kubectl(['api-resources']);
    assert.equal(res.code, 0, res.stderr);
    const expected: [string, string, string, string, string][] = [
      ['events', 'ev', 'v1', 'true', 'Event'],
      ['limitranges', 'limits', 'v1', 'true', 'LimitRange'],
      ['podtemplates', '', 'v1', 'true', 'PodTemplate'],
      ['resourcequotas', 'quota', 'v1', 'true', 'ResourceQuota'],
      ['secrets', '', 'v1', 'true', 'Secret'],
      ['serviceaccounts', 'sa', 'v1', 'true', 'ServiceAccount'],
      ['leases', '', 'coordination.k8s.io/v1', 'true', 'Lease'],
      ['runtimeclasses', '', 'node.k8s.io/v1', 'false', 'RuntimeClass'],
      ['priorityclasses', 'pc', 'scheduling.k8s.io/v1', 'false', 'PriorityClass'],
      ['csidrivers', '', 'storage.k8s.io/v1', 'false', 'CSIDriver'],
      ['storageclasses', 'sc', 'storage.k8s.io/v1', 'false', 'StorageClass'],
    ];
    for (const resource of expected) assert.match(res.stdout, apiResourceLine(resource), `${resource[0]} is listed`);
  });

  it('serves the other new kinds through kubectl', async () => {
    const objects = [
      { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'limits', namespace: 'apps' }, spec: { limits: [{ type: 'Container', max: { cpu: '2' } }] } },
      { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'web', namespace: 'apps' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'leader', namespace: 'apps' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } },
      { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor' }, handler: 'runsc' },
      { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'csi.example.com' }, spec: {} },
    ];
    const created = await stack.kubectl(['create', '-f', '-'], { input: objects.map((o) => JSON.stringify(o)).join('\n') });
    assert.equal(
      created.stdout,
      'limitrange/limits created\npodtemplate/web created\nlease.coordination.k8s.io/leader created\nruntimeclass.node.k8s.io/gvisor created\ncsidriver.storage.k8s.io/csi.example.com created\n',
      created.stderr,
    );
    assert.match((await stack.kubectl(['-n', 'apps', 'get', 'limits'])).stdout, /^NAME\s+CREATED AT\nlimits\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
    const lr = JSON.parse((await stack.kubectl(['-n', 'apps', 'get', 'limitrange', 'limits', '-o', 'json'])).stdout);
    assert.deepEqual(lr.spec.limits[0], { type: 'Container', max: { cpu: '2' }, default: { cpu: '2' }, defaultRequest: { cpu: '2' } });
    assert.match((await stack.kubectl(['-n', 'apps', 'get', 'podtemplates'])).stdout, /^NAME\s+CONTAINERS\s+IMAGES\s+POD LABELS\nweb\s+nginx\s+nginx\s+app=web\n$/);
    assert.match((await stack.kubectl(['-n', 'apps', 'get', 'leases'])).stdout, /^NAME\s+HOLDER\s+AGE\nleader\s+me\s+\d+s\n$/);
    assert.match((await stack.kubectl(['get', 'runtimeclasses'])).stdout, /^NAME\s+HANDLER\s+AGE\ngvisor\s+runsc\s+\d+s\n$/);
    assert.match(
      (await stack.kubectl(['get', 'csidrivers'])).stdout,
      /^NAME\s+ATTACHREQUIRED\s+PODINFOONMOUNT\s+STORAGECAPACITY\s+TOKENREQUESTS\s+REQUIRESREPUBLISH\s+MODES\s+AGE\ncsi\.example\.com\s+true\s+false\s+false\s+<unset>\s+false\s+Persistent\s+\d+s\n$/,
    );
    const lrDescribed = await stack.kubectl(['-n', 'apps', 'describe', 'limitrange', 'limits']);
    assert.match(lrDescribed.stdout, /Container\s+cpu\s+-\s+2\s+2\s+2\s+-/);
  });
});
