// kube's IsValidIP and IsValidCIDR (k8s.io/apimachinery validation/ip.go), on Go's netip rules
// (the parser and canonical text of @kapi/cel's net library): the field errors of an address or a
// block written where kube wants one in canonical form.
import { formatAddr, parseAddr } from '@kapi/cel';
import { field, type FieldError } from '@kapi/api-machinery';

const is4In6 = (b: Uint8Array) => b.length === 16 && b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

/** The address's bytes, or undefined when netip.ParseAddr refuses it (kapi refuses zones too). */
function addressBytes(value: string): Uint8Array | undefined {
  const parsed = parseAddr(value);
  return parsed && !parsed.error && parsed.zone === undefined ? parsed.bytes : undefined;
}

/** The messages of kube's IsValidIP for a value, as a name validator wants them. */
export function ipAddressMessages(value: string): string[] {
  const bytes = addressBytes(value);
  if (!bytes) return ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'];
  if (is4In6(bytes)) return ['must not be an IPv4-mapped IPv6 address'];
  const canonical = formatAddr(bytes);
  return canonical === value ? [] : [`must be in canonical form (${JSON.stringify(canonical)})`];
}

/** A CIDR block's address family (4 or 6), when it parses as one. */
export function cidrFamily(value: string): 4 | 6 | undefined {
  const slash = value.indexOf('/');
  const bytes = slash < 0 ? undefined : addressBytes(value.slice(0, slash));
  return bytes ? (bytes.length === 4 ? 4 : 6) : undefined;
}

/** kube's IsValidCIDR: a block that parses, with no bits set past its prefix, in canonical form. */
export function validateCidr(value: string, path: string): FieldError[] {
  const slash = value.indexOf('/');
  const bytes = slash < 0 ? undefined : addressBytes(value.slice(0, slash));
  const bits = slash < 0 ? '' : value.slice(slash + 1);
  if (!bytes || !/^(0|[1-9]\d{0,2})$/.test(bits) || Number(bits) > bytes.length * 8) {
    return [field.invalid(path, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
  }
  if (is4In6(bytes)) return [field.invalid(path, value, 'must not have an IPv4-mapped IPv6 address')];
  const prefix = Number(bits);
  const masked = bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
  if (masked.some((b, i) => b !== bytes[i])) return [field.invalid(path, value, 'must not have bits set beyond the prefix length')];
  const canonical = `${formatAddr(bytes)}/${prefix}`;
  return canonical === value ? [] : [field.invalid(path, value, `must be in canonical form (${JSON.stringify(canonical)})`)];
}
