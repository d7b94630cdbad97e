// Helm as a client of kapi, unchanged: a chart installed, upgraded, rolled back and uninstalled.
// Helm reads discovery and the server version, keeps each release in a labelled Secret it finds by
// label selector, applies upgrades as three-way strategic merge patches and waits for what it made.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helmAgainst, startTestStack, writeChart, type TestStack } from './harness.js';

const NS = 'helm-client';

describe('helm against kapi', { timeout: 300_000 }, () => {
  let stack: TestStack;
  let dir: string;
  let chart: string;

  // Helm's own state and kubectl's discovery cache stay in this test's directory.
  const helm = (args: string[]) => helmAgainst(stack, dir)(args);
  const kubectl = async (args: string[]) => {
    const res = await stack.kubectl(args);
    assert.equal(res.code, 0, `kubectl ${args.join(' ')}: ${res.stderr}`);
    return res.stdout;
  };
  const greeting = () => kubectl(['get', 'configmap', 'demo-settings', '-n', NS, '-o', 'jsonpath={.data.greeting}']);
  const revisions = async () => (JSON.parse(await helm(['history', 'demo', '-n', NS, '-o', 'json'])) as { revision: number; status: string }[]).map((r) => `${r.revision}:${r.status}`);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kapi-helm-client-'));
    chart = writeChart(dir, 'demo', {
      'values.yaml': 'greeting: hello\n',
      'templates/objects.yaml': [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: {{ .Release.Name }}-settings',
        'data:',
        '  greeting: {{ .Values.greeting | quote }}',
        '---',
        'apiVersion: v1',
        'kind: ServiceAccount',
        'metadata:',
        '  name: {{ .Release.Name }}',
        '---',
        'apiVersion: v1',
        'kind: Service',
        'metadata:',
        '  name: {{ .Release.Name }}',
        'spec:',
        '  selector:',
        '    app: {{ .Release.Name }}',
        '  ports:',
        '    - port: 80',
        '      targetPort: 8080',
        '',
      ].join('\n'),
    });
    stack = await startTestStack({ aggregatorReplicas: 1 });
  });

  after(async () => {
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs a chart into a namespace it creates, and waits for it', async () => {
    await helm(['install', 'demo', chart, '-n', NS, '--create-namespace', '--wait', '--timeout', '60s']);
    assert.equal(await greeting(), 'hello');
    assert.match(await kubectl(['get', 'service', 'demo', '-n', NS, '-o', 'jsonpath={.spec.clusterIP}']), /^\d+\.\d+\.\d+\.\d+$/);
    const [release] = JSON.parse(await helm(['list', '-n', NS, '-o', 'json']));
    assert.deepEqual({ name: release.name, status: release.status, revision: release.revision }, { name: 'demo', status: 'deployed', revision: '1' });
    // The release lives in a Secret Helm finds by its labels.
    assert.equal(await kubectl(['get', 'secrets', '-n', NS, '-l', 'owner=helm,name=demo', '-o', 'name']), 'secret/sh.helm.release.v1.demo.v1\n');
  });

  it('upgrades with a changed value and rolls back to the first revision', async () => {
    await helm(['upgrade', 'demo', chart, '-n', NS, '--set', 'greeting=bonjour', '--wait', '--timeout', '60s']);
    assert.equal(await greeting(), 'bonjour');
    await helm(['rollback', 'demo', '1', '-n', NS, '--wait', '--timeout', '60s']);
    assert.equal(await greeting(), 'hello');
    assert.deepEqual(await revisions(), ['1:superseded', '2:superseded', '3:deployed']);
    assert.match(await helm(['get', 'manifest', 'demo', '-n', NS]), /name: demo-settings/);
  });

  it('uninstalls everything it made, its release Secrets included', async () => {
    await helm(['uninstall', 'demo', '-n', NS, '--wait', '--timeout', '60s']);
    assert.equal(await kubectl(['get', 'configmaps,services,serviceaccounts,secrets', '-n', NS, '-l', 'owner=helm', '-o', 'name']), '');
    for (const kind of ['configmap/demo-settings', 'service/demo', 'serviceaccount/demo']) {
      const res = await stack.kubectl(['get', kind, '-n', NS]);
      assert.match(res.stderr, /NotFound/, kind);
    }
    assert.deepEqual(JSON.parse(await helm(['list', '-n', NS, '-o', 'json'])), []);
  });
});
