// CertificateSubjectRestriction: a CertificateSigningRequest for the kube-apiserver-client signer may
// not ask for the system:masters group (an Organization of its subject).
import type { AdmissionPlugin } from '@kapi/admission-chain';
import { admissionForbidden, isResource } from './admission-errors.js';
import { signerNameOf } from './certificate-approval.js';

const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
const ORGANIZATION_OID = Buffer.from([0x55, 0x04, 0x0a]); // 2.5.4.10

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

function readTlv(der: Buffer, at: number, end: number): Tlv {
  if (at + 2 > end) throw new Error('asn1: syntax error: data truncated');
  const tag = der[at];
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > end) throw new Error('asn1: syntax error: data truncated');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    start += n;
  }
  if (start + len > end) throw new Error('asn1: syntax error: data truncated');
  return { tag, start, end: start + len };
}

function children(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const tlv = readTlv(der, at, parent.end);
    out.push(tlv);
    at = tlv.end;
  }
  return out;
}

function decodeString(der: Buffer, tlv: Tlv): string {
  const bytes = der.subarray(tlv.start, tlv.end);
  if (tlv.tag === 0x1e) return Buffer.from(bytes).swap16().toString('utf16le'); // BMPString
  return tlv.tag === 0x0c ? bytes.toString('utf8') : bytes.toString('latin1');
}

/** The Organization values of a PEM CSR's subject (spec.request, base64 of the PEM as JSON carries []byte). */
export function csrOrganizations(request: string): string[] {
  const pem = Buffer.from(request, 'base64').toString('latin1');
  const block = /-----BEGIN CERTIFICATE REQUEST-----([\s\S]*?)-----END CERTIFICATE REQUEST-----/.exec(pem);
  if (!block) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  const der = Buffer.from(block[1].split(/\r?\n/).filter((l) => !l.includes(':')).join(''), 'base64');
  const outer = readTlv(der, 0, der.length);
  const [info] = children(der, outer);
  const [, subject] = children(der, info);
  if (!subject || subject.tag !== 0x30) throw new Error("asn1: structure error: tags don't match");
  const organizations: string[] = [];
  for (const rdn of children(der, subject)) {
    for (const attribute of children(der, rdn)) {
      const [oid, value] = children(der, attribute);
      if (oid?.tag === 0x06 && value && der.subarray(oid.start, oid.end).equals(ORGANIZATION_OID)) organizations.push(decodeString(der, value));
    }
  }
  return organizations;
}

export function certificateSubjectRestriction(): AdmissionPlugin {
  return {
    name: 'CertificateSubjectRestriction',
    handles: (op) => op === 'CREATE',
    async validate(a) {
      if (!isResource(a, 'certificates.k8s.io', 'certificatesigningrequests') || a.subresource || !a.object) return;
      if (signerNameOf(a.object) !== KUBE_APISERVER_CLIENT_SIGNER) return;
      let organizations: string[];
      try {
        organizations = csrOrganizations(String((a.object.spec as { request?: string } | undefined)?.request ?? ''));
      } catch (err) {
        throw admissionForbidden(a, `failed to parse CSR: ${(err as Error).message}`);
      }
      if (organizations.includes('system:masters')) throw admissionForbidden(a, `use of ${KUBE_APISERVER_CLIENT_SIGNER} signer with system:masters group is not allowed`);
    },
  };
}
