// A CA of the test's own and a serving certificate it signed, made with the openssl command.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ServingFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export function issueServingFiles(dir: string, sans = ['IP:127.0.0.1', 'DNS:localhost']): ServingFiles {
  const files = { caFile: path.join(dir, 'ca.crt'), certFile: path.join(dir, 'tls.crt'), keyFile: path.join(dir, 'tls.key') };
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', '-new', ...ecKey, '-keyout', path.join(dir, 'ca.key'), '-out', files.caFile, '-days', '2', '-subj', '/CN=owner-webhook-test-ca']);
  openssl(['req', '-new', ...ecKey, '-keyout', files.keyFile, '-out', path.join(dir, 'tls.csr'), '-subj', '/CN=owner-webhook']);
  fs.writeFileSync(path.join(dir, 'tls.ext'), `subjectAltName=${sans.join(',')}\nextendedKeyUsage=serverAuth\n`);
  openssl(['x509', '-req', '-in', path.join(dir, 'tls.csr'), '-CA', files.caFile, '-CAkey', path.join(dir, 'ca.key'), '-CAcreateserial', '-out', files.certFile, '-days', '2', '-extfile', path.join(dir, 'tls.ext')]);
  return files;
}
