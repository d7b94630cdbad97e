// Kubernetes' IP and CIDR libraries (k8s.io/apiserver/pkg/cel/library/ip.go and cidr.go), on Go's
// netip rules: no zones, no IPv4-mapped IPv6 addresses, no leading zeros in IPv4 octets, and
// RFC 5952's canonical text for IPv6.
import { STRING_TRAVERSAL_COST_FACTOR, actualByFactor, byFactor, fixed, add } from '../cost-model.js';
import { err, type Library } from '../functions.js';
import { fn, member, overload, traversalCost, traversalEstimate } from '../stdlib.js';
import { T } from '../types.js';
import { actualSize, OpaqueValue, type Result, type Value } from '../values.js';

export const IP_TYPE = 'net.IP';
export const CIDR_TYPE = 'net.CIDR';
const IPT = T.opaque(IP_TYPE);
const CIDRT = T.opaque(CIDR_TYPE);

/** netip.ParseAddr without zones; undefined when it does not parse. */
export function parseAddr(s: string): { bytes: Uint8Array; zone?: string; error?: string } | undefined {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(s)) {
    const parts = s.split('.');
    if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return { bytes: new Uint8Array(), error: 'IPv4 field has octet with leading zero' };
    const nums = parts.map(Number);
    if (nums.some((n) => n > 255)) return { bytes: new Uint8Array(), error: 'IPv4 field has value >255' };
    return { bytes: Uint8Array.from(nums) };
  }
  if (!s.includes(':')) return undefined;
  let zone: string | undefined;
  const pct = s.indexOf('%');
  if (pct >= 0) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (!zone) return undefined;
  }
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const a = parseAddr(v4[1]);
    if (!a || a.error) return undefined;
    const g = (i: number) => ((a.bytes[i] << 8) | a.bytes[i + 1]).toString(16);
    s = `${s.slice(0, -v4[1].length)}${g(0)}:${g(2)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string) => (h === '' ? [] : h.split(':'));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const groups = head.map((g) => parseInt(g, 16));
  const after = rest.map((g) => parseInt(g, 16));
  const total = groups.length + after.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const all = [...groups, ...new Array(8 - total).fill(0), ...after];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return zone !== undefined ? { bytes, zone } : { bytes };
}

/** netip.Addr.String(). */
export function formatAddr(b: Uint8Array): string {
  if (b.length === 4) return [...b].join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (b[2 * i] << 8) | b[2 * i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

const is4In6 = (b: Uint8Array) => b.length === 16 && b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

export class IP extends OpaqueValue {
  readonly celType = IP_TYPE;
  constructor(readonly bytes: Uint8Array) {
    super();
  }
  equals(other: OpaqueValue): boolean {
    return other instanceof IP && other.bytes.length === this.bytes.length && other.bytes.every((x, i) => x === this.bytes[i]);
  }
  override size(): number {
    return this.bytes.length;
  }
  override toString(): string {
    return formatAddr(this.bytes);
  }
}

export class CIDR extends OpaqueValue {
  readonly celType = CIDR_TYPE;
  constructor(
    readonly ip: IP,
    readonly prefix: number,
  ) {
    super();
  }
  equals(other: OpaqueValue): boolean {
    return other instanceof CIDR && other.prefix === this.prefix && other.ip.equals(this.ip);
  }
  override size(): number {
    return this.ip.bytes.length;
  }
  masked(): CIDR {
    const b = Uint8Array.from(this.ip.bytes);
    for (let i = 0; i < b.length * 8; i++) if (i >= this.prefix) b[i >> 3] &= ~(0x80 >> (i & 7));
    return new CIDR(new IP(b), this.prefix);
  }
  containsIP(ip: IP): boolean {
    if (ip.bytes.length !== this.ip.bytes.length) return false;
    for (let i = 0; i < this.prefix; i++) {
      const bit = 0x80 >> (i & 7);
      if ((ip.bytes[i >> 3] & bit) !== (this.ip.bytes[i >> 3] & bit)) return false;
    }
    return true;
  }
  override toString(): string {
    return `${this.ip}/${this.prefix}`;
  }
}

export function parseIP(s: string): IP | string {
  const a = parseAddr(s);
  if (!a) return `IP Address ${JSON.stringify(s)} parse error during conversion from string: ParseAddr(${JSON.stringify(s)}): unable to parse IP`;
  if (a.error) return `IP Address ${JSON.stringify(s)} parse error during conversion from string: ParseAddr(${JSON.stringify(s)}): ${a.error}`;
  if (a.zone !== undefined) return `IP address ${JSON.stringify(s)} with zone value is not allowed`;
  if (is4In6(a.bytes)) return `IPv4-mapped IPv6 address ${JSON.stringify(s)} is not allowed`;
  return new IP(a.bytes);
}

export function parseCIDR(s: string): CIDR | string {
  const slash = s.lastIndexOf('/');
  // kube wraps the parse error twice, without the address (as kube-apiserver 1.34 answers).
  const fail = (why: string) => `network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(s)}): ${why}`;
  if (slash < 0) return fail('no \'/\'');
  const a = parseAddr(s.slice(0, slash));
  if (!a || a.error) return fail(a?.error ?? `ParseAddr(${JSON.stringify(s.slice(0, slash))}): unable to parse IP`);
  if (a.zone !== undefined) return `network address ${JSON.stringify(s)} with zone value is not allowed`;
  const bits = s.slice(slash + 1);
  const max = a.bytes.length * 8;
  if (!/^(0|[1-9]\d*)$/.test(bits) || Number(bits) > max) return fail(`bad bits after slash: ${JSON.stringify(bits)}`);
  if (is4In6(a.bytes)) return `IPv4-mapped IPv6 address ${JSON.stringify(s)} is not allowed`;
  return new CIDR(new IP(a.bytes), Number(bits));
}

const ip = (v: Value) => v as IP;
const cidr = (v: Value) => v as CIDR;
const toIP = (s: string): Result => {
  const r = parseIP(s);
  return typeof r === 'string' ? err(r) : r;
};
const toCIDR = (s: string): Result => {
  const r = parseCIDR(s);
  return typeof r === 'string' ? err(r) : r;
};

const isLoopback = (b: Uint8Array) => (b.length === 4 ? b[0] === 127 : b.every((x, i) => x === (i === 15 ? 1 : 0)));
const isUnspecified = (b: Uint8Array) => b.every((x) => x === 0);
const isLinkLocalMulticast = (b: Uint8Array) => (b.length === 4 ? b[0] === 224 && b[1] === 0 && b[2] === 0 : b[0] === 0xff && (b[1] & 0x0f) === 0x02);
const isLinkLocalUnicast = (b: Uint8Array) => (b.length === 4 ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && (b[1] & 0xc0) === 0x80);
const isMulticast = (b: Uint8Array) => (b.length === 4 ? (b[0] & 0xf0) === 0xe0 : b[0] === 0xff);
const isGlobalUnicast = (b: Uint8Array) =>
  !(isUnspecified(b) || isLoopback(b) || isMulticast(b) || isLinkLocalUnicast(b) || (b.length === 4 && b.every((x) => x === 255)));

/** Kubernetes' cost of comparing a CIDR with an IP or CIDR. */
const containsCost = (extra: (args: Value[]) => number) => (args: Value[]) => actualByFactor(2 * actualSize(args[0]), STRING_TRAVERSAL_COST_FACTOR) + extra(args);
const ipSize = { min: 4, max: 16 };
const containsEstimate = (cidrExtra: boolean, stringArg: boolean) => (args: { size: { min: number; max: number } }[]) => {
  let c = byFactor(add(ipSize, ipSize), STRING_TRAVERSAL_COST_FACTOR);
  if (cidrExtra) c = add(add(c, byFactor(ipSize, STRING_TRAVERSAL_COST_FACTOR)), fixed(1));
  if (stringArg) c = add(c, byFactor(args[1].size, STRING_TRAVERSAL_COST_FACTOR));
  return { cost: c };
};

export const ipLibrary: Library = {
  name: 'ip',
  functions: [
    fn(
      'ip',
      overload('string_to_ip', [T.string], IPT, ([s]) => toIP(s as string), { cost: traversalCost(), estimate: traversalEstimate() }),
      member('cidr_ip', [CIDRT], IPT, ([c]) => cidr(c).ip),
    ),
    fn('isIP', overload('is_ip', [T.string], T.bool, ([s]) => typeof parseIP(s as string) !== 'string', { cost: traversalCost(), estimate: traversalEstimate() })),
    fn(
      'ip.isCanonical',
      overload('ip_is_canonical', [T.string], T.bool, ([s]) => {
        const r = parseIP(s as string);
        return typeof r === 'string' ? err(r) : String(r) === s;
      }, { cost: (args) => actualByFactor(actualSize(args[0]), 2 * STRING_TRAVERSAL_COST_FACTOR), estimate: (args) => ({ cost: byFactor(args[0].size, 2 * STRING_TRAVERSAL_COST_FACTOR) }) }),
    ),
    fn('family', member('ip_family', [IPT], T.int, ([a]) => (ip(a).bytes.length === 4 ? 4n : 6n))),
    fn('isUnspecified', member('ip_is_unspecified', [IPT], T.bool, ([a]) => isUnspecified(ip(a).bytes))),
    fn('isLoopback', member('ip_is_loopback', [IPT], T.bool, ([a]) => isLoopback(ip(a).bytes))),
    fn('isLinkLocalMulticast', member('ip_is_link_local_multicast', [IPT], T.bool, ([a]) => isLinkLocalMulticast(ip(a).bytes))),
    fn('isLinkLocalUnicast', member('ip_is_link_local_unicast', [IPT], T.bool, ([a]) => isLinkLocalUnicast(ip(a).bytes))),
    fn('isGlobalUnicast', member('ip_is_global_unicast', [IPT], T.bool, ([a]) => isGlobalUnicast(ip(a).bytes))),
    fn('string', overload('ip_to_string', [IPT], T.string, ([a]) => String(a)), overload('cidr_to_string', [CIDRT], T.string, ([a]) => String(a))),
  ],
};

export const cidrLibrary: Library = {
  name: 'cidr',
  functions: [
    fn('cidr', overload('string_to_cidr', [T.string], CIDRT, ([s]) => toCIDR(s as string), { cost: traversalCost(), estimate: traversalEstimate() })),
    fn('isCIDR', overload('is_cidr', [T.string], T.bool, ([s]) => typeof parseCIDR(s as string) !== 'string', { cost: traversalCost(), estimate: traversalEstimate() })),
    fn(
      'containsIP',
      member('cidr_contains_ip_string', [CIDRT, T.string], T.bool, ([c, s]) => {
        const r = toIP(s as string);
        return r instanceof IP ? cidr(c).containsIP(r) : r;
      }, { cost: containsCost((args) => actualByFactor(actualSize(args[1]), STRING_TRAVERSAL_COST_FACTOR)), estimate: containsEstimate(false, true) }),
      member('cidr_contains_ip_ip', [CIDRT, IPT], T.bool, ([c, a]) => cidr(c).containsIP(ip(a)), { cost: containsCost(() => 0), estimate: containsEstimate(false, false) }),
    ),
    fn(
      'containsCIDR',
      member('cidr_contains_cidr_string', [CIDRT, T.string], T.bool, ([c, s]) => {
        const r = toCIDR(s as string);
        return r instanceof CIDR ? r.prefix >= cidr(c).prefix && cidr(c).containsIP(r.ip) : r;
      }, {
        cost: containsCost((args) => actualByFactor(actualSize(args[0]), STRING_TRAVERSAL_COST_FACTOR) + 1 + actualByFactor(actualSize(args[1]), STRING_TRAVERSAL_COST_FACTOR)),
        estimate: containsEstimate(true, true),
      }),
      member('cidr_contains_cidr', [CIDRT, CIDRT], T.bool, ([c, o]) => cidr(o).prefix >= cidr(c).prefix && cidr(c).containsIP(cidr(o).ip), {
        cost: containsCost((args) => actualByFactor(actualSize(args[0]), STRING_TRAVERSAL_COST_FACTOR) + 1),
        estimate: containsEstimate(true, false),
      }),
    ),
    fn('masked', member('cidr_masked', [CIDRT], CIDRT, ([c]) => cidr(c).masked())),
    fn('prefixLength', member('cidr_prefix_length', [CIDRT], T.int, ([c]) => BigInt(cidr(c).prefix))),
  ],
};
