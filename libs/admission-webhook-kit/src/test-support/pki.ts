// Certificates for the tests, made with the openssl command: a CA of their own and a serving
// certificate it signed for 127.0.0.1 and localhost.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TestCertificates {
  caCert: string;
  cert: string;
  key: string;
}

/** Writes `<name>-ca.crt`, `<name>.crt` and `<name>.key` into `dir` and returns their contents. */
export function issueServingCertificate(dir: string, name: string, sans = ['IP:127.0.0.1', 'DNS:localhost']): TestCertificates {
  const file = (suffix: string) => path.join(dir, `${name}${suffix}`);
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl(['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('-ca.key'), '-out', file('-ca.crt'), '-days', '2', '-subj', `/CN=${name}-ca`]);
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('.key'), '-out', file('.csr'), '-subj', `/CN=${name}`]);
  fs.writeFileSync(file('.ext'), `subjectAltName=${sans.join(',')}\nextendedKeyUsage=serverAuth\n`);
  openssl(['x509', '-req', '-in', file('.csr'), '-CA', file('-ca.crt'), '-CAkey', file('-ca.key'), '-CAcreateserial', '-out', file('.crt'), '-days', '2', '-extfile', file('.ext')]);
  return { caCert: fs.readFileSync(file('-ca.crt'), 'utf8'), cert: fs.readFileSync(file('.crt'), 'utf8'), key: fs.readFileSync(file('.key'), 'utf8') };
}
