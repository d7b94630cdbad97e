import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { findBinary } from './binaries';
import { writeKubeconfig } from './kubeconfig';
import { SERVICE_IDENTITY_NAMES, ensurePki, ensureWebhookServingPki, servingSubjectAltNames } from './pki';

const SERVICES_PKI = ['services/ca.crt', 'services/ca.key', ...SERVICE_IDENTITY_NAMES.flatMap((identity) => [`services/${identity}.crt`, `services/${identity}.key`])];

const pkiDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-pki-test-')), 'pki');
after(() => fs.rmSync(path.dirname(pkiDir), { recursive: true, force: true }));

describe('ensurePki', { timeout: 60_000 }, () => {
  const sans = servingSubjectAltNames(['127.0.0.2', '127.0.0.3']);

  test('creates a CA, serving, admin and service-account material that openssl accepts', () => {
    const { files, generated } = ensurePki(pkiDir, sans);
    assert.deepEqual(generated.sort(), ['admin.crt', 'admin.key', 'apiserver.crt', 'apiserver.key', 'ca.crt', 'ca.key', 'load-balancer.crt', 'load-balancer.key', 'sa.key', 'sa.pub', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'front-proxy-client.crt', 'front-proxy-client.key', ...SERVICES_PKI].sort());
    const verified = execFileSync('openssl', ['verify', '-CAfile', files.caCert, files.adminCert, files.servingCert], { encoding: 'utf8' });
    assert.match(verified, /admin\.crt: OK/);
    assert.match(verified, /apiserver\.crt: OK/);

    const admin = new X509Certificate(fs.readFileSync(files.adminCert));
    assert.match(admin.subject, /CN=kubernetes-admin/);
    assert.match(admin.subject, /O=system:masters/);
    assert.deepEqual(admin.keyUsage, ['1.3.6.1.5.5.7.3.2']);

    // The load balancer's check identity: a plain authenticated user, certificate and key in one PEM for HAProxy.
    const lb = new X509Certificate(fs.readFileSync(files.loadBalancerCert));
    assert.equal(lb.subject, 'CN=system:kapi:load-balancer');
    assert.ok(lb.checkIssued(new X509Certificate(fs.readFileSync(files.caCert))));
    const pem = fs.readFileSync(files.loadBalancerPem, 'utf8');
    assert.ok(pem.includes(fs.readFileSync(files.loadBalancerCert, 'utf8')) && pem.includes(fs.readFileSync(files.loadBalancerKey, 'utf8')));

    const serving = new X509Certificate(fs.readFileSync(files.servingCert));
    for (const name of ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'localhost']) {
      assert.equal(serving.checkHost(name), name);
    }
    for (const ip of ['127.0.0.1', '127.0.0.2', '127.0.0.3', '10.96.0.1']) assert.equal(serving.checkIP(ip), ip);

    for (const key of [files.caKey, files.servingKey, files.adminKey, files.loadBalancerKey, files.loadBalancerPem, files.serviceAccountKey]) {
      assert.equal(fs.statSync(key).mode & 0o077, 0, `${key} must not be readable by others`);
    }
    assert.match(fs.readFileSync(files.serviceAccountPublicKey, 'utf8'), /^-----BEGIN PUBLIC KEY-----/);
  });

  test('issues the front-proxy client certificate from a front-proxy CA of its own, as kubeadm does', () => {
    const { files } = ensurePki(pkiDir, sans);
    const frontProxyCa = new X509Certificate(fs.readFileSync(files.frontProxyCaCert));
    const client = new X509Certificate(fs.readFileSync(files.frontProxyClientCert));
    assert.equal(frontProxyCa.subject, 'CN=front-proxy-ca');
    assert.ok(client.checkIssued(frontProxyCa));
    assert.ok(!client.checkIssued(new X509Certificate(fs.readFileSync(files.caCert))), 'not from the users\' CA');
    assert.equal(client.subject, 'CN=front-proxy-client');
    assert.deepEqual(client.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.equal(fs.statSync(files.frontProxyClientKey).mode & 0o077, 0);
  });

  test('issues each service identity from a services CA of its own, which the users\' CA is not', () => {
    const { files } = ensurePki(pkiDir, sans);
    const servicesCa = new X509Certificate(fs.readFileSync(files.servicesCaCert));
    const usersCa = new X509Certificate(fs.readFileSync(files.caCert));
    assert.equal(servicesCa.subject, 'CN=kapi-services-ca');
    assert.ok(servicesCa.ca);
    assert.notEqual(servicesCa.fingerprint256, usersCa.fingerprint256);
    const verified = execFileSync('openssl', ['verify', '-CAfile', files.servicesCaCert, ...SERVICE_IDENTITY_NAMES.map((identity) => files.identities[identity].cert)], { encoding: 'utf8' });
    for (const identity of SERVICE_IDENTITY_NAMES) {
      assert.match(verified, new RegExp(`${identity}\\.crt: OK`));
      const cert = new X509Certificate(fs.readFileSync(files.identities[identity].cert));
      assert.equal(cert.subject, `CN=${identity}`);
      assert.ok(!cert.checkIssued(usersCa), `${identity} is not from the users' CA`);
      assert.equal(cert.publicKey.asymmetricKeyType, 'ec', `${identity} has an ECDSA key`);
      const usages = { operator: ['1.3.6.1.5.5.7.3.2'], nats: ['1.3.6.1.5.5.7.3.1'] }[identity as string] ?? ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'];
      assert.deepEqual(cert.keyUsage, usages, `${identity} extended key usage`);
      assert.equal(fs.statSync(files.identities[identity].key).mode & 0o077, 0, `${identity}.key must not be readable by others`);
    }
    // A user's certificate, the admin's included, does not chain to the services CA.
    assert.throws(() => execFileSync('openssl', ['verify', '-CAfile', files.servicesCaCert, files.adminCert], { stdio: 'pipe' }));
  });

  test('is idempotent, so certificates survive a restart', () => {
    const before = fs.readFileSync(path.join(pkiDir, 'ca.crt'), 'utf8');
    assert.deepEqual(ensurePki(pkiDir, sans).generated, []);
    assert.equal(fs.readFileSync(path.join(pkiDir, 'ca.crt'), 'utf8'), before);
  });

  test('reissues only the serving certificate when a front door address is added', () => {
    const { generated, files } = ensurePki(pkiDir, servingSubjectAltNames(['127.0.0.2', '127.0.0.3', '127.0.0.4']));
    assert.deepEqual(generated, ['apiserver.crt', 'apiserver.key']);
    assert.equal(new X509Certificate(fs.readFileSync(files.servingCert)).checkIP('127.0.0.4'), '127.0.0.4');
  });

  test('a new CA reissues every certificate it signs but keeps the service-account keys', () => {
    const saKey = fs.readFileSync(path.join(pkiDir, 'sa.key'), 'utf8');
    fs.rmSync(path.join(pkiDir, 'ca.key'));
    const { generated } = ensurePki(pkiDir, sans);
    assert.deepEqual(generated, ['ca.crt', 'ca.key', 'apiserver.crt', 'apiserver.key', 'admin.crt', 'admin.key', 'load-balancer.crt', 'load-balancer.key']);
    assert.equal(fs.readFileSync(path.join(pkiDir, 'sa.key'), 'utf8'), saKey);
  });

  test('a missing identity is reissued alone; a new services CA reissues every identity and nothing of the users\' PKI', () => {
    fs.rmSync(path.join(pkiDir, 'services', 'authz.key'));
    assert.deepEqual(ensurePki(pkiDir, sans).generated, ['services/authz.crt', 'services/authz.key']);
    fs.rmSync(path.join(pkiDir, 'services', 'ca.crt'));
    assert.deepEqual(ensurePki(pkiDir, sans).generated, SERVICES_PKI);
  });

  test("a webhook's serving certificate: a CA of its own, kept across starts; the certificate reissued from it for a new name", () => {
    const dir = path.join(path.dirname(pkiDir), 'example-webhook');
    const first = ensureWebhookServingPki(dir, { dns: ['localhost'], ips: ['127.0.0.1'] });
    assert.deepEqual(first.generated, ['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    const ca = new X509Certificate(fs.readFileSync(first.files.caCert));
    const cert = new X509Certificate(fs.readFileSync(first.files.cert));
    assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey));
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.ok(!cert.ca && ca.ca);
    assert.deepEqual(ensureWebhookServingPki(dir, { dns: ['localhost'], ips: ['127.0.0.1'] }).generated, []);
    const moved = ensureWebhookServingPki(dir, { dns: ['localhost'], ips: ['127.0.0.1', '127.0.0.9'] });
    assert.deepEqual(moved.generated, ['tls.crt', 'tls.key']);
    assert.equal(new X509Certificate(fs.readFileSync(moved.files.caCert)).fingerprint256, ca.fingerprint256);
    assert.equal(new X509Certificate(fs.readFileSync(moved.files.cert)).checkIP('127.0.0.9'), '127.0.0.9');
  });

  test('the written kubeconfig is private and kubectl reads it', (context) => {
    const { files } = ensurePki(pkiDir, sans);
    const kubeconfig = path.join(path.dirname(pkiDir), 'admin.kubeconfig');
    writeKubeconfig(kubeconfig, files, 'https://127.0.0.1:6443');
    assert.equal(fs.statSync(kubeconfig).mode & 0o777, 0o600);
    const kubectl = findBinary('kubectl');
    if (!kubectl) return context.skip('kubectl is not installed');
    const view = JSON.parse(execFileSync(kubectl, ['--kubeconfig', kubeconfig, 'config', 'view', '--raw', '-o', 'json'], { encoding: 'utf8' }));
    assert.equal(view['current-context'], 'kapi');
    assert.equal(view.clusters[0].cluster.server, 'https://127.0.0.1:6443');
    assert.equal(Buffer.from(view.users[0].user['client-certificate-data'], 'base64').toString(), fs.readFileSync(files.adminCert, 'utf8'));
  });
});
