// A kubectl session of the everyday commands that have no other home in the suite, each asserting
// on what kubectl prints: api-versions, create --dry-run=server, the three patch types, edit, diff,
// --chunk-size, jsonpath, wait --for=delete, and kubectl's error lines for kube's Status errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiRequest, startTestStack, type TestStack } from './harness.js';

const NS = 'session';

describe('a kubectl session', () => {
  let stack: TestStack;
  let scratch: string;
  const kubectl = (...args: string[]) => stack.kubectl(['-n', NS, ...args]);

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1 });
    scratch = mkdtempSync(join(tmpdir(), 'kapi-session-'));
    assert.equal((await stack.kubectl(['create', 'namespace', NS])).code, 0);
  });

  after(async () => {
    await stack?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('api-versions lists every served group/version', async () => {
    const res = await stack.kubectl(['api-versions']);
    assert.equal(res.code, 0, res.stderr);
    const versions = res.stdout.trim().split('\n');
    for (const gv of ['v1', 'rbac.authorization.k8s.io/v1', 'coordination.k8s.io/v1', 'discovery.k8s.io/v1']) assert.ok(versions.includes(gv), gv);
    assert.deepEqual([...versions].sort(), versions);
  });

  it('gets every listable resource of every group, and describes one object of each kind it finds', async () => {
    const resources = await stack.kubectl(['api-resources', '--verbs=list', '-o', 'name']);
    assert.equal(resources.code, 0, resources.stderr);
    const names = resources.stdout.trim().split('\n');
    const groups = new Set(names.map((n) => n.split('.').slice(1).join('.')));
    for (const group of ['', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'discovery.k8s.io', 'coordination.k8s.io', 'events.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io', 'scheduling.k8s.io', 'node.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'apiregistration.k8s.io', 'certificates.k8s.io', 'flowcontrol.apiserver.k8s.io']) {
      assert.ok(groups.has(group), `api-resources lists the group ${JSON.stringify(group)}`);
    }
    for (const name of names) {
      const got = await stack.kubectl(['get', name, '-A', '-o', 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\n"}{end}']);
      assert.equal(got.code, 0, `kubectl get ${name}: ${got.stderr}`);
      const first = got.stdout.split('\n')[0];
      if (!first) continue;
      const [namespace, object] = first.split('/');
      const described = await stack.kubectl([...(namespace ? ['-n', namespace] : []), 'describe', name, object]);
      assert.equal(described.code, 0, `kubectl describe ${name} ${first}: ${described.stderr}`);
      assert.match(described.stdout, /^Name:\s+\S+/m, `kubectl describe ${name} ${first}`);
    }
  });

  it('create --dry-run=server answers as a create would and stores nothing', async () => {
    const res = await kubectl('create', 'configmap', 'dry', '--from-literal=a=1', '--dry-run=server', '-o', 'jsonpath={.metadata.name} {.data.a} {.metadata.uid}');
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^dry 1 [0-9a-f-]{36}$/);
    const get = await kubectl('get', 'configmap', 'dry');
    assert.equal(get.stderr, 'Error from server (NotFound): configmaps "dry" not found\n');
  });

  it('patches with all three patch types', async () => {
    assert.equal((await kubectl('create', 'configmap', 'patched', '--from-literal=a=1')).code, 0);
    const strategic = await kubectl('patch', 'configmap', 'patched', '-p', '{"data":{"b":"2"}}');
    assert.equal(strategic.stdout, 'configmap/patched patched\n', strategic.stderr);
    const merge = await kubectl('patch', 'configmap', 'patched', '--type', 'merge', '-p', '{"data":{"a":null}}');
    assert.equal(merge.stdout, 'configmap/patched patched\n', merge.stderr);
    const json = await kubectl('patch', 'configmap', 'patched', '--type', 'json', '-p', '[{"op":"add","path":"/data/c","value":"3"}]');
    assert.equal(json.stdout, 'configmap/patched patched\n', json.stderr);
    const same = await kubectl('patch', 'configmap', 'patched', '--type', 'merge', '-p', '{"data":{"c":"3"}}');
    assert.equal(same.stdout, 'configmap/patched patched (no change)\n', same.stderr);
    const data = await kubectl('get', 'configmap', 'patched', '-o', 'jsonpath={.data}');
    assert.equal(data.stdout, '{"b":"2","c":"3"}');
    const badTest = await kubectl('patch', 'configmap', 'patched', '--type', 'json', '-p', '[{"op":"test","path":"/data/b","value":"9"}]');
    assert.equal(badTest.code, 1);
    // kube-apiserver keeps the JSON patch's failure to itself: 422 Invalid with a generic message.
    assert.equal(badTest.stderr, 'The request is invalid: the server rejected our request due to an error in our request\n');
  });

  it('applies a deployment twice: env entries merge by name, removed ones go, what others added stays', async () => {
    const manifest = join(scratch, 'web.yaml');
    const deployment = (env: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        env:
${env}      - name: sidecar
        image: busybox:1.36
`;
    writeFileSync(manifest, deployment('        - {name: A, value: "1"}\n        - {name: B, value: "1"}\n'));
    const first = await stack.kubectl(['apply', '-f', manifest]);
    assert.equal(first.stdout, 'deployment.apps/web created\n', first.stderr);
    // Another hand adds an entry the file never had.
    assert.equal((await kubectl('set', 'env', 'deployment/web', '-c', 'web', 'C=live')).code, 0);
    writeFileSync(manifest, deployment('        - {name: A, value: "2"}\n'));
    const second = await stack.kubectl(['apply', '-f', manifest]);
    assert.equal(second.stdout, 'deployment.apps/web configured\n', second.stderr);
    const containers = JSON.parse((await kubectl('get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers}')).stdout) as { name: string; env?: { name: string; value: string }[] }[];
    assert.deepEqual(containers.map((c) => c.name), ['web', 'sidecar']);
    assert.deepEqual(containers[0].env?.map((e) => `${e.name}=${e.value}`).sort(), ['A=2', 'C=live']);
  });

  it('edits with KUBE_EDITOR and reports an edit that changes nothing', async () => {
    assert.equal((await kubectl('create', 'configmap', 'edited', '--from-literal=color=blue')).code, 0);
    const editor = join(scratch, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/color: blue/color: green/" "$1"\n');
    chmodSync(editor, 0o755);
    const edited = await stack.kubectl(['-n', NS, 'edit', 'configmap', 'edited'], { env: { ...process.env, KUBE_EDITOR: editor } });
    assert.equal(edited.stdout, 'configmap/edited edited\n', edited.stderr);
    assert.equal((await kubectl('get', 'configmap', 'edited', '-o', 'jsonpath={.data.color}')).stdout, 'green');
    const again = await stack.kubectl(['-n', NS, 'edit', 'configmap', 'edited'], { env: { ...process.env, KUBE_EDITOR: editor } });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stderr, 'Edit cancelled, no changes made.\n');
  });

  it('diffs a manifest against the live object through a server-side dry run', async () => {
    const manifest = join(scratch, 'diffed.yaml');
    writeFileSync(manifest, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: diffed\n  namespace: ${NS}\ndata:\n  a: "1"\n`);
    assert.equal((await stack.kubectl(['apply', '-f', manifest])).code, 0);
    const none = await stack.kubectl(['diff', '-f', manifest]);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, '');
    writeFileSync(manifest, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: diffed\n  namespace: ${NS}\ndata:\n  a: "2"\n`);
    const some = await stack.kubectl(['diff', '-f', manifest]);
    assert.equal(some.code, 1, some.stderr);
    assert.match(some.stdout, /^-  a: "1"$/m);
    assert.match(some.stdout, /^\+  a: "2"$/m);
    // The dry run changed nothing.
    assert.equal((await kubectl('get', 'configmap', 'diffed', '-o', 'jsonpath={.data.a}')).stdout, '1');
  });

  it('lists in chunks with --chunk-size and prints with jsonpath and custom columns', async () => {
    for (let i = 0; i < 7; i++) assert.equal((await kubectl('create', 'configmap', `chunk-${i}`, `--from-literal=i=${i}`)).code, 0);
    const chunked = await kubectl('get', 'configmaps', '-l', '', '--chunk-size=2', '-o', 'name');
    const all = await kubectl('get', 'configmaps', '-o', 'name');
    assert.equal(chunked.code, 0, chunked.stderr);
    assert.equal(chunked.stdout, all.stdout);
    assert.ok(chunked.stdout.includes('configmap/chunk-6\n'));
    const page = await apiRequest(stack, 'GET', `/api/v1/namespaces/${NS}/configmaps?limit=2`);
    assert.ok(JSON.parse(page.body).metadata.continue);
    const names = await kubectl('get', 'configmaps', '-o', 'jsonpath={range .items[?(@.data.i)]}{.metadata.name}={.data.i}{"\\n"}{end}');
    assert.equal(names.stdout, Array.from({ length: 7 }, (_, i) => `chunk-${i}=${i}\n`).join(''));
    const columns = await kubectl('get', 'configmap', 'chunk-3', '-o', 'custom-columns=NAME:.metadata.name,I:.data.i');
    assert.equal(columns.stdout, 'NAME      I\nchunk-3   3\n');
  });

  it('waits for a deletion with kubectl wait --for=delete', async () => {
    assert.equal((await kubectl('create', 'configmap', 'doomed')).code, 0);
    const waiting = kubectl('wait', '--for=delete', 'configmap/doomed', '--timeout=60s');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await kubectl('delete', 'configmap', 'doomed', '--wait=false')).code, 0);
    const waited = await waiting;
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(waited.stdout, 'configmap/doomed condition met\n');
  });

  it("prints kube-apiserver's error lines", async () => {
    const missing = await kubectl('get', 'configmap', 'nope');
    assert.equal(missing.stderr, 'Error from server (NotFound): configmaps "nope" not found\n');
    const invalid = await stack.kubectl(['-n', NS, 'create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } }) });
    assert.equal(
      invalid.stderr,
      "The ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')\n",
    );
    const exists = await stack.kubectl(['-n', NS, 'create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'patched' } }) });
    assert.equal(exists.stderr, 'Error from server (AlreadyExists): error when creating "STDIN": configmaps "patched" already exists\n');
    const live = JSON.parse((await kubectl('get', 'configmap', 'patched', '-o', 'json')).stdout);
    assert.equal((await kubectl('label', 'configmap', 'patched', 'touched=yes')).code, 0);
    const stale = join(scratch, 'stale.json');
    writeFileSync(stale, JSON.stringify({ ...live, data: { stale: 'yes' } }));
    const conflict = await stack.kubectl(['replace', '-f', stale]);
    assert.equal(
      conflict.stderr,
      'Error from server (Conflict): error when replacing "' + stale + '": Operation cannot be fulfilled on configmaps "patched": the object has been modified; please apply your changes to the latest version and try again\n',
    );
  });
});
