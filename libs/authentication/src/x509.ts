// Client certificates: verified against the client CA; the subject's CN is the user name and each O
// is a group, as kube-apiserver maps them.
import { createHash, X509Certificate } from 'node:crypto';
import { AuthenticationFailed, type Authenticator } from './authenticator.js';

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

/** The values of one attribute of a distinguished name in Node's multi-line form. */
export function subjectValues(subject: string, attribute: string): string[] {
  return subject
    .split('\n')
    .map((line) => line.match(/^([A-Za-z.0-9]+)=(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null && m[1] === attribute)
    .map((m) => m[2]);
}

export function x509Authenticator(caCertificatesPem: string, now: () => Date = () => new Date()): Authenticator {
  const cas = caCertificatesPem
    .split(/(?=-----BEGIN CERTIFICATE-----)/)
    .filter((p) => p.includes('BEGIN CERTIFICATE'))
    .map((p) => new X509Certificate(p));
  // Verifying a chain costs far more than a lookup, and clients present the same certificate on
  // every request; a verified chain is remembered until its leaf expires or for a minute.
  const verified = new Map<string, { user: { username: string; groups: string[] }; until: number }>();
  return {
    name: 'x509',
    async authenticate({ clientCertificates }) {
      if (clientCertificates.length === 0) return { ok: false };
      const cacheKey = createHash('sha256').update(Buffer.concat(clientCertificates)).digest('hex');
      const hit = verified.get(cacheKey);
      if (hit && hit.until > now().getTime()) {
        return { ok: true, user: { username: hit.user.username, uid: '', groups: [...hit.user.groups], extra: {} } };
      }
      let leaf: X509Certificate;
      try {
        leaf = new X509Certificate(clientCertificates[0]);
      } catch {
        throw new AuthenticationFailed('x509', 'client certificate cannot be parsed');
      }
      const intermediates = clientCertificates.slice(1).map((d) => new X509Certificate(d));
      let current = leaf;
      const pool = [...intermediates];
      for (let depth = 0; ; depth++) {
        const ca = cas.find((c) => current.checkIssued(c) && current.verify(c.publicKey));
        if (ca) break;
        const next = pool.find((c) => current.checkIssued(c) && current.verify(c.publicKey) && c.ca);
        if (!next || depth > 8) throw new AuthenticationFailed('x509', 'x509: certificate signed by unknown authority');
        current = next;
      }
      const t = now().getTime();
      if (t < Date.parse(leaf.validFrom) || t > Date.parse(leaf.validTo)) {
        throw new AuthenticationFailed('x509', 'x509: certificate has expired or is not yet valid');
      }
      if (leaf.keyUsage && !leaf.keyUsage.includes(CLIENT_AUTH_OID)) {
        throw new AuthenticationFailed('x509', 'x509: certificate specifies an incompatible key usage');
      }
      const [username] = subjectValues(leaf.subject, 'CN');
      // A verified certificate without a CN names nobody: not an error, just not this authenticator's user.
      if (!username) return { ok: false };
      const groups = subjectValues(leaf.subject, 'O');
      if (verified.size >= 1024) verified.clear();
      verified.set(cacheKey, { user: { username, groups }, until: Math.min(Date.parse(leaf.validTo), t + 60_000) });
      return { ok: true, user: { username, uid: '', groups: [...groups], extra: {} } };
    },
  };
}
