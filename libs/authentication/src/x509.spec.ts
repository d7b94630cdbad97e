import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthenticationFailed, type Authenticator, type Credentials } from './authenticator.js';
import { subjectValues, x509Authenticator } from './x509.js';

// A throw-away PKI made with the openssl CLI: two CAs, an intermediate and client certificates.
let dir = '';
const pem: Record<string, string> = {};

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(name: string, cn: string): void {
  openssl(
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${cn}`, '-days', '2',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  );
  pem[name] = readFileSync(join(dir, `${name}.crt`), 'utf8');
}

function makeCert(name: string, subject: string, issuer: string, extensions: string[]): void {
  openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
  writeFileSync(join(dir, `${name}.ext`), `${extensions.join('\n')}\n`);
  openssl(
    'x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`,
    '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`,
  );
  pem[name] = readFileSync(join(dir, `${name}.crt`), 'utf8');
}

const der = (name: string): Buffer => new X509Certificate(pem[name]).raw;
const creds = (...names: string[]): Credentials => ({ clientCertificates: names.map(der), bearerToken: '' });
const CLIENT = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth'];

function failsWith(auth: Authenticator, c: Credentials, message: RegExp) {
  return assert.rejects(auth.authenticate(c), (err: unknown) => err instanceof AuthenticationFailed && err.authenticator === 'x509' && message.test(err.message));
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kapi-x509-'));
  makeCa('ca', 'kapi-test-ca');
  makeCa('other-ca', 'someone-else');
  makeCert('alice', '/CN=alice/O=dev/O=ops', 'ca', CLIENT);
  makeCert('admin', '/O=system:masters/CN=kubernetes-admin', 'ca', CLIENT);
  makeCert('no-groups', '/CN=bob', 'ca', CLIENT);
  makeCert('no-eku', '/CN=carol', 'ca', ['basicConstraints=CA:FALSE']);
  makeCert('server-only', '/CN=kapi.local', 'ca', ['basicConstraints=CA:FALSE', 'extendedKeyUsage=serverAuth']);
  makeCert('no-cn', '/O=dev', 'ca', CLIENT);
  makeCert('stranger', '/CN=mallory/O=system:masters', 'other-ca', CLIENT);
  makeCert('intermediate', '/CN=kapi-intermediate', 'ca', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign']);
  makeCert('dave', '/CN=dave/O=team', 'intermediate', CLIENT);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('x509Authenticator', () => {
  it('maps the subject CN to the user name and each O to a group', async () => {
    const auth = x509Authenticator(pem.ca);
    assert.equal(auth.name, 'x509');
    assert.deepEqual(await auth.authenticate(creds('alice')), { ok: true, user: { username: 'alice', uid: '', groups: ['dev', 'ops'], extra: {} } });
    assert.deepEqual(await auth.authenticate(creds('admin')), {
      ok: true,
      user: { username: 'kubernetes-admin', uid: '', groups: ['system:masters'], extra: {} },
    });
    assert.deepEqual(await auth.authenticate(creds('no-groups')), { ok: true, user: { username: 'bob', uid: '', groups: [], extra: {} } });
  });

  it('is not its business when there is no client certificate', async () => {
    assert.deepEqual(await x509Authenticator(pem.ca).authenticate({ clientCertificates: [], bearerToken: 'tok' }), { ok: false });
  });

  it('fails a certificate signed by an unknown CA', async () => {
    await failsWith(x509Authenticator(pem.ca), creds('stranger'), /^x509: certificate signed by unknown authority$/);
  });

  it('trusts every CA of the bundle', async () => {
    const bundle = `${pem.ca}${pem['other-ca']}`;
    const auth = x509Authenticator(bundle);
    assert.equal(((await auth.authenticate(creds('stranger'))) as { user: { username: string } }).user.username, 'mallory');
    assert.equal(((await auth.authenticate(creds('alice'))) as { user: { username: string } }).user.username, 'alice');
  });

  it('follows intermediates the client sends after its certificate', async () => {
    const auth = x509Authenticator(pem.ca);
    assert.deepEqual(await auth.authenticate(creds('dave', 'intermediate')), { ok: true, user: { username: 'dave', uid: '', groups: ['team'], extra: {} } });
    // Without the intermediate the chain does not reach the CA.
    await failsWith(auth, creds('dave'), /unknown authority/);
  });

  it('does not let a leaf certificate act as an intermediate', async () => {
    // alice is signed by the CA but is no CA herself.
    await failsWith(x509Authenticator(pem.ca), creds('dave', 'alice'), /unknown authority/);
  });

  it('fails a certificate outside its validity period', async () => {
    const future = x509Authenticator(pem.ca, () => new Date(Date.now() + 10 * 365 * 24 * 3600_000));
    await failsWith(future, creds('alice'), /^x509: certificate has expired or is not yet valid/);
    const past = x509Authenticator(pem.ca, () => new Date(Date.now() - 10 * 365 * 24 * 3600_000));
    await failsWith(past, creds('alice'), /^x509: certificate has expired or is not yet valid/);
  });

  it('requires the client-auth extended key usage when one is listed', async () => {
    const auth = x509Authenticator(pem.ca);
    await failsWith(auth, creds('server-only'), /^x509: certificate specifies an incompatible key usage$/);
    // No extended key usage at all means any usage, as Go's verifier reads it.
    assert.equal(((await auth.authenticate(creds('no-eku'))) as { user: { username: string } }).user.username, 'carol');
  });

  it('fails a certificate it cannot parse', async () => {
    await failsWith(x509Authenticator(pem.ca), { clientCertificates: [Buffer.from('not a certificate')], bearerToken: '' }, /cannot be parsed/);
  });

  it('passes over a verified certificate without a CN, as CommonNameUserConversion does', async () => {
    // kube answers (nil, false, nil): not an error, so the request may still be anonymous.
    assert.deepEqual(await x509Authenticator(pem.ca).authenticate(creds('no-cn')), { ok: false });
  });
});

describe('x509Authenticator on repeated requests', () => {
  it('answers the same user each time, with groups the caller may change freely', async () => {
    const auth = x509Authenticator(pem.ca);
    const first = await auth.authenticate(creds('alice'));
    assert.ok(first.ok);
    first.user.groups.push('system:masters');
    first.user.username = 'root';
    assert.deepEqual(await auth.authenticate(creds('alice')), { ok: true, user: { username: 'alice', uid: '', groups: ['dev', 'ops'], extra: {} } });
  });

  it('stops accepting a certificate once it has expired, even after accepting it before', async () => {
    let clock = Date.now();
    const auth = x509Authenticator(pem.ca, () => new Date(clock));
    assert.equal((await auth.authenticate(creds('alice'))).ok, true);
    clock += 3 * 24 * 3600_000; // the certificates are valid for two days
    await failsWith(auth, creds('alice'), /expired or is not yet valid/);
  });

  it('does not accept another certificate because one was accepted', async () => {
    const auth = x509Authenticator(pem.ca);
    assert.equal((await auth.authenticate(creds('alice'))).ok, true);
    await failsWith(auth, creds('stranger'), /unknown authority/);
    await failsWith(auth, creds('server-only'), /incompatible key usage/);
  });
});

describe('subjectValues', () => {
  it('picks every value of one attribute from Node\'s multi-line subject', () => {
    const subject = 'C=US\nO=dev\nO=system:masters\nCN=alice';
    assert.deepEqual(subjectValues(subject, 'O'), ['dev', 'system:masters']);
    assert.deepEqual(subjectValues(subject, 'CN'), ['alice']);
    assert.deepEqual(subjectValues(subject, 'OU'), []);
  });

  it('reads the subject of a real certificate', () => {
    assert.deepEqual(subjectValues(new X509Certificate(pem.alice).subject, 'O'), ['dev', 'ops']);
  });
});
