import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderKubeconfig } from './kubeconfig';

describe('renderKubeconfig', () => {
  const content = {
    serverUrl: 'https://127.0.0.1:6443',
    caPem: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n',
    clientCertPem: '-----BEGIN CERTIFICATE-----\nADMIN\n-----END CERTIFICATE-----\n',
    clientKeyPem: '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n',
  };
  const text = renderKubeconfig(content);
  const valueOf = (key: string) => {
    const line = text.split('\n').find((candidate) => candidate.trim().startsWith(`${key}:`));
    assert.ok(line, `missing ${key}`);
    return JSON.parse(line.slice(line.indexOf(':') + 1).trim()) as string;
  };
  const decoded = (key: string) => Buffer.from(valueOf(key), 'base64').toString('utf8');

  test('points the kapi cluster at the load balancer and trusts the kapi CA', () => {
    assert.equal(valueOf('server'), 'https://127.0.0.1:6443');
    assert.equal(decoded('certificate-authority-data'), content.caPem);
  });

  test('embeds the admin client certificate and key', () => {
    assert.equal(decoded('client-certificate-data'), content.clientCertPem);
    assert.equal(decoded('client-key-data'), content.clientKeyPem);
  });

  test('names cluster kapi, user kubernetes-admin, and makes context kapi current', () => {
    assert.match(text, /^clusters:\n {2}- name: "kapi"$/m);
    assert.match(text, /^users:\n {2}- name: "kubernetes-admin"$/m);
    assert.match(text, /^contexts:\n {2}- name: "kapi"\n {4}context:\n {6}cluster: "kapi"\n {6}user: "kubernetes-admin"$/m);
    assert.equal(valueOf('current-context'), 'kapi');
    assert.match(text, /^apiVersion: v1\nkind: Config\n/);
  });
});
