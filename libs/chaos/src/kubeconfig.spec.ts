import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKubeconfig } from './kubeconfig.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('readKubeconfig', () => {
  it('resolves the current context: inline data, and files relative to the kubeconfig', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kapi-kubeconfig-'));
    try {
      writeFileSync(join(dir, 'client.key'), 'KEY');
      writeFileSync(
        join(dir, 'config'),
        [
          'apiVersion: v1',
          'kind: Config',
          'current-context: kapi',
          'clusters:',
          '- name: c',
          '  cluster:',
          '    server: https://10.0.0.1:6443',
          `    certificate-authority-data: ${b64('CA')}`,
          'users:',
          '- name: u',
          '  user:',
          `    client-certificate-data: ${b64('CERT')}`,
          '    client-key: client.key',
          'contexts:',
          '- name: kapi',
          '  context: {cluster: c, user: u}',
          '- name: other',
          '  context: {cluster: c, user: nobody}',
        ].join('\n'),
      );
      const target = readKubeconfig(join(dir, 'config'));
      assert.equal(target.server, 'https://10.0.0.1:6443');
      assert.deepEqual(target.tls, { ca: 'CA', cert: 'CERT', key: 'KEY' });
      assert.throws(() => readKubeconfig(join(dir, 'config'), 'other'), /names no user/);
      assert.throws(() => readKubeconfig(join(dir, 'config'), 'missing'), /no context "missing"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
