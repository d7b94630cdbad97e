// The string formats kube validates in custom resources (kube-openapi's strfmt registry, through
// apiextensions' list of supported formats): each checks what Go's parser behind it accepts
// (net.ParseIP, url.ParseRequestURI, time.Parse, …). A format kube does not support at its
// compatibility version is dropped from the schema before validation, so it checks nothing; the CRD
// strategy warns `unrecognized format "x"` for it. Names compare without dashes (`date-time` is
// `datetime`), as go-openapi normalizes them. Every pattern runs on RE2, in linear time.
import { RE2JS } from 're2js';

/** kube-apiserver v1.34 validates CRD formats at compatibility version 1.33 (DefaultCompatibilityVersion). */
export const DEFAULT_COMPATIBILITY_MINOR = 33;

const FORMATS_SINCE_1_0 = [
  'bsonobjectid', 'uri', 'email', 'hostname', 'ipv4', 'ipv6', 'cidr', 'mac', 'uuid', 'uuid3', 'uuid4', 'uuid5', 'isbn', 'isbn10', 'isbn13',
  'creditcard', 'ssn', 'hexcolor', 'rgbcolor', 'byte', 'password', 'date', 'duration', 'datetime',
];
const FORMATS_SINCE_1_34 = ['k8s-short-name', 'k8s-long-name'];

export const normalizeFormat = (format: string) => format.replaceAll('-', '');

/** Whether kube validates a format at a compatibility version (1.x). */
export function isSupportedFormat(format: string, compatibilityMinor = DEFAULT_COMPATIBILITY_MINOR): boolean {
  const name = normalizeFormat(format);
  return FORMATS_SINCE_1_0.includes(name) || (compatibilityMinor >= 34 && FORMATS_SINCE_1_34.map(normalizeFormat).includes(name));
}

const re = (pattern: string) => RE2JS.compile(pattern);
const matches = (r: RE2JS, s: string) => r.matcher(s).find();

const rxHostname = re(
  String.raw`^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$`,
);
const rxUUID = re('(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$');
const rxUUID3 = re('(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$');
const rxUUID4 = re('(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$');
const rxUUID5 = re('(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$');
const rxCreditCard = re(String.raw`^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})$`);
const rxISBN10 = re('^(?:[0-9]{9}X|[0-9]{10})$');
const rxISBN13 = re('^(?:[0-9]{13})$');
const rxHexcolor = re('^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$');
const rxRGBcolor = re(String.raw`^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$`);
const rxBase64 = re(String.raw`^(?:[A-Za-z0-9+\/]{4})*(?:[A-Za-z0-9+\/]{2}==|[A-Za-z0-9+\/]{3}=|[A-Za-z0-9+\/]{4})$`);
const rxSSN = re(String.raw`^\d{3}[- ]?\d{2}[- ]?\d{4}$`);
const rxDateTimeTail = re('^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$');
const rxShortName = re('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$');
const rxLongName = re(String.raw`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`);

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

function isHostname(s: string): boolean {
  return matches(rxHostname, s) && byteLength(s) <= 255 && s.split('.').every((p) => byteLength(p) <= 63);
}

/** Go's net.ParseIP for a dotted IPv4 address; `sloppy` allows leading zeros (k8s.io/utils/net's ParseIPSloppy). */
function parseIPv4(s: string, sloppy: boolean): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    if (!sloppy && p.length > 1 && p[0] === '0') return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** Go's net.ParseIP for an IPv6 address (an embedded IPv4 tail included). */
function parseIPv6(s: string, sloppy: boolean): boolean {
  if (!s.includes(':')) return false;
  let groups = 0;
  let ellipsis = false;
  let rest = s;
  if (rest.startsWith('::')) {
    ellipsis = true;
    rest = rest.slice(2);
    if (rest === '') return true;
  }
  while (rest.length) {
    const m = /^[0-9a-fA-F]{1,4}/.exec(rest);
    if (!m) return false;
    // An IPv4 tail takes the place of the last two groups.
    if (rest.length > m[0].length && rest[m[0].length] === '.') {
      if (!(ellipsis || groups === 6) || groups > 6 || !parseIPv4(rest, sloppy)) return false;
      groups += 2;
      rest = '';
      break;
    }
    groups++;
    rest = rest.slice(m[0].length);
    if (rest === '') break;
    if (rest[0] !== ':' || rest.length === 1) return false;
    rest = rest.slice(1);
    if (rest[0] === ':') {
      if (ellipsis) return false;
      ellipsis = true;
      rest = rest.slice(1);
      if (rest === '') break;
    }
    if (groups > 8) return false;
  }
  return ellipsis ? groups < 8 : groups === 8;
}

const isIP = (s: string, sloppy: boolean) => parseIPv4(s, sloppy) !== undefined || parseIPv6(s, sloppy);

function isCIDR(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(bits) || (bits.length > 1 && bits[0] === '0')) return false;
  const v4 = parseIPv4(ip, true) !== undefined;
  if (!v4 && !parseIPv6(ip, true)) return false;
  return Number(bits) <= (v4 ? 32 : 128);
}

/** Go's net.ParseMAC: 6, 8 or 20 octets, colon- or dash-separated pairs or dot-separated quads. */
function isMAC(s: string): boolean {
  if (s.length < 14) return false;
  if (s[2] === ':' || s[2] === '-') {
    if ((s.length + 1) % 3 !== 0) return false;
    const n = (s.length + 1) / 3;
    if (n !== 6 && n !== 8 && n !== 20) return false;
    const sep = s[2];
    for (let i = 0; i < n; i++) {
      const pair = s.slice(3 * i, 3 * i + 2);
      if (!/^[0-9a-fA-F]{2}$/.test(pair)) return false;
      if (i < n - 1 && s[3 * i + 2] !== sep) return false;
    }
    return true;
  }
  if (s[4] === '.') {
    if ((s.length + 1) % 5 !== 0) return false;
    const n = ((s.length + 1) * 2) / 5;
    if (n !== 6 && n !== 8 && n !== 20) return false;
    for (let i = 0; i < n / 2; i++) {
      if (!/^[0-9a-fA-F]{4}$/.test(s.slice(5 * i, 5 * i + 4))) return false;
      if (i < n / 2 - 1 && s[5 * i + 4] !== '.') return false;
    }
    return true;
  }
  return false;
}

function isISBN(s: string, version: 10 | 13): boolean {
  const sanitized = s.replace(/[\s-]+/g, '');
  if (version === 10) {
    if (!matches(rxISBN10, sanitized)) return false;
    let sum = 0;
    for (let i = 0; i < 9; i++) sum += (i + 1) * (sanitized.charCodeAt(i) - 48);
    sum += sanitized[9] === 'X' ? 100 : 10 * (sanitized.charCodeAt(9) - 48);
    return sum % 11 === 0;
  }
  if (!matches(rxISBN13, sanitized)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += (i % 2 ? 3 : 1) * (sanitized.charCodeAt(i) - 48);
  return sanitized.charCodeAt(12) - 48 - ((10 - (sum % 10)) % 10) === 0;
}

function isCreditCard(s: string): boolean {
  const sanitized = s.replace(/[^0-9]+/g, '');
  if (!matches(rxCreditCard, sanitized)) return false;
  let sum = 0;
  let double = false;
  for (let i = sanitized.length - 1; i >= 0; i--) {
    let d = sanitized.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      sum += d >= 10 ? (d % 10) + 1 : d;
    } else sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The scheme and the rest of a URL, as Go's url.getScheme splits it. */
function splitScheme(raw: string): { scheme: string; rest: string } | 'missing' | undefined {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return { scheme: '', rest: raw };
      continue;
    }
    if (c === ':') return i === 0 ? 'missing' : { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

const validEscapes = (s: string) => !/%(?![0-9a-fA-F]{2})/.test(s);

/** Go's url.ParseRequestURI: an absolute URI or an absolute path, with valid escapes and host. */
function isRequestURI(raw: string): boolean {
  if (raw === '' || /[\x00-\x1f\x7f]/.test(raw)) return false;
  if (raw === '*') return true;
  const split = splitScheme(raw);
  if (!split || split === 'missing') return false;
  let rest = split.rest;
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  if (!rest.startsWith('/')) return split.scheme !== '';
  if ((split.scheme || !rest.startsWith('///')) && rest.startsWith('//')) {
    const afterSlashes = rest.slice(2);
    const end = afterSlashes.indexOf('/');
    const authority = end < 0 ? afterSlashes : afterSlashes.slice(0, end);
    rest = end < 0 ? '' : afterSlashes.slice(end);
    if (!isValidAuthority(authority)) return false;
  }
  return validEscapes(rest);
}

function isValidAuthority(authority: string): boolean {
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : undefined;
  const host = at >= 0 ? authority.slice(at + 1) : authority;
  if (userinfo !== undefined && (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo) || !validEscapes(userinfo))) return false;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return false;
    const port = host.slice(close + 1);
    return port === '' || /^:[0-9]*$/.test(port);
  }
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && !/^:[0-9]*$/.test(host.slice(colon))) return false;
  const name = colon >= 0 ? host.slice(0, colon) : host;
  return /^[A-Za-z0-9\-._~!$&'()*+,;=%\x80-\u{10ffff}]*$/u.test(name) && validEscapes(name);
}

const ATEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10ffff}]+$/u;
const dotAtom = (s: string) => s.split('.').every((a) => ATEXT.test(a));
const quotedString = (s: string) => /^"(?:[^"\\\r\n]|\\.)*"$/u.test(s);

/** Go's net/mail.ParseAddress: `local@domain`, optionally as `Display Name <local@domain>`. */
function isEmail(raw: string): boolean {
  let s = raw.trim();
  const angle = /^(.*?)<([^<>]*)>$/su.exec(s);
  if (angle) {
    const name = angle[1].trim();
    if (name && !quotedString(name) && !name.split(/\s+/).every((w) => ATEXT.test(w) || quotedString(w))) return false;
    s = angle[2].trim();
  }
  const at = s.lastIndexOf('@');
  if (at <= 0) return false;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  if (!(dotAtom(local) || quotedString(local))) return false;
  return dotAtom(domain) || /^\[[^[\]\\]*\]$/.test(domain);
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (year: number, month: number) => (month === 2 && isLeap(year) ? 29 : DAYS[month - 1]);

/** time.Parse("2006-01-02", s) succeeds. */
export function isDate(s: string): boolean {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo);
}

/** strfmt's IsDateTime: a date, then after a `t` (either case) a time with `z` or an offset. */
function isDateTime(str: string): boolean {
  if (str.length < 4) return false;
  const s = str.toLowerCase().split('t');
  if (s.length < 2 || !isDate(s[0])) return false;
  const m = rxDateTimeTail.matcher(s[1]);
  if (!m.find()) return false;
  return m.group(1)! <= '23' && m.group(2)! <= '59' && m.group(3)! <= '59';
}

const NANOS: Record<string, bigint> = { ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };
const INT64_MAX = 2n ** 63n - 1n;

/** Go's time.ParseDuration, in nanoseconds; undefined when it fails. */
export function parseGoDuration(s: string): bigint | undefined {
  let rest = s;
  let negative = false;
  if (rest[0] === '-' || rest[0] === '+') {
    negative = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return undefined;
  let total = 0n;
  while (rest) {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(rest)!;
    if (!m[1] && !m[2]) return undefined;
    if (m[0] === '.' || (!m[1] && m[2] === '')) return undefined;
    rest = rest.slice(m[0].length);
    const unit = /^[^0-9.]+/.exec(rest)?.[0];
    if (!unit || NANOS[unit] === undefined) return undefined;
    rest = rest.slice(unit.length);
    const scale = NANOS[unit];
    let value = BigInt(m[1] || '0') * scale;
    if (m[2]) value += (BigInt(m[2]) * scale) / 10n ** BigInt(m[2].length);
    total += value;
    if (total > INT64_MAX + (negative ? 1n : 0n)) return undefined;
  }
  return negative ? -total : total;
}

const TIME_UNITS: [string, bigint][][] = [
  [['ns', 1n], ['nano', 1n]],
  [['us', 1000n], ['µs', 1000n], ['micro', 1000n]],
  [['ms', 1_000_000n], ['milli', 1_000_000n]],
  [['s', 1_000_000_000n], ['sec', 1_000_000_000n]],
  [['m', 60_000_000_000n], ['min', 60_000_000_000n]],
  [['h', 3_600_000_000_000n], ['hr', 3_600_000_000_000n], ['hour', 3_600_000_000_000n]],
  [['d', 86_400_000_000_000n], ['day', 86_400_000_000_000n]],
  [['w', 604_800_000_000_000n], ['wk', 604_800_000_000_000n], ['week', 604_800_000_000_000n]],
];

/** strfmt's ParseDuration: Go's syntax, else `<digits> <unit>` pairs (`3 days`, `1hour`), in nanoseconds. */
export function parseDuration(s: string): bigint | undefined {
  const go = parseGoDuration(s);
  if (go !== undefined) return go;
  let total = 0n;
  let ok = false;
  for (const m of s.matchAll(/(\d+)\s*([A-Za-zµ]+)/g)) {
    const factor = BigInt(m[1]);
    const unit = m[2].trim().toLowerCase();
    for (const variants of TIME_UNITS) {
      const multiplier = variants[0][1];
      variants.forEach(([variant], i) => {
        if ((i === variants.length - 1 && unit.startsWith(variant)) || unit === variant) {
          ok = true;
          total += factor * multiplier;
        }
      });
    }
  }
  return ok ? total : undefined;
}

/**
 * Go's time.Parse with RFC 3339 (`2006-01-02T15:04:05Z07:00`, a fraction of a second allowed), in
 * nanoseconds since the epoch; `local` also accepts a time without a zone (as UTC).
 */
export function parseRFC3339(s: string, local = false): bigint | undefined {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(Z|[+-][0-9]{2}:[0-9]{2})?$/.exec(s);
  if (!m || (!m[8] && !local)) return undefined;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 59) return undefined;
  let offsetMinutes = 0;
  if (m[8] && m[8] !== 'Z') {
    const oh = Number(m[8].slice(1, 3));
    const om = Number(m[8].slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (m[8][0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = Date.UTC(y, mo - 1, d, h, mi, sec) - offsetMinutes * 60_000;
  const fraction = m[7] ? BigInt(m[7].padEnd(9, '0')) : 0n;
  return BigInt(millis) * 1_000_000n + fraction;
}

/** Go's zero time.Time, 0001-01-01T00:00:00Z, in nanoseconds since the epoch. */
export const GO_ZERO_TIME_NANOS = -62_135_596_800_000n * 1_000_000n;

/** strfmt's ParseDateTime, as kube's CEL reads a date-time: RFC 3339 (any fraction), or a local time; '' is the zero time. */
export function parseDateTime(s: string): bigint | undefined {
  if (s === '') return GO_ZERO_TIME_NANOS;
  return parseRFC3339(s, true);
}

/** A date as kube's CEL reads it: midnight UTC, in nanoseconds since the epoch. */
export function parseDate(s: string): bigint | undefined {
  if (!isDate(s)) return undefined;
  const [y, mo, d] = s.split('-').map(Number);
  const at = new Date(Date.UTC(2000, mo - 1, d));
  at.setUTCFullYear(y);
  return BigInt(at.getTime()) * 1_000_000n;
}

const FORMAT_CHECKS: Record<string, (s: string) => boolean> = {
  bsonobjectid: (s) => /^[0-9a-fA-F]{24}$/.test(s),
  uri: isRequestURI,
  email: isEmail,
  hostname: isHostname,
  ipv4: (s) => isIP(s, true) && s.includes('.'),
  ipv6: (s) => isIP(s, false) && s.includes(':'),
  cidr: isCIDR,
  mac: isMAC,
  uuid: (s) => matches(rxUUID, s),
  uuid3: (s) => matches(rxUUID3, s),
  uuid4: (s) => matches(rxUUID4, s),
  uuid5: (s) => matches(rxUUID5, s),
  isbn: (s) => isISBN(s, 10) || isISBN(s, 13),
  isbn10: (s) => isISBN(s, 10),
  isbn13: (s) => isISBN(s, 13),
  creditcard: isCreditCard,
  ssn: (s) => s.length === 11 && matches(rxSSN, s),
  hexcolor: (s) => matches(rxHexcolor, s),
  rgbcolor: (s) => matches(rxRGBcolor, s),
  byte: (s) => matches(rxBase64, s),
  password: () => true,
  date: isDate,
  duration: (s) => parseDuration(s) !== undefined,
  datetime: isDateTime,
  k8sshortname: (s) => s.length <= 63 && matches(rxShortName, s),
  k8slongname: (s) => s.length <= 253 && matches(rxLongName, s),
};

/** Whether strfmt's registry knows a format (the k8s names included, whatever the compatibility version). */
export const isKnownFormat = (format: string) => Object.hasOwn(FORMAT_CHECKS, normalizeFormat(format));

/** Whether a string is valid in a format strfmt's registry knows; true for one it does not. */
export function checkFormat(format: string, value: string): boolean {
  return isKnownFormat(format) ? FORMAT_CHECKS[normalizeFormat(format)](value) : true;
}
