import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireBinary } from './binaries';
import { StackError } from './errors';
import { SERVICE_NAMES } from './topology';

/**
 * The identities the services CA issues a certificate for: every service (its replicas share it),
 * the operator (what `npm run status` probes Health as) and the NATS server. The name is the
 * certificate's common name; @kapi/grpc's IDENTITIES lists the same.
 */
export const SERVICE_IDENTITY_NAMES = [...SERVICE_NAMES, 'operator', 'nats'] as const;
export type ServiceIdentityName = (typeof SERVICE_IDENTITY_NAMES)[number];

export interface KeyPairFiles {
  cert: string;
  key: string;
}

export interface PkiFiles {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  /** The load balancer's client identity for its /readyz checks, and both as one PEM for HAProxy. */
  loadBalancerCert: string;
  loadBalancerKey: string;
  loadBalancerPem: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
  /**
   * The services CA, apart from the CA above that signs users' client certificates, so that a
   * user's certificate never passes as a service (kube keeps its front-proxy CA apart likewise).
   */
  servicesCaCert: string;
  servicesCaKey: string;
  /**
   * kube's front-proxy CA, apart from the users' CA (an aggregated server trusts this CA for the
   * X-Remote-* headers only), and the client certificate the front door proxies to aggregated API
   * servers with (kube's --proxy-client-cert-file), whose common name the
   * extension-apiserver-authentication ConfigMap allows (FRONT_PROXY_CLIENT_NAME).
   */
  frontProxyCaCert: string;
  frontProxyCaKey: string;
  frontProxyClientCert: string;
  frontProxyClientKey: string;
  /** Each identity's certificate and key from the services CA, under services/. */
  identities: Record<ServiceIdentityName, KeyPairFiles>;
}

export interface SubjectAltNames {
  dns: string[];
  ips: string[];
}

export interface EnsurePkiResult {
  files: PkiFiles;
  /** Names of the files written by this call; empty when everything was already in place. */
  generated: string[];
}

export const ADMIN_COMMON_NAME = 'kubernetes-admin';
export const ADMIN_ORGANIZATION = 'system:masters';
export const LOAD_BALANCER_COMMON_NAME = 'system:kapi:load-balancer';
/** The front-proxy client certificate's common name, as kubeadm issues it. */
export const FRONT_PROXY_CLIENT_NAME = 'front-proxy-client';
/** The first address of the default service CIDR, which in-cluster clients use to reach the API. */
export const KUBERNETES_SERVICE_IP = '10.96.0.1';
export const KUBERNETES_DNS_NAMES = [
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
  'localhost',
];

const CA_VALIDITY_DAYS = 3650;
const LEAF_VALIDITY_DAYS = 365;
/** Leaf certificates closer than this to expiry are reissued on the next start. */
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;

export function pkiFiles(pkiDir: string): PkiFiles {
  return {
    caCert: path.join(pkiDir, 'ca.crt'),
    caKey: path.join(pkiDir, 'ca.key'),
    servingCert: path.join(pkiDir, 'apiserver.crt'),
    servingKey: path.join(pkiDir, 'apiserver.key'),
    adminCert: path.join(pkiDir, 'admin.crt'),
    adminKey: path.join(pkiDir, 'admin.key'),
    loadBalancerCert: path.join(pkiDir, 'load-balancer.crt'),
    loadBalancerKey: path.join(pkiDir, 'load-balancer.key'),
    loadBalancerPem: path.join(pkiDir, 'load-balancer.pem'),
    serviceAccountKey: path.join(pkiDir, 'sa.key'),
    serviceAccountPublicKey: path.join(pkiDir, 'sa.pub'),
    frontProxyCaCert: path.join(pkiDir, 'front-proxy-ca.crt'),
    frontProxyCaKey: path.join(pkiDir, 'front-proxy-ca.key'),
    frontProxyClientCert: path.join(pkiDir, 'front-proxy-client.crt'),
    frontProxyClientKey: path.join(pkiDir, 'front-proxy-client.key'),
    servicesCaCert: path.join(pkiDir, 'services', 'ca.crt'),
    servicesCaKey: path.join(pkiDir, 'services', 'ca.key'),
    identities: Object.fromEntries(
      SERVICE_IDENTITY_NAMES.map((identity) => [identity, { cert: path.join(pkiDir, 'services', `${identity}.crt`), key: path.join(pkiDir, 'services', `${identity}.key`) }]),
    ) as Record<ServiceIdentityName, KeyPairFiles>,
  };
}

/** What each identity's certificate may be used for: services serve and call, the operator only calls, NATS only serves. */
function identityKeyUsage(identity: ServiceIdentityName): ExtendedKeyUsage[] {
  if (identity === 'operator') return ['clientAuth'];
  if (identity === 'nats') return ['serverAuth'];
  return ['serverAuth', 'clientAuth'];
}

/** The names every front door must be reachable under, plus the given addresses. */
export function servingSubjectAltNames(ips: string[], extraDnsNames: string[] = []): SubjectAltNames {
  return {
    dns: unique([...KUBERNETES_DNS_NAMES, ...extraDnsNames]),
    ips: unique(['127.0.0.1', ...ips, KUBERNETES_SERVICE_IP]),
  };
}

/**
 * Creates whatever is missing or unusable in `pkiDir` and keeps the rest, so
 * that clients holding the CA or the admin kubeconfig keep working across a
 * down/up cycle. A new CA invalidates every certificate it signed, so those are
 * reissued with it; a serving certificate lacking a required name is reissued
 * alone.
 */
export function ensurePki(pkiDir: string, sans: SubjectAltNames): EnsurePkiResult {
  const openssl = requireBinary('openssl');
  const files = pkiFiles(pkiDir);
  const generated: string[] = [];
  fs.mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-pki-'));
  try {
    const issuer = new OpenSslIssuer(openssl, workDir);

    const caUsable = exists(files.caCert) && exists(files.caKey);
    if (!caUsable) {
      issuer.createCa({ caCert: files.caCert, caKey: files.caKey }, 'kapi-ca');
      generated.push('ca.crt', 'ca.key');
    }
    const ca = new X509Certificate(fs.readFileSync(files.caCert));

    if (!caUsable || !leafUsable(files.servingCert, files.servingKey, ca, sans)) {
      issuer.createLeaf({
        cert: files.servingCert,
        key: files.servingKey,
        ca: files,
        subject: { CN: 'kube-apiserver' },
        extendedKeyUsage: ['serverAuth'],
        sans,
      });
      generated.push('apiserver.crt', 'apiserver.key');
    }
    if (!caUsable || !leafUsable(files.adminCert, files.adminKey, ca)) {
      issuer.createLeaf({
        cert: files.adminCert,
        key: files.adminKey,
        ca: files,
        subject: { O: ADMIN_ORGANIZATION, CN: ADMIN_COMMON_NAME },
        extendedKeyUsage: ['clientAuth'],
      });
      generated.push('admin.crt', 'admin.key');
    }
    // HAProxy checks /readyz with a certificate of its own: an authenticated user without groups,
    // which system:public-info-viewer lets read the health endpoints even with anonymous access off.
    if (!caUsable || !leafUsable(files.loadBalancerCert, files.loadBalancerKey, ca) || !exists(files.loadBalancerPem)) {
      issuer.createLeaf({
        cert: files.loadBalancerCert,
        key: files.loadBalancerKey,
        ca: files,
        subject: { CN: LOAD_BALANCER_COMMON_NAME },
        extendedKeyUsage: ['clientAuth'],
      });
      fs.writeFileSync(files.loadBalancerPem, fs.readFileSync(files.loadBalancerCert, 'utf8') + fs.readFileSync(files.loadBalancerKey, 'utf8'), { mode: 0o600 });
      generated.push('load-balancer.crt', 'load-balancer.key');
    }
    // Token signing keys are independent of the CA: replacing them would invalidate every issued token for no reason.
    if (!exists(files.serviceAccountKey) || !exists(files.serviceAccountPublicKey)) {
      issuer.createKeyPair(files.serviceAccountKey, files.serviceAccountPublicKey);
      generated.push('sa.key', 'sa.pub');
    }
    generated.push(...ensureFrontProxyPki(issuer, files));
    generated.push(...ensureServicesPki(issuer, files));
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  return { files, generated };
}

/** The front-proxy CA and its client certificate; a new CA reissues the certificate. */
function ensureFrontProxyPki(issuer: OpenSslIssuer, files: PkiFiles): string[] {
  const generated: string[] = [];
  const ca = { caCert: files.frontProxyCaCert, caKey: files.frontProxyCaKey };
  const caUsable = exists(ca.caCert) && exists(ca.caKey) && !expiring(ca.caCert);
  if (!caUsable) {
    issuer.createCa(ca, 'front-proxy-ca');
    generated.push('front-proxy-ca.crt', 'front-proxy-ca.key');
  }
  const caCert = new X509Certificate(fs.readFileSync(ca.caCert));
  if (!caUsable || !leafUsable(files.frontProxyClientCert, files.frontProxyClientKey, caCert, undefined, FRONT_PROXY_CLIENT_NAME)) {
    issuer.createLeaf({ cert: files.frontProxyClientCert, key: files.frontProxyClientKey, ca, subject: { CN: FRONT_PROXY_CLIENT_NAME }, extendedKeyUsage: ['clientAuth'] });
    generated.push('front-proxy-client.crt', 'front-proxy-client.key');
  }
  return generated;
}

/**
 * The services CA and one certificate per identity (ECDSA P-256: each gRPC and NATS connection
 * between services pays a handshake, and ECDSA's costs a fraction of RSA's). A new services CA
 * reissues every identity; an identity missing, expiring or not naming itself is reissued alone.
 */
function ensureServicesPki(issuer: OpenSslIssuer, files: PkiFiles): string[] {
  const generated: string[] = [];
  const ca = { caCert: files.servicesCaCert, caKey: files.servicesCaKey };
  fs.mkdirSync(path.dirname(ca.caCert), { recursive: true, mode: 0o700 });
  const caUsable = exists(ca.caCert) && exists(ca.caKey) && !expiring(ca.caCert);
  if (!caUsable) {
    issuer.createCa(ca, 'kapi-services-ca', 'ec');
    generated.push('services/ca.crt', 'services/ca.key');
  }
  const caCert = new X509Certificate(fs.readFileSync(ca.caCert));
  for (const identity of SERVICE_IDENTITY_NAMES) {
    const pair = files.identities[identity];
    if (caUsable && leafUsable(pair.cert, pair.key, caCert, undefined, identity)) continue;
    issuer.createLeaf({ cert: pair.cert, key: pair.key, ca, subject: { CN: identity }, extendedKeyUsage: identityKeyUsage(identity), keyAlgorithm: 'ec' });
    generated.push(`services/${identity}.crt`, `services/${identity}.key`);
  }
  return generated;
}

export interface WebhookServingFiles {
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
}

/**
 * A CA of its own in `dir` and a serving certificate it signed for `sans`, for an HTTPS server the
 * API server calls (the example admission webhook, whose configurations carry the CA as caBundle).
 * Kept across starts, so the caBundle registered stays valid; the certificate is reissued from the
 * same CA when it is missing, about to expire or lacks a name.
 */
export function ensureWebhookServingPki(dir: string, sans: SubjectAltNames): { files: WebhookServingFiles; generated: string[] } {
  const files = { caCert: path.join(dir, 'ca.crt'), caKey: path.join(dir, 'ca.key'), cert: path.join(dir, 'tls.crt'), key: path.join(dir, 'tls.key') };
  const generated: string[] = [];
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-pki-'));
  try {
    const issuer = new OpenSslIssuer(requireBinary('openssl'), workDir);
    const caUsable = exists(files.caCert) && exists(files.caKey) && !expiring(files.caCert);
    if (!caUsable) {
      issuer.createCa(files, `${path.basename(dir)}-ca`, 'ec');
      generated.push('ca.crt', 'ca.key');
    }
    const ca = new X509Certificate(fs.readFileSync(files.caCert));
    if (!caUsable || !leafUsable(files.cert, files.key, ca, sans)) {
      issuer.createLeaf({ cert: files.cert, key: files.key, ca: files, subject: { CN: sans.dns[0] ?? sans.ips[0] }, extendedKeyUsage: ['serverAuth'], sans, keyAlgorithm: 'ec' });
      generated.push('tls.crt', 'tls.key');
    }
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  return { files, generated };
}

/**
 * A throw-away CA of its own in `dir` and a server certificate it signed for `sans`, for a test
 * server that clients must verify (the OIDC test issuer, say). Returns the file paths.
 */
export function createTestServingPki(dir: string, sans: SubjectAltNames): { caCert: string; cert: string; key: string } {
  fs.mkdirSync(dir, { recursive: true });
  const files = pkiFiles(dir);
  const issuer = new OpenSslIssuer(requireBinary('openssl'), dir);
  issuer.createCa(files, 'kapi-ca');
  issuer.createLeaf({
    cert: files.servingCert,
    key: files.servingKey,
    ca: files,
    subject: { CN: sans.dns[0] ?? sans.ips[0] ?? 'localhost' },
    extendedKeyUsage: ['serverAuth'],
    sans,
  });
  return { caCert: files.caCert, cert: files.servingCert, key: files.servingKey };
}

/**
 * A client certificate for `commonName` from the CA createTestServingPki made in `dir`, for a test
 * server that asks its clients for one (etcd with --client-cert-auth, say). Returns the file paths.
 */
export function createTestClientCertificate(dir: string, commonName: string): { cert: string; key: string } {
  const files = pkiFiles(dir);
  const cert = path.join(dir, `${commonName}.crt`);
  const key = path.join(dir, `${commonName}.key`);
  new OpenSslIssuer(requireBinary('openssl'), dir).createLeaf({ cert, key, ca: files, subject: { CN: commonName }, extendedKeyUsage: ['clientAuth'] });
  return { cert, key };
}

/**
 * A certificate for `commonName` from a services CA of its own in `dir` (a stand-in that no kapi
 * service trusts), e.g. to show that a service refuses an identity its own CA did not issue.
 */
export function createForeignServiceCertificate(dir: string, commonName: string): KeyPairFiles & { caCert: string } {
  fs.mkdirSync(dir, { recursive: true });
  const ca = { caCert: path.join(dir, 'foreign-ca.crt'), caKey: path.join(dir, 'foreign-ca.key') };
  const issuer = new OpenSslIssuer(requireBinary('openssl'), dir);
  if (!exists(ca.caCert)) issuer.createCa(ca, 'kapi-services-ca', 'ec');
  const pair = { cert: path.join(dir, `${commonName}.crt`), key: path.join(dir, `${commonName}.key`) };
  issuer.createLeaf({ ...pair, ca, subject: { CN: commonName }, extendedKeyUsage: ['serverAuth', 'clientAuth'], keyAlgorithm: 'ec' });
  return { ...pair, caCert: ca.caCert };
}

function expiring(certFile: string): boolean {
  try {
    return Date.parse(new X509Certificate(fs.readFileSync(certFile)).validTo) - Date.now() < RENEW_BEFORE_MS;
  } catch {
    return true;
  }
}

/**
 * Whether the pair matches, is signed by `ca`, is not about to expire, covers every name in
 * `requiredSans` and, when given, names `commonName`.
 */
function leafUsable(certFile: string, keyFile: string, ca: X509Certificate, requiredSans?: SubjectAltNames, commonName?: string): boolean {
  if (!exists(certFile) || !exists(keyFile)) return false;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(fs.readFileSync(certFile));
    if (!cert.checkPrivateKey(createPrivateKey(fs.readFileSync(keyFile)))) return false;
  } catch {
    return false;
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
  if (Date.parse(cert.validTo) - Date.now() < RENEW_BEFORE_MS) return false;
  if (commonName !== undefined && !cert.subject.split('\n').includes(`CN=${commonName}`)) return false;
  if (!requiredSans) return true;
  const present = new Set((cert.subjectAltName ?? '').split(',').map((entry) => entry.trim()));
  return (
    requiredSans.dns.every((name) => present.has(`DNS:${name}`)) &&
    requiredSans.ips.every((ip) => present.has(`IP Address:${ip}`))
  );
}

type ExtendedKeyUsage = 'serverAuth' | 'clientAuth';
/** RSA 2048 for what users' tools meet; ECDSA P-256 between the services. */
type KeyAlgorithm = 'rsa' | 'ec';

interface CaFiles {
  caCert: string;
  caKey: string;
}

interface LeafRequest {
  cert: string;
  key: string;
  ca: CaFiles;
  subject: Record<string, string>;
  extendedKeyUsage: ExtendedKeyUsage[];
  sans?: SubjectAltNames;
  keyAlgorithm?: KeyAlgorithm;
}

/**
 * Drives the openssl CLI with configuration files of our own, so the result
 * does not depend on the distribution's openssl.cnf. Every output is written
 * under a temporary name and renamed into place, so an interrupted run never
 * leaves a certificate without its key.
 */
class OpenSslIssuer {
  constructor(
    private readonly openssl: string,
    private readonly workDir: string,
  ) {}

  createCa({ caCert: certFile, caKey: keyFile }: CaFiles, commonName: string, algorithm: KeyAlgorithm = 'rsa'): void {
    const key = this.temporary(keyFile);
    const cert = this.temporary(certFile);
    this.generateKey(key, algorithm);
    const config = this.writeConfig('ca.cnf', [
      '[req]',
      'prompt = no',
      'distinguished_name = subject',
      'x509_extensions = ca_extensions',
      '[subject]',
      `CN = ${commonName}`,
      '[ca_extensions]',
      'basicConstraints = critical, CA:TRUE',
      'keyUsage = critical, keyCertSign, cRLSign, digitalSignature',
      'subjectKeyIdentifier = hash',
    ]);
    this.run(['req', '-x509', '-new', '-config', config, '-key', key, '-sha256', '-days', String(CA_VALIDITY_DAYS), '-out', cert], 'ca.crt');
    this.commit([key, keyFile], [cert, certFile]);
  }

  createLeaf(request: LeafRequest): void {
    const name = path.basename(request.cert);
    const key = this.temporary(request.key);
    const cert = this.temporary(request.cert);
    const csr = path.join(this.workDir, `${name}.csr`);
    this.generateKey(key, request.keyAlgorithm);
    const requestConfig = this.writeConfig(`${name}.req.cnf`, [
      '[req]',
      'prompt = no',
      'distinguished_name = subject',
      '[subject]',
      ...Object.entries(request.subject).map(([field, value]) => `${field} = ${value}`),
    ]);
    this.run(['req', '-new', '-config', requestConfig, '-key', key, '-out', csr], name);

    const extensions = [
      '[leaf]',
      'basicConstraints = critical, CA:FALSE',
      // keyEncipherment is RSA key transport; an ECDSA key only signs.
      `keyUsage = critical, digitalSignature${request.keyAlgorithm === 'ec' ? '' : ', keyEncipherment'}`,
      `extendedKeyUsage = ${request.extendedKeyUsage.join(', ')}`,
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid, issuer',
    ];
    if (request.sans) {
      extensions.push('subjectAltName = @alt_names', '[alt_names]');
      request.sans.dns.forEach((dns, i) => extensions.push(`DNS.${i + 1} = ${dns}`));
      request.sans.ips.forEach((ip, i) => extensions.push(`IP.${i + 1} = ${ip}`));
    }
    const extensionsFile = this.writeConfig(`${name}.ext.cnf`, extensions);
    this.run(
      [
        'x509', '-req', '-in', csr,
        '-CA', request.ca.caCert, '-CAkey', request.ca.caKey,
        // A random serial avoids the ca.srl bookkeeping file of -CAcreateserial.
        '-set_serial', `0x${serialNumber()}`,
        '-sha256', '-days', String(LEAF_VALIDITY_DAYS),
        '-extfile', extensionsFile, '-extensions', 'leaf',
        '-out', cert,
      ],
      name,
    );
    this.commit([key, request.key], [cert, request.cert]);
  }

  createKeyPair(privateFile: string, publicFile: string): void {
    const key = this.temporary(privateFile);
    const pub = this.temporary(publicFile);
    this.generateKey(key);
    this.run(['pkey', '-in', key, '-pubout', '-out', pub], path.basename(publicFile));
    this.commit([key, privateFile], [pub, publicFile]);
  }

  private generateKey(file: string, algorithm: KeyAlgorithm = 'rsa'): void {
    const parameters = algorithm === 'ec' ? ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];
    this.run(['genpkey', ...parameters, '-out', file], path.basename(file));
    fs.chmodSync(file, 0o600);
  }

  private writeConfig(name: string, lines: string[]): string {
    const file = path.join(this.workDir, name);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  private temporary(target: string): string {
    return `${target}.tmp-${process.pid}`;
  }

  private commit(...moves: Array<[from: string, to: string]>): void {
    for (const [from, to] of moves) fs.renameSync(from, to);
  }

  private run(args: string[], producing: string): void {
    try {
      execFileSync(this.openssl, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim().split('\n').pop() ?? '';
      throw new StackError(`openssl failed while creating ${producing}: ${stderr || (error as Error).message}`);
    }
  }
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f; // serials must be positive
  bytes[0] |= 0x01; // and must not start with a zero byte
  return bytes.toString('hex');
}

function exists(file: string): boolean {
  return fs.existsSync(file);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
