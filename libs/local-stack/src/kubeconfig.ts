import * as fs from 'node:fs';
import * as path from 'node:path';
import { ADMIN_COMMON_NAME, PkiFiles } from './pki';

export const KUBECONFIG_CLUSTER_NAME = 'kapi';
export const KUBECONFIG_CONTEXT_NAME = 'kapi';
export const KUBECONFIG_USER_NAME = ADMIN_COMMON_NAME;

export interface KubeconfigContent {
  serverUrl: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

/**
 * Credentials are embedded rather than referenced by path so the file keeps
 * working when copied elsewhere or when the state directory moves. Scalars are
 * written as JSON strings, which YAML reads verbatim, so no YAML library is needed.
 */
export function renderKubeconfig(content: KubeconfigContent): string {
  const quote = (value: string) => JSON.stringify(value);
  const base64 = (pem: string) => quote(Buffer.from(pem, 'utf8').toString('base64'));
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `  - name: ${quote(KUBECONFIG_CLUSTER_NAME)}`,
    '    cluster:',
    `      server: ${quote(content.serverUrl)}`,
    `      certificate-authority-data: ${base64(content.caPem)}`,
    'users:',
    `  - name: ${quote(KUBECONFIG_USER_NAME)}`,
    '    user:',
    `      client-certificate-data: ${base64(content.clientCertPem)}`,
    `      client-key-data: ${base64(content.clientKeyPem)}`,
    'contexts:',
    `  - name: ${quote(KUBECONFIG_CONTEXT_NAME)}`,
    '    context:',
    `      cluster: ${quote(KUBECONFIG_CLUSTER_NAME)}`,
    `      user: ${quote(KUBECONFIG_USER_NAME)}`,
    `current-context: ${quote(KUBECONFIG_CONTEXT_NAME)}`,
    'preferences: {}',
    '',
  ].join('\n');
}

/** Writes the admin kubeconfig readable by its owner only, since it holds a cluster-admin key. */
export function writeKubeconfig(file: string, pki: PkiFiles, serverUrl: string): void {
  const content = renderKubeconfig({
    serverUrl,
    caPem: fs.readFileSync(pki.caCert, 'utf8'),
    clientCertPem: fs.readFileSync(pki.adminCert, 'utf8'),
    clientKeyPem: fs.readFileSync(pki.adminKey, 'utf8'),
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, content, { mode: 0o600 });
  fs.renameSync(temporary, file);
}
