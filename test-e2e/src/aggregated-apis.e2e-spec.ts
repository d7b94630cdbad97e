// Aggregated APIs end to end, with a real HTTPS aggregated server of the test's own
// (aggregated-server.ts) that trusts kapi as k8s.io/apiserver does, from the
// kube-system/extension-apiserver-authentication ConfigMap: registered through a Service, an
// EndpointSlice pointing at it and an APIService with its caBundle; the availability controller's
// conditions with kube's reasons; requests proxied after kapi's authentication and authorization,
// with the user in X-Remote-* headers and no credentials of the caller; a watch streamed through;
// every front door proxying; and kube's 503 once the server is gone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestServingPki, findRepoRoot, freePort, httpGet, METRICS_ADDRESS, startEtcd, type EtcdHandle } from '@kapi/local-stack';
import { startAggregatedServer, GROUP, VERSION, type AggregatedServer, type ExtensionAuthentication } from './aggregated-server.js';
import { anonymousGet, apiRequest, collectWatch, eventually, startTestStack, type TestStack } from './harness.js';

const run = promisify(execFile);
const NAMESPACE = 'aggregation';
const APISERVICE = `${VERSION}.${GROUP}`;
const GADGETS = `/apis/${GROUP}/${VERSION}/namespaces/default/gadgets`;

describe('aggregated APIs', { timeout: 600_000 }, () => {
  let stack: TestStack;
  let server: AggregatedServer;
  let dir: string;
  const ok = async (args: string[], input?: string) => {
    const result = await stack.kubectl(args, input === undefined ? {} : { input });
    assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const frontDoors = () => stack.handle.topology.services.filter((s) => s.service === 'aggregator').map((s) => `https://${s.listen.host}:${s.listen.port}`);
  const availableCondition = async () => {
    const apiService = JSON.parse(await ok(['get', 'apiservice', APISERVICE, '-o', 'json'])) as { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } };
    return apiService.status?.conditions?.find((c) => c.type === 'Available');
  };
  const slice = (port: number) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'gadgets-1', namespace: NAMESPACE, labels: { 'kubernetes.io/service-name': 'gadgets' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kapi-aggregated-'));
    stack = await startTestStack({ aggregatorReplicas: 2 });
  });

  after(async () => {
    await server?.close();
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('publishes kube-system/extension-apiserver-authentication with kube\'s keys, and the Role that reads it', async () => {
    let data: Record<string, string> = {};
    await eventually(async () => {
      data = (JSON.parse(await ok(['-n', 'kube-system', 'get', 'configmap', 'extension-apiserver-authentication', '-o', 'json'])) as { data: Record<string, string> }).data;
    }, 30_000);
    assert.deepEqual(Object.keys(data).sort(), [
      'client-ca-file',
      'requestheader-allowed-names',
      'requestheader-client-ca-file',
      'requestheader-extra-headers-prefix',
      'requestheader-group-headers',
      'requestheader-username-headers',
    ]);
    assert.equal(data['requestheader-allowed-names'], '["front-proxy-client"]');
    assert.equal(data['requestheader-username-headers'], '["X-Remote-User"]');
    assert.equal(data['requestheader-group-headers'], '["X-Remote-Group"]');
    assert.equal(data['requestheader-extra-headers-prefix'], '["X-Remote-Extra-"]');
    assert.match(data['client-ca-file'], /^-----BEGIN CERTIFICATE-----/);
    assert.notEqual(data['client-ca-file'], data['requestheader-client-ca-file'], 'the front-proxy CA is not the users\' CA');
    const role = JSON.parse(await ok(['-n', 'kube-system', 'get', 'role', 'extension-apiserver-authentication-reader', '-o', 'json'])) as { rules: unknown[] };
    assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['extension-apiserver-authentication'], verbs: ['get', 'list', 'watch'] }]);
  });

  it('an APIService whose Service is missing, then without endpoints, is unavailable with kube\'s reasons', async () => {
    await ok(['create', 'namespace', NAMESPACE]);
    const trust = (JSON.parse(await ok(['-n', 'kube-system', 'get', 'configmap', 'extension-apiserver-authentication', '-o', 'json'])) as { data: ExtensionAuthentication }).data;
    server = await startAggregatedServer(join(dir, 'server'), `gadgets.${NAMESPACE}.svc`, trust);
    const apiService = {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: APISERVICE },
      spec: { group: GROUP, version: VERSION, service: { namespace: NAMESPACE, name: 'gadgets', port: 443 }, caBundle: server.caBundle, groupPriorityMinimum: 1000, versionPriority: 15 },
    };
    await ok(['apply', '-f', '-'], JSON.stringify(apiService));
    await eventually(async () => {
      const c = await availableCondition();
      assert.equal(c?.status, 'False');
      assert.equal(c?.reason, 'ServiceNotFound');
      assert.equal(c?.message, `service/gadgets in "${NAMESPACE}" is not present`);
    }, 30_000);
    await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'gadgets', namespace: NAMESPACE }, spec: { ports: [{ name: 'https', port: 443, targetPort: server.port }] } }));
    await eventually(async () => {
      const c = await availableCondition();
      assert.equal(c?.reason, 'EndpointsNotFound');
      assert.equal(c?.message, `cannot find endpointslices for service/gadgets in "${NAMESPACE}"`);
    }, 30_000);
    // A request meanwhile: kube's 503, in plain text.
    const refused = await apiRequest(stack, 'GET', GADGETS);
    assert.equal(refused.code, 503);
    assert.equal(refused.body, 'service unavailable\n');
  });

  it('with an EndpointSlice the discovery check passes, and kubectl get --raw is proxied with the user and no credentials', async () => {
    await ok(['apply', '-f', '-'], JSON.stringify(slice(server.port)));
    await eventually(async () => {
      const c = await availableCondition();
      assert.equal(c?.status, 'True');
      assert.equal(c?.reason, 'Passed');
      assert.equal(c?.message, 'all checks passed');
    }, 60_000);
    // The availability check is the aggregator's own request.
    assert.ok(server.seen.some((r) => r.path === `/apis/${GROUP}/${VERSION}` && r.user === 'system:kube-aggregator' && r.groups.includes('system:masters')));

    const list = JSON.parse(await ok(['get', '--raw', GADGETS])) as { kind: string; items: { spec: { seenBy: string } }[] };
    assert.equal(list.kind, 'GadgetList');
    assert.equal(list.items[0].spec.seenBy, 'kubernetes-admin');
    const request = server.seen.findLast((r) => r.path === GADGETS)!;
    assert.deepEqual(request.groups, ['system:masters', 'system:authenticated']);
    // A client certificate's user has no UID: no X-Remote-Uid.
    assert.equal(request.headers['x-remote-uid'], undefined);
  });

  it('a ServiceAccount\'s token is not forwarded: the server gets its name, groups and extra as headers', async () => {
    await ok(['-n', NAMESPACE, 'create', 'serviceaccount', 'reader']);
    // kubectl finds the resource through discovery, the aggregated server's merged into kapi's.
    await ok(['create', 'clusterrole', 'gadget-reader', '--verb=get,list,watch', `--resource=gadgets.${GROUP}`]);
    await ok(['create', 'clusterrolebinding', 'gadget-reader', '--clusterrole=gadget-reader', `--serviceaccount=${NAMESPACE}:reader`]);
    const token = (await ok(['-n', NAMESPACE, 'create', 'token', 'reader'])).trim();
    const answer = await anonymousGet(stack, GADGETS, token);
    assert.equal(answer.code, 200, answer.body);
    const request = server.seen.findLast((r) => r.path === GADGETS)!;
    assert.equal(request.user, `system:serviceaccount:${NAMESPACE}:reader`);
    assert.deepEqual(request.groups, ['system:serviceaccounts', `system:serviceaccounts:${NAMESPACE}`, 'system:authenticated']);
    assert.ok(request.extra['authentication.kubernetes.io/credential-id']?.[0]?.startsWith('JTI='), JSON.stringify(request.extra));
    assert.equal(request.headers.authorization, undefined);
    // kube 1.34 sends the user's UID too (RemoteRequestHeaderUID, on by default): a ServiceAccount's.
    const uid = (await ok(['-n', NAMESPACE, 'get', 'serviceaccount', 'reader', '-o', 'jsonpath={.metadata.uid}'])).trim();
    assert.equal(request.headers['x-remote-uid'], uid);
    // Not allowed by kapi's RBAC: kapi answers 403, and the server never hears of it.
    const posts = server.seen.filter((r) => r.method === 'POST').length;
    const denied = await anonymousPost(stack, GADGETS, token);
    assert.equal(denied.code, 403);
    assert.equal(
      (JSON.parse(denied.body) as { message: string }).message,
      `gadgets.${GROUP} is forbidden: User "system:serviceaccount:${NAMESPACE}:reader" cannot create resource "gadgets" in API group "${GROUP}" in the namespace "default"`,
    );
    assert.equal(server.seen.filter((r) => r.method === 'POST').length, posts);
  });

  it('discovery merges the aggregated server\'s group on every front door: legacy and aggregated, kubectl get by resource name', async () => {
    const aggregated = { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' };
    for (const frontDoor of frontDoors()) {
      await eventually(async () => {
        const doc = JSON.parse((await apiRequest(stack, 'GET', '/apis', undefined, aggregated, frontDoor)).body) as { items: { metadata: { name: string }; versions: { version: string; freshness: string; resources: { resource: string; scope: string; responseKind: { kind: string } }[] }[] }[] };
        const group = doc.items.find((i) => i.metadata.name === GROUP);
        assert.deepEqual(
          group?.versions.map((v) => [v.version, v.freshness, v.resources.map((r) => [r.resource, r.scope, r.responseKind.kind])]),
          [[VERSION, 'Current', [['gadgets', 'Namespaced', 'Gadget']]]],
        );
      }, 30_000);
      const legacy = JSON.parse((await apiRequest(stack, 'GET', '/apis', undefined, {}, frontDoor)).body) as { groups: { name: string; preferredVersion: { groupVersion: string } }[] };
      assert.equal(legacy.groups.find((g) => g.name === GROUP)?.preferredVersion.groupVersion, `${GROUP}/${VERSION}`);
      const group = JSON.parse((await apiRequest(stack, 'GET', `/apis/${GROUP}`, undefined, {}, frontDoor)).body) as { kind: string; name: string };
      assert.deepEqual([group.kind, group.name], ['APIGroup', GROUP]);
    }
    assert.match(await ok(['api-resources', `--api-group=${GROUP}`]), new RegExp(`^gadgets\\s+${GROUP.replace(/\./g, '\\.')}/${VERSION}\\s+true\\s+Gadget$`, 'm'));
    assert.equal((await ok(['get', 'gadgets', '-n', 'default', '-o', 'name'])).trim(), `gadget.${GROUP}/first`);
  });

  it('every front door proxies, and a watch streams through as the server sends its events', async () => {
    for (const frontDoor of frontDoors()) {
      const answer = await apiRequest(stack, 'GET', GADGETS, undefined, {}, frontDoor);
      assert.equal(answer.code, 200, `${frontDoor}: ${answer.body}`);
    }
    const watching = collectWatch(stack, `${GADGETS}?watch=true`, (events) => events.length >= 2, 60_000);
    await eventually(() => assert.equal(server.openWatches(), 1), 30_000);
    server.sendEvent('ADDED', 'one');
    server.sendEvent('MODIFIED', 'one');
    const events = await watching;
    assert.deepEqual(
      events.map((e) => [e.type, e.object.metadata?.name]),
      [
        ['ADDED', 'one'],
        ['MODIFIED', 'one'],
      ],
    );
  });

  it('a request to switch protocols is joined through to the server, as exec is', async () => {
    const socket = await new Promise<import('node:net').Socket>((resolve, reject) => {
      const req = request(new URL(`${GADGETS}/g/exec`, stack.handle.serverUrl), {
        ca: stack.handle.tls.ca,
        cert: stack.handle.tls.cert,
        key: stack.handle.tls.key,
        headers: { Connection: 'Upgrade', Upgrade: 'echo' },
      });
      req.on('upgrade', (res, upgraded) => (res.statusCode === 101 ? resolve(upgraded) : reject(new Error(String(res.statusCode)))));
      req.on('response', (res) => reject(new Error(`no switch of protocols: ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    const echoed = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
    socket.write('ping');
    assert.equal(await echoed, 'ping');
    socket.destroy();
    assert.equal(server.seen.findLast((r) => r.path === `${GADGETS}/g/exec`)?.user, 'kubernetes-admin');
  });

  it('once the server is gone, the APIService fails its discovery check and requests get kube\'s 503', async () => {
    const port = server.port;
    await server.close();
    await eventually(async () => {
      const c = await availableCondition();
      assert.equal(c?.status, 'False');
      assert.equal(c?.reason, 'FailedDiscoveryCheck');
      const url = `https://127.0.0.1:${port}/apis/${GROUP}/${VERSION}`;
      assert.equal(c?.message, `failing or missing response from ${url}: Get "${url}": dial tcp 127.0.0.1:${port}: connect: connection refused`);
    }, 90_000);
    const refused = await apiRequest(stack, 'GET', GADGETS);
    assert.equal(refused.code, 503);
    assert.equal(refused.body, 'service unavailable\n');
    // Discovery still answers: the group's resources are Stale in aggregated discovery, and kubectl
    // finds every other resource.
    const doc = JSON.parse((await apiRequest(stack, 'GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).body) as { items: { metadata: { name: string }; versions: { freshness: string }[] }[] };
    assert.deepEqual(doc.items.find((i) => i.metadata.name === GROUP)?.versions.map((v) => v.freshness), ['Stale']);
    assert.match(await ok(['api-resources']), /^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m);
    // Each front door counts it unavailable (kube's gauge, from its informer).
    for (const frontDoor of frontDoors()) {
      await eventually(async () => assert.match((await apiRequest(stack, 'GET', '/metrics', undefined, {}, frontDoor)).body, /^aggregator_unavailable_apiservice\{name="v1\.things\.kapi\.test"\} 1$/m), 30_000);
    }
    // The APIService table says why, as kube's printer does.
    assert.match(await ok(['get', 'apiservice', APISERVICE]), new RegExp(`${APISERVICE.replace(/\./g, '\\.')}\\s+${NAMESPACE}/gadgets\\s+False \\(FailedDiscoveryCheck\\)`));
  });
});

/** A POST without a client certificate, as the bearer of `token`. */
function anonymousPost(stack: TestStack, path: string, token: string): Promise<{ code: number; body: string }> {
  const url = new URL(path, stack.handle.serverUrl);
  const body = JSON.stringify({ apiVersion: `${GROUP}/${VERSION}`, kind: 'Gadget', metadata: { name: 'denied' } });
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: stack.handle.tls.ca, method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// k8s.io/sample-apiserver, unchanged (test-e2e/go/sample-apiserver builds it from the Go module
// proxy with the machine's Go, as the client-go test builds its program), against its own etcd,
// delegating authentication and authorization back to kapi (it reads
// extension-apiserver-authentication, asks TokenReviews and SubjectAccessReviews) and registered
// through APIServices, a Service and an EndpointSlice: kubectl serves its flunders through kapi.
const SAMPLE_SOURCE = join(findRepoRoot(), 'test-e2e', 'go', 'sample-apiserver');
const SAMPLE_BINARY = join(findRepoRoot(), 'test-e2e', 'dist', 'go', 'sample-apiserver');
const WARDLE = 'wardle.example.com';

describe('k8s.io/sample-apiserver through kapi', { timeout: 600_000 }, () => {
  let stack: TestStack;
  let etcd: EtcdHandle;
  let sample: ChildProcess | undefined;
  let startSample: () => void;
  let dir: string;
  const ok = async (args: string[], input?: string) => {
    const result = await stack.kubectl(args, input === undefined ? {} : { input });
    assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kapi-sample-apiserver-'));
    // The first build downloads the modules; later ones come from Go's caches.
    const [, started] = await Promise.all([
      run('go', ['build', '-o', SAMPLE_BINARY, 'k8s.io/sample-apiserver'], { cwd: SAMPLE_SOURCE, timeout: 540_000, env: { ...process.env, GOFLAGS: '-mod=readonly' } }),
      startTestStack({ aggregatorReplicas: 1 }),
    ]);
    stack = started;
    etcd = await startEtcd({ dataDir: join(dir, 'etcd'), clientPort: await freePort(), peerPort: await freePort() });
    const pki = createTestServingPki(join(dir, 'pki'), { dns: [`api.wardle.svc`], ips: ['127.0.0.1'] });
    const port = await freePort();
    const kubeconfig = stack.handle.kubeconfigPath;
    const log = openSync(join(dir, 'sample-apiserver.log'), 'a');
    // Started again on the same port and etcd, it serves what it held before.
    startSample = () => {
      sample = spawn(
        SAMPLE_BINARY,
        [
          `--etcd-servers=${etcd.endpoints[0]}`,
          '--bind-address=127.0.0.1',
          `--secure-port=${port}`,
          `--tls-cert-file=${pki.cert}`,
          `--tls-private-key-file=${pki.key}`,
          `--kubeconfig=${kubeconfig}`,
          `--authentication-kubeconfig=${kubeconfig}`,
          `--authorization-kubeconfig=${kubeconfig}`,
        ],
        { stdio: ['ignore', log, log] },
      );
    };
    startSample();
    await ok(['create', 'namespace', 'wardle']);
    await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'wardle' }, spec: { ports: [{ name: 'https', port: 443, targetPort: port }] } }));
    await ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'api-1', namespace: 'wardle', labels: { 'kubernetes.io/service-name': 'api' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
        ports: [{ name: 'https', port, protocol: 'TCP' }],
      }),
    );
    const caBundle = readFileSync(pki.caCert).toString('base64');
    for (const [version, versionPriority] of [['v1alpha1', 15], ['v1beta1', 16]] as const) {
      await ok(
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'apiregistration.k8s.io/v1',
          kind: 'APIService',
          metadata: { name: `${version}.${WARDLE}` },
          spec: { group: WARDLE, version, service: { namespace: 'wardle', name: 'api', port: 443 }, caBundle, groupPriorityMinimum: 1000, versionPriority },
        }),
      );
    }
  });

  after(async () => {
    sample?.kill('SIGTERM');
    await etcd?.stop();
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('its APIServices become available once it trusts kapi', async () => {
    await eventually(async () => {
      const apiService = JSON.parse(await ok(['get', 'apiservice', `v1alpha1.${WARDLE}`, '-o', 'json'])) as { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } };
      const available = apiService.status?.conditions?.find((c) => c.type === 'Available');
      assert.deepEqual([available?.status, available?.reason, available?.message], ['True', 'Passed', 'all checks passed'], readFileSync(join(dir, 'sample-apiserver.log'), 'utf8').slice(-3000));
    }, 180_000);
  });

  it('kubectl creates, gets and watches flunders through kapi', async () => {
    await eventually(async () => assert.match(await ok(['api-resources', `--api-group=${WARDLE}`]), /^flunders\s+wardle\.example\.com\/v1beta1\s+true\s+Flunder$/m), 60_000);
    await ok(['create', 'namespace', 'zoo']);
    assert.match((await stack.kubectl(['get', 'flunders', '-n', 'zoo'])).stderr, /No resources found in zoo namespace\./);
    const watch = stack.kubectlStream(['get', 'flunders', '-n', 'zoo', '--watch', '-o', 'name']);
    try {
      await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: `${WARDLE}/v1alpha1`, kind: 'Flunder', metadata: { name: 'first', namespace: 'zoo' }, spec: { reference: 'none' } }));
      await watch.waitFor(/flunder\.wardle\.example\.com\/first/, 60_000);
    } finally {
      watch.child.kill();
    }
    const stored = JSON.parse(await ok(['get', 'flunder', 'first', '-n', 'zoo', '-o', 'json'])) as { apiVersion: string; metadata: { name: string; uid?: string } };
    assert.equal(stored.metadata.name, 'first');
    assert.ok(stored.metadata.uid);
    assert.match(await ok(['get', 'flunders', '-n', 'zoo']), /^first\s+/m);
  });

  it('kubectl explain reads its OpenAPI v3 document through kapi', async () => {
    const index = JSON.parse(await ok(['get', '--raw', '/openapi/v3'])) as { paths: Record<string, { serverRelativeURL: string }> };
    const url = index.paths[`apis/${WARDLE}/v1beta1`]?.serverRelativeURL;
    assert.match(url ?? '', new RegExp(`^/openapi/v3/apis/${WARDLE.replace(/\./g, '\\.')}/v1beta1\\?hash=`), JSON.stringify(Object.keys(index.paths)));
    assert.ok(index.paths['apis/apps/v1'], 'the built-in documents stay');
    const explained = await ok(['explain', 'flunders.spec']);
    assert.match(explained, /^GROUP:\s+wardle\.example\.com$/m);
    assert.match(explained, /^KIND:\s+Flunder$/m);
    assert.match(explained, /^FIELD:\s+spec <FlunderSpec>$/m);
  });

  it('its OpenAPI v2 document is merged into /openapi/v2, so kubectl explain works from v2 too', async () => {
    await eventually(async () => {
      const v2 = JSON.parse(await ok(['get', '--raw', '/openapi/v2'])) as { paths: Record<string, unknown>; definitions: Record<string, { description?: string }> };
      assert.ok(v2.paths[`/apis/${WARDLE}/v1beta1/namespaces/{namespace}/flunders`], 'the flunders\' paths');
      assert.ok(v2.paths['/api/v1/namespaces/{namespace}/configmaps'], 'kapi\'s own paths stay');
      assert.ok(v2.definitions['io.k8s.sample-apiserver.pkg.apis.wardle.v1beta1.Flunder']);
    }, 120_000);
    // kubectl reads /openapi/v2 as protobuf for this output.
    const explained = await ok(['explain', 'flunders.spec', `--api-version=${WARDLE}/v1beta1`, '--output=plaintext-openapiv2']);
    assert.match(explained, /^KIND:\s+Flunder$/m);
    assert.match(explained, /^RESOURCE:\s+spec <Object>$/m);
  });

  it('deleting a namespace deletes its flunders, as kube\'s namespace controller does through the aggregator', async () => {
    await ok(['create', 'namespace', 'doomed']);
    await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: `${WARDLE}/v1alpha1`, kind: 'Flunder', metadata: { name: 'gone', namespace: 'doomed' }, spec: { reference: 'none' } }));
    await ok(['delete', 'namespace', 'doomed', '--timeout=120s']);
    await ok(['create', 'namespace', 'doomed']);
    assert.match((await stack.kubectl(['get', 'flunders', '-n', 'doomed'])).stderr, /No resources found in doomed namespace\./);
  });

  const namespaceConditions = async (name: string) => {
    const ns = JSON.parse(await ok(['get', 'namespace', name, '-o', 'json'])) as { status: { phase: string; conditions?: { type: string; status: string; reason: string; message: string }[] } };
    return { phase: ns.status.phase, conditions: Object.fromEntries((ns.status.conditions ?? []).map((c) => [c.type, [c.status, c.reason, c.message]])) };
  };
  const HELD = 'held';

  /** How many successful looks at what the APIService's server holds the registry has made, from its /metrics. */
  const looks = async (apiService: string) => {
    const registry = stack.handle.topology.services.find((s) => s.service === 'registry')!;
    const line = `kapi_namespace_controller_aggregated_looks_total{apiservice="${apiService}",result="success"}`;
    const found = (await httpGet(`http://${METRICS_ADDRESS}:${registry.listen.port}/metrics`)).body.split('\n').find((l) => l.startsWith(`${line} `));
    return found === undefined ? 0 : Number(found.slice(line.length + 1));
  };

  it('a namespace whose flunder has a finalizer stays Terminating with kube\'s conditions', async () => {
    // The registry has seen what the server holds, so it knows a namespace it holds nothing in.
    await eventually(async () => {
      for (const version of ['v1alpha1', 'v1beta1']) assert.ok((await looks(`${version}.${WARDLE}`)) > 0, version);
    }, 60_000);
    await ok(['create', 'namespace', HELD]);
    await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: `${WARDLE}/v1alpha1`, kind: 'Flunder', metadata: { name: 'kept', namespace: HELD, finalizers: ['example.com/hold'] }, spec: { reference: 'none' } }));
    await ok(['delete', 'namespace', HELD, '--wait=false']);
    await eventually(async () => {
      const { phase, conditions } = await namespaceConditions(HELD);
      assert.equal(phase, 'Terminating');
      assert.deepEqual(conditions.NamespaceDeletionDiscoveryFailure, ['False', 'ResourcesDiscovered', 'All resources successfully discovered']);
      assert.deepEqual(conditions.NamespaceContentRemaining, ['True', 'SomeResourcesRemain', `Some resources are remaining: flunders.${WARDLE} has 1 resource instances`]);
      assert.deepEqual(conditions.NamespaceFinalizersRemaining, ['True', 'SomeFinalizersRemain', 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances']);
    }, 60_000);
  });

  it('once it stops, its resources answer 503 while discovery and namespace deletion go on; a namespace it may hold objects in waits', async () => {
    sample?.kill('SIGTERM');
    await eventually(async () => {
      const apiService = JSON.parse(await ok(['get', 'apiservice', `v1alpha1.${WARDLE}`, '-o', 'json'])) as { status?: { conditions?: { type: string; status: string; reason: string }[] } };
      assert.deepEqual(apiService.status?.conditions?.map((c) => [c.type, c.status, c.reason]), [['Available', 'False', 'FailedDiscoveryCheck']]);
    }, 90_000);
    const refused = await stack.kubectl(['get', 'flunders', '-n', 'zoo']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Error from server \(ServiceUnavailable\): the server is currently unable to handle the request/);
    assert.match(await ok(['api-resources']), /^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m);
    // It held nothing in this namespace when last seen: its deletion does not wait for it.
    await ok(['create', 'namespace', 'empty']);
    await ok(['delete', 'namespace', 'empty', '--wait=false']);
    await eventually(async () => {
      const left = await stack.kubectl(['get', 'namespace', 'empty', '-o', 'json']);
      assert.match(left.stderr, /NotFound/, left.stdout);
    }, 120_000);
    // It held a flunder in this one: kube's discovery failure, for each of its versions.
    await eventually(async () => {
      const { phase, conditions } = await namespaceConditions(HELD);
      assert.equal(phase, 'Terminating');
      assert.deepEqual(conditions.NamespaceDeletionDiscoveryFailure, [
        'True',
        'DiscoveryFailed',
        `Discovery failed for some groups, 2 failing: unable to retrieve the complete list of server APIs: ${WARDLE}/v1alpha1: stale GroupVersion discovery: ${WARDLE}/v1alpha1, ${WARDLE}/v1beta1: stale GroupVersion discovery: ${WARDLE}/v1beta1`,
      ]);
    }, 60_000);
  });

  it('started again, the namespace finishes once its flunder is gone', async () => {
    startSample();
    await eventually(async () => {
      const { conditions } = await namespaceConditions(HELD);
      assert.deepEqual(conditions.NamespaceDeletionDiscoveryFailure, ['False', 'ResourcesDiscovered', 'All resources successfully discovered']);
      assert.deepEqual(conditions.NamespaceFinalizersRemaining?.[0], 'True');
    }, 180_000);
    const kept = JSON.parse(await ok(['get', 'flunder', 'kept', '-n', HELD, '-o', 'json'])) as { metadata: { deletionTimestamp?: string } };
    assert.ok(kept.metadata.deletionTimestamp, 'the namespace controller deleted it through kapi');
    await ok(['patch', 'flunder', 'kept', '-n', HELD, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await ok(['wait', '--for=delete', `namespace/${HELD}`, '--timeout=120s']);
    await ok(['create', 'namespace', HELD]);
    assert.match((await stack.kubectl(['get', 'flunders', '-n', HELD])).stderr, new RegExp(`No resources found in ${HELD} namespace\\.`));
  });

  it('a namespace deleted while it is down waits for the flunders it was seen holding, until its APIServices are removed', async () => {
    await ok(['create', 'namespace', 'abandoned']);
    await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: `${WARDLE}/v1alpha1`, kind: 'Flunder', metadata: { name: 'left', namespace: 'abandoned' }, spec: { reference: 'none' } }));
    // Two more looks: the second began after the first ended, so after the flunder was created.
    const before = await looks(`v1beta1.${WARDLE}`);
    await eventually(async () => assert.ok((await looks(`v1beta1.${WARDLE}`)) >= before + 2), 60_000);
    sample?.kill('SIGTERM');
    await eventually(async () => {
      const apiService = JSON.parse(await ok(['get', 'apiservice', `v1beta1.${WARDLE}`, '-o', 'json'])) as { status?: { conditions?: { type: string; status: string }[] } };
      assert.deepEqual(apiService.status?.conditions?.map((c) => [c.type, c.status]), [['Available', 'False']]);
    }, 90_000);
    await ok(['delete', 'namespace', 'abandoned', '--wait=false']);
    await eventually(async () => {
      const { phase, conditions } = await namespaceConditions('abandoned');
      assert.equal(phase, 'Terminating');
      assert.equal(conditions.NamespaceDeletionDiscoveryFailure?.[1], 'DiscoveryFailed');
    }, 60_000);
    await ok(['delete', 'apiservice', `v1alpha1.${WARDLE}`, `v1beta1.${WARDLE}`]);
    await eventually(async () => assert.match((await stack.kubectl(['get', 'namespace', 'abandoned'])).stderr, /NotFound/), 60_000);
  });
});
