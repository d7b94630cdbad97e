// The foundation slice, end to end: the real kubectl against a stack of separate processes
// (etcd, NATS, HAProxy, six services) through every hop.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { anonymousGet, apiRequest, eventually, startTestStack, type TestStack } from './harness.js';

describe('foundation: kubectl through every hop', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack();
  });

  after(async () => {
    await stack?.stop();
  });

  it('lists the four namespaces every cluster has', async () => {
    const res = await stack.kubectl(['get', 'ns', '-o', 'name']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(res.stdout.trim().split('\n').sort(), [
      'namespace/default',
      'namespace/kube-node-lease',
      'namespace/kube-public',
      'namespace/kube-system',
    ]);
    const table = await stack.kubectl(['get', 'ns']);
    assert.match(table.stdout, /^NAME\s+STATUS\s+AGE\n/);
    assert.match(table.stdout, /\ndefault\s+Active\s+\d+s\n/);
  });

  it('creates, labels, reads and deletes a configmap', async () => {
    assert.equal((await stack.kubectl(['create', 'namespace', 'e2e'])).stdout, 'namespace/e2e created\n');
    const created = await stack.kubectl(['-n', 'e2e', 'create', 'configmap', 'settings', '--from-literal=color=blue', '--from-literal=size=L']);
    assert.equal(created.stdout, 'configmap/settings created\n', created.stderr);
    assert.equal((await stack.kubectl(['-n', 'e2e', 'label', 'configmap', 'settings', 'tier=web'])).stdout, 'configmap/settings labeled\n');
    const got = JSON.parse((await stack.kubectl(['-n', 'e2e', 'get', 'configmap', 'settings', '-o', 'json'])).stdout);
    assert.deepEqual(got.data, { color: 'blue', size: 'L' });
    assert.equal(got.metadata.labels.tier, 'web');
    assert.match(got.metadata.resourceVersion, /^\d+$/);
    const table = await stack.kubectl(['-n', 'e2e', 'get', 'configmaps']);
    assert.match(table.stdout, /^NAME\s+DATA\s+AGE\nsettings\s+2\s+\d+s\n$/);
    const selected = await stack.kubectl(['-n', 'e2e', 'get', 'configmaps', '-l', 'tier=web', '-o', 'name']);
    assert.equal(selected.stdout, 'configmap/settings\n');
    assert.equal((await stack.kubectl(['-n', 'e2e', 'get', 'configmaps', '-l', 'tier=db'])).stderr, 'No resources found in e2e namespace.\n');
    assert.equal((await stack.kubectl(['-n', 'e2e', 'delete', 'configmap', 'settings'])).stdout, 'configmap "settings" deleted\n');
  });

  it('applies a manifest twice, the second time as a change, with server-side validation', async () => {
    const manifest = (data: Record<string, string>) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace: 'default' }, data });
    const first = await stack.kubectl(['apply', '-f', '-'], { input: manifest({ a: '1', gone: 'x' }) });
    assert.equal(first.stdout, 'configmap/applied created\n', first.stderr);
    const second = await stack.kubectl(['apply', '-f', '-'], { input: manifest({ a: '2', b: '3' }) });
    assert.equal(second.stdout, 'configmap/applied configured\n');
    const got = JSON.parse((await stack.kubectl(['-n', 'default', 'get', 'configmap', 'applied', '-o', 'json'])).stdout);
    assert.deepEqual(got.data, { a: '2', b: '3' });
    assert.ok(got.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    const bad = await stack.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name', namespace: 'default' } }) });
    assert.match(bad.stderr, /^The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  });

  it('serves aggregated discovery with an ETag, and legacy discovery to clients that ask for it', async () => {
    const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
    const aggregated = await apiRequest(stack, 'GET', '/api', undefined, { Accept: accept });
    assert.equal(aggregated.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const doc = JSON.parse(aggregated.body);
    assert.equal(doc.kind, 'APIGroupDiscoveryList');
    const configmaps = doc.items[0].versions[0].resources.find((r: { resource: string }) => r.resource === 'configmaps');
    assert.deepEqual(configmaps.responseKind, { group: '', version: 'v1', kind: 'ConfigMap' });
    assert.equal(configmaps.scope, 'Namespaced');
    assert.deepEqual(configmaps.shortNames, ['cm']);
    const etag = aggregated.headers.etag as string;
    assert.equal((await apiRequest(stack, 'GET', '/api', undefined, { Accept: accept, 'If-None-Match': etag })).code, 304);
    const legacy = JSON.parse((await apiRequest(stack, 'GET', '/api')).body);
    assert.equal(legacy.kind, 'APIVersions');
    const resources = await stack.kubectl(['api-resources', '--api-group=']);
    assert.match(resources.stdout, /\nconfigmaps\s+cm\s+v1\s+true\s+ConfigMap\n/);
  });

  it('prints kube-apiserver error lines', async () => {
    const missing = await stack.kubectl(['-n', 'default', 'get', 'configmap', 'nope']);
    assert.notEqual(missing.code, 0);
    assert.equal(missing.stderr, 'Error from server (NotFound): configmaps "nope" not found\n');
    await stack.kubectl(['-n', 'default', 'create', 'configmap', 'twice']);
    const again = await stack.kubectl(['-n', 'default', 'create', 'configmap', 'twice']);
    assert.equal(again.stderr, 'error: failed to create configmap: configmaps "twice" already exists\n');
    const noNs = await stack.kubectl(['-n', 'no-such-ns', 'create', 'configmap', 'x']);
    assert.equal(noNs.stderr, 'error: failed to create configmap: namespaces "no-such-ns" not found\n');
    const field = await stack.kubectl(['-n', 'default', 'get', 'configmaps', '--field-selector', 'foo=bar']);
    assert.equal(
      field.stderr,
      'Error from server (BadRequest): Unable to find "/v1, Resource=configmaps" that match label selector "", field selector "foo=bar": field label not supported: foo\n',
    );
    const bad = await stack.kubectl(['-n', 'default', 'create', 'configmap', 'Bad_Name']);
    assert.match(bad.stderr, /ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters/);
  });

  it('serves kubectl get -w from the watch-cache, fed through NATS', async () => {
    await stack.kubectl(['create', 'namespace', 'watched']);
    await stack.kubectl(['-n', 'watched', 'create', 'configmap', 'before']);
    const watch = stack.kubectlStream(['-n', 'watched', 'get', 'configmaps', '-w', '--output-watch-events']);
    try {
      // kubectl lists, then watches from the list's resourceVersion: whatever happens after the
      // list is replayed to the watch, however late it opens.
      await watch.waitFor(/before\s+0\s+\d+s/);
      await stack.kubectl(['-n', 'watched', 'create', 'configmap', 'live', '--from-literal=k=v']);
      await watch.waitFor(/ADDED\s+live\s+1\s+\d+s/);
      await stack.kubectl(['-n', 'watched', 'label', 'configmap', 'live', 'x=y']);
      await watch.waitFor(/MODIFIED\s+live\s+1\s+\d+s/);
      await stack.kubectl(['-n', 'watched', 'delete', 'configmap', 'live']);
      await watch.waitFor(/DELETED\s+live\s+1\s+\d+s/);
    } finally {
      watch.child.kill();
    }
    await eventually(() => assert.ok(stack.traceSpans().some((s) => s.service === 'watch-cache' && s.name.endsWith('WatchCache/Watch'))));
  });

  it('deletes a namespace with its content', async () => {
    await stack.kubectl(['create', 'namespace', 'doomed']);
    for (const name of ['a', 'b', 'c']) await stack.kubectl(['-n', 'doomed', 'create', 'configmap', name]);
    const deleted = await stack.kubectl(['delete', 'namespace', 'doomed']);
    assert.equal(deleted.stdout, 'namespace "doomed" deleted\n', deleted.stderr);
    const gone = await stack.kubectl(['get', 'namespace', 'doomed']);
    assert.equal(gone.stderr, 'Error from server (NotFound): namespaces "doomed" not found\n');
  });

  it('records one create as one trace across every service', async () => {
    await stack.kubectl(['-n', 'default', 'create', 'configmap', 'traced']);
    await eventually(() => {
      const spans = stack.traceSpans();
      const root = spans.find((s) => s.service === 'aggregator' && s.name === 'HTTP POST /api/v1/namespaces/default/configmaps');
      assert.ok(root, 'the front door recorded the request');
      const trace = spans.filter((s) => s.traceId === root.traceId);
      const services = new Set(trace.map((s) => s.service));
      for (const service of ['aggregator', 'authn', 'authz', 'registry', 'admission']) assert.ok(services.has(service), `${service} is in the trace`);
      assert.ok(trace.some((s) => s.service === 'registry' && s.name === 'etcd create'), 'the etcd write is in the trace');
      // Every span but the root has its parent in the same trace.
      const ids = new Set(trace.map((s) => s.spanId));
      for (const s of trace) if (s !== root) assert.ok(s.parentSpanId && ids.has(s.parentSpanId), `${s.name} has its parent in the trace`);
    });
  });

  it('lets anyone read /readyz and /version but nothing else anonymously', async () => {
    assert.equal((await anonymousGet(stack, '/readyz')).code, 200);
    assert.equal((await anonymousGet(stack, '/version')).code, 200);
    const denied = await anonymousGet(stack, '/api/v1/namespaces');
    assert.equal(denied.code, 403);
    assert.equal(
      JSON.parse(denied.body).message,
      'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope',
    );
  });

  it('runs etcd, NATS, HAProxy and every service as separate processes', () => {
    const names = stack.handle.processes.map((p) => p.instance);
    for (const expected of ['etcd', 'nats', 'haproxy', 'registry-0', 'watch-cache-0', 'authn-0', 'authz-0', 'admission-0', 'aggregator-0', 'aggregator-1']) {
      assert.ok(names.includes(expected), `${expected} runs (have ${names.join(', ')})`);
    }
    const pids = new Set(stack.handle.processes.map((p) => p.pid));
    assert.equal(pids.size, stack.handle.processes.length);
  });

  it('answers 503 with Retry-After while etcd is unavailable, and recovers', async () => {
    const etcd = stack.handle.processes.find((p) => p.instance === 'etcd')!;
    process.kill(etcd.pid, 'SIGSTOP');
    try {
      const res = await apiRequest(stack, 'GET', '/api/v1/namespaces');
      assert.equal(res.code, 503, res.body);
      assert.equal(res.headers['retry-after'], '1');
      const status = JSON.parse(res.body);
      assert.equal(status.kind, 'Status');
      assert.equal(status.reason, 'ServiceUnavailable');
      assert.match(status.message, /^storage is unavailable: /);
    } finally {
      process.kill(etcd.pid, 'SIGCONT');
    }
    await eventually(async () => assert.equal((await stack.kubectl(['get', 'ns', 'default', '-o', 'name'])).stdout, 'namespace/default\n'), 30_000);
  });

  it('answers 503 naming a backend service that is down and what failed, and serves the next request once it is back', async () => {
    await stack.handle.killInstance('authn-0');
    try {
      const res = await apiRequest(stack, 'GET', '/api/v1/namespaces');
      assert.equal(res.code, 503, res.body);
      assert.equal(res.headers['retry-after'], '1');
      const status = JSON.parse(res.body);
      assert.equal(status.reason, 'ServiceUnavailable');
      // The root cause only, not grpc-js's chain of balancer attempts nor the moment it failed. A
      // reconnect the channel began while the process was exiting meets a reset; one begun after
      // it, a refusal.
      assert.match(status.message, /^the authn service is unavailable: (connect ECONNREFUSED 127\.0\.0\.1:\d+|read ECONNRESET)$/);
    } finally {
      await stack.handle.restartInstance('authn-0');
    }
    // The front door's channel may still be backing off from the dead process: the request waits
    // for it to reconnect rather than failing.
    const back = await apiRequest(stack, 'GET', '/api/v1/namespaces/default');
    assert.equal(back.code, 200, back.body);
  });

  it('keeps serving through the load balancer when a front door dies', async () => {
    await stack.handle.killInstance('aggregator-0');
    for (let i = 0; i < 5; i++) {
      const res = await stack.kubectl(['get', 'ns', '-o', 'name']);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /namespace\/default/);
    }
  });
});
