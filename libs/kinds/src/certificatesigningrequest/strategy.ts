// certificates.k8s.io/v1 CertificateSigningRequest. On create the requester's identity is recorded
// in spec (username, uid, groups, extra) whatever the client sent, and the status starts empty: no
// one creates a pre-approved request. The spec never changes afterwards. `approval` writes only
// the conditions (Approved and Denied exclude each other and, once set, stay); `status` writes the
// status (a signer's certificate). Node's crypto cannot parse a CSR, so spec.request is checked as
// far as its PEM block type and the DER shape of a CertificationRequest (see checkCsrDer).
import {
  ageColumn,
  field,
  humanDuration,
  isDns1123Subdomain,
  nameColumn,
  nowTimestamp,
  type FieldError,
  type KubeObject,
} from '@kapi/api-machinery';
import { defineStrategy, objectMetaFields, type RequestUser } from '../strategy.js';
import { column, specOf, type Condition } from '../table-columns.js';

export interface CsrSpec {
  request?: string;
  signerName?: string;
  expirationSeconds?: number;
  usages?: string[];
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

interface CsrCondition extends Condition {
  lastUpdateTime?: string;
}

interface CsrStatus {
  conditions?: CsrCondition[];
  certificate?: string;
}

const spec = (obj: KubeObject) => (obj.spec ?? {}) as CsrSpec;
const status = (obj: KubeObject) => (obj.status ?? {}) as CsrStatus;
const APPROVAL_TYPES = ['Approved', 'Denied'];
const FINAL_TYPES = ['Approved', 'Denied', 'Failed'];
const CONDITION_STATUSES = ['True', 'False', 'Unknown'];
const KEY_USAGES = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
];

// --- spec.request: a PEM "CERTIFICATE REQUEST" block holding a DER CertificationRequest ---

/** Reads one DER TLV at `at`; undefined when it does not fit in `end`. */
function readTlv(der: Buffer, at: number, end: number): { tag: number; start: number; end: number } | undefined {
  if (at + 2 > end) return undefined;
  const tag = der[at];
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > end) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    start += n;
  }
  if (start + len > end) return undefined;
  return { tag, start, end: start + len };
}

const SEQUENCE = 0x30;
const BIT_STRING = 0x03;

/**
 * The shape of a PKCS#10 CertificationRequest: SEQUENCE { SEQUENCE info, SEQUENCE algorithm,
 * BIT STRING signature } and nothing after it; the error in Go's asn1 words, or undefined.
 */
export function checkCsrDer(der: Buffer): string | undefined {
  const outer = readTlv(der, 0, der.length);
  if (!outer) return 'asn1: syntax error: data truncated';
  if (outer.tag !== SEQUENCE) return 'asn1: structure error: tags don\'t match';
  if (outer.end !== der.length) return 'asn1: syntax error: trailing data';
  const parts: { tag: number }[] = [];
  for (let at = outer.start; at < outer.end; ) {
    const tlv = readTlv(der, at, outer.end);
    if (!tlv) return 'asn1: syntax error: data truncated';
    parts.push(tlv);
    at = tlv.end;
  }
  if (parts.length < 3) return 'asn1: syntax error: sequence truncated';
  if (parts[0].tag !== SEQUENCE || parts[1].tag !== SEQUENCE || parts[2].tag !== BIT_STRING) return 'asn1: structure error: tags don\'t match';
  return undefined;
}

const PEM_BLOCK = /-----BEGIN ([^\r\n-]+)-----\r?\n([\s\S]*?)-----END \1-----/;

/** Why spec.request (base64 of PEM bytes, as JSON carries []byte) is not a certificate request. */
export function csrRequestError(request: string | undefined): string | undefined {
  const pem = Buffer.from(request ?? '', 'base64').toString('latin1');
  const block = PEM_BLOCK.exec(pem);
  if (!block || block[1] !== 'CERTIFICATE REQUEST') return 'PEM block type must be CERTIFICATE REQUEST';
  // Headers ("Proc-Type: ...") come before the base64 body.
  const body = block[2]
    .split(/\r?\n/)
    .filter((line) => !line.includes(':'))
    .join('')
    .replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) return 'PEM block type must be CERTIFICATE REQUEST';
  return checkCsrDer(Buffer.from(body, 'base64'));
}

/** A []byte as Go's %#v renders it in a field error. */
function goBytes(base64: string | undefined): string {
  if (!base64) return '[]byte(nil)';
  return `[]byte{${[...Buffer.from(base64, 'base64')].map((b) => `0x${b.toString(16)}`).join(', ')}}`;
}

function validateSignerName(name: string | undefined): FieldError[] {
  if (!name) return [field.required('spec.signerName')];
  const segments = name.split('/');
  if (segments.length !== 2) return [field.invalid('spec.signerName', name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const errs: FieldError[] = [];
  const [domain, path] = segments;
  const domainErrs = isDns1123Subdomain(domain);
  if (domainErrs.length) errs.push(field.invalid('spec.signerName', domain, domainErrs.join(',')));
  else if (domain.split('.').length < 2) errs.push(field.invalid('spec.signerName', domain, 'should be a domain with at least two segments separated by dots'));
  if (!path) errs.push(field.invalid('spec.signerName', name, 'validating path: must not be empty'));
  return errs;
}

function validateConditions(conditions: CsrCondition[]): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  conditions.forEach((c, i) => {
    const at = `status.conditions[${i}]`;
    const type = c?.type ?? '';
    if (!type) errs.push(field.required(`${at}.type`));
    if (FINAL_TYPES.includes(type)) {
      if (c.status !== 'True') errs.push(field.notSupported(`${at}.status`, c.status ?? '', ['True']));
    } else if (!CONDITION_STATUSES.includes(c?.status ?? '')) errs.push(field.notSupported(`${at}.status`, c?.status ?? '', CONDITION_STATUSES));
    if (seen.has(type)) errs.push(field.duplicate(`${at}.type`, type));
    seen.add(type);
  });
  if (seen.has('Approved') && seen.has('Denied')) errs.push(field.invalid('status.conditions', conditions, 'Approved and Denied conditions are mutually exclusive'));
  return errs;
}

function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs: FieldError[] = [];
  const requestError = csrRequestError(s.request);
  if (requestError) errs.push({ type: 'FieldValueInvalid', field: 'spec.request', detail: `Invalid value: ${goBytes(s.request)}: ${requestError}` });
  errs.push(...validateSignerName(s.signerName));
  if (s.expirationSeconds !== undefined && s.expirationSeconds !== null && s.expirationSeconds < 600) {
    errs.push(field.invalid('spec.expirationSeconds', s.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  const seen = new Set<string>();
  (s.usages ?? []).forEach((u, i) => {
    if (!KEY_USAGES.includes(u)) errs.push(field.notSupported(`spec.usages[${i}]`, u, KEY_USAGES));
    else if (seen.has(u)) errs.push(field.duplicate(`spec.usages[${i}]`, u));
    seen.add(u);
  });
  errs.push(...validateConditions(status(obj).conditions ?? []));
  return errs;
}

/** Condition status defaults to True; timestamps are filled in, a transition kept from the same type and status. */
function populateConditions(obj: KubeObject, old: KubeObject): void {
  const now = nowTimestamp();
  for (const c of status(obj).conditions ?? []) {
    if (!c || typeof c !== 'object') continue;
    for (const k of Object.keys(c) as (keyof CsrCondition)[]) if (c[k] === null) delete c[k];
    c.status ||= 'True';
    c.lastUpdateTime ||= now;
    if (!c.lastTransitionTime) {
      const same = (status(old).conditions ?? []).find((o) => o?.type === c.type && o?.status === c.status && o?.lastTransitionTime);
      c.lastTransitionTime = same?.lastTransitionTime ?? now;
    }
  }
}

/** The CONDITION cell: Denied over Approved over Pending, then Failed and Issued. */
export function csrCondition(obj: KubeObject): string {
  const types = new Set((status(obj).conditions ?? []).map((c) => c?.type));
  let text = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) text += ',Failed';
  if (status(obj).certificate) text += ',Issued';
  return text;
}

function recordRequester(obj: KubeObject, user: RequestUser | undefined): void {
  const s = specOf<CsrSpec>(obj);
  delete s.username;
  delete s.uid;
  delete s.groups;
  delete s.extra;
  if (user) {
    if (user.username) s.username = user.username;
    if (user.uid) s.uid = user.uid;
    if (user.groups.length) s.groups = [...user.groups];
    const extra = Object.entries(user.extra ?? {});
    if (extra.length) s.extra = Object.fromEntries(extra.map(([k, v]) => [k, [...(v?.values ?? [])]]));
  }
}

/** An update may not take back an approval decision. */
function validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const now = new Set((status(obj).conditions ?? []).map((c) => c?.type));
  for (const type of APPROVAL_TYPES) {
    if ((status(old).conditions ?? []).some((c) => c?.type === type) && !now.has(type)) {
      errs.push(field.forbidden('status.conditions', `updates may not remove a condition of type ${JSON.stringify(type)}`));
    }
  }
  return errs;
}

/** What the approval subresource stores: the stored request with the conditions sent. */
function approvalUpdate(obj: KubeObject, old: KubeObject): KubeObject {
  const next = { ...old, status: { ...status(old), conditions: status(obj).conditions } };
  populateConditions(next, old);
  return next;
}

/**
 * What a status write (a signer's) stores: the certificate and other conditions; the approval
 * decision stays as the approval subresource left it.
 */
function statusUpdate(obj: KubeObject, old: KubeObject): KubeObject {
  const decided = (c: CsrCondition | undefined) => APPROVAL_TYPES.includes(c?.type ?? '');
  const conditions = [...(status(obj).conditions ?? []).filter((c) => !decided(c)), ...(status(old).conditions ?? []).filter(decided)];
  const next = { ...old, status: { ...status(obj), conditions } };
  if (!conditions.length) delete (next.status as CsrStatus).conditions;
  populateConditions(next, old);
  return next;
}

export const certificateSigningRequestStrategy = defineStrategy(
  {
    group: 'certificates.k8s.io',
    version: 'v1',
    resource: 'certificatesigningrequests',
    kind: 'CertificateSigningRequest',
    namespaced: false,
    shortNames: ['csr'],
    subresources: ['approval', 'status'],
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      ageColumn,
      column('SignerName', 'string', 'signerName indicates the requested signer, and is a qualified name.', (obj) => spec(obj).signerName ?? ''),
      column('Requestor', 'string', 'username contains the name of the user that created the CertificateSigningRequest.', (obj) => spec(obj).username ?? ''),
      column('RequestedDuration', 'string', 'expirationSeconds is the requested duration of validity of the issued certificate.', (obj) => {
        const seconds = spec(obj).expirationSeconds;
        return seconds ? humanDuration(seconds * 1000) : '<none>';
      }),
      column('Condition', 'string', 'conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".', csrCondition),
    ],
    prepareForCreate(obj, user) {
      recordRequester(obj, user);
      obj.status = {};
    },
    prepareForUpdate(obj, old) {
      obj.spec = old.spec;
    },
    subresourceUpdates: {
      approval: { prepareForUpdate: approvalUpdate, validateUpdate },
      status: { prepareForUpdate: statusUpdate, validateUpdate },
    },
    validate,
    selectableFields: (obj) => ({ ...objectMetaFields(obj, false), 'spec.signerName': spec(obj).signerName ?? '' }),
    validateUpdate,
  },
);
