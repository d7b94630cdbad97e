// resource.Quantity (k8s.io/apimachinery/pkg/api/resource): the number format of every resource
// list (quota hard/used, limit ranges, overheads, container resources). kube-apiserver parses each
// quantity and writes it back in canonical form ("1000m" → "1", "1024Mi" → "1Gi"), rounds up to the
// nano, and answers a malformed one with a 400 at decode time; the same rules live here.
import { badRequest } from '@kapi/api-machinery';

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** `value × 10^scale`, exactly, with the format its suffix asked for. */
export interface Quantity {
  readonly value: bigint;
  readonly scale: number;
  readonly format: QuantityFormat;
}

export const QUANTITY_FORMAT_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const QUANTITY_SUFFIX_MESSAGE = "unable to parse quantity's suffix";

export class QuantityError extends Error {}

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_EXPONENT = new Map(Object.entries(BINARY_SUFFIXES).map(([s, e]) => [e / 10, s]));
const SUFFIX_CHARS = 'eEinumkKMGTP';
const MAX_ALLOWED = 2n ** 63n - 1n;
const NANO = -9;

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const pow10 = (n: number) => 10n ** BigInt(n);
const abs = (n: bigint) => (n < 0n ? -n : n);

/** Splits a quantity as Go's parseQuantityString does: sign, integer digits, fraction digits, suffix. */
function split(str: string): { positive: boolean; num: string; denom: string; suffix: string } {
  let pos = 0;
  let positive = true;
  if (str[0] === '-' || str[0] === '+') {
    positive = str[0] !== '-';
    pos++;
  }
  while (str[pos] === '0') pos++;
  if (pos >= str.length) return { positive, num: '0', denom: '', suffix: '' };
  let start = pos;
  while (isDigit(str[pos])) pos++;
  const num = str.slice(start, pos) || '0';
  let denom = '';
  if (str[pos] === '.') {
    start = ++pos;
    while (isDigit(str[pos])) pos++;
    denom = str.slice(start, pos);
  }
  const suffixStart = pos;
  while (pos < str.length && SUFFIX_CHARS.includes(str[pos])) pos++;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  while (isDigit(str[pos])) pos++;
  if (pos < str.length) throw new QuantityError(QUANTITY_FORMAT_MESSAGE);
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

function interpretSuffix(suffix: string): { base: 2 | 10; exponent: number; format: QuantityFormat } {
  if (suffix in DECIMAL_SUFFIXES) return { base: 10, exponent: DECIMAL_SUFFIXES[suffix], format: 'DecimalSI' };
  if (suffix in BINARY_SUFFIXES) return { base: 2, exponent: BINARY_SUFFIXES[suffix], format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[-+]?\d+$/.test(suffix.slice(1))) {
    return { base: 10, exponent: Number(suffix.slice(1)), format: 'DecimalExponent' };
  }
  throw new QuantityError(QUANTITY_SUFFIX_MESSAGE);
}

/** Divides by 10^digits, rounding away from zero (inf.RoundUp). */
function roundUpTo(value: bigint, scale: number, target: number): { value: bigint; scale: number } {
  if (scale >= target) return { value, scale };
  const divisor = pow10(target - scale);
  const quotient = abs(value) / divisor;
  const rounded = abs(value) % divisor === 0n ? quotient : quotient + 1n;
  return { value: value < 0n ? -rounded : rounded, scale: target };
}

export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw new QuantityError(QUANTITY_FORMAT_MESSAGE);
  const { positive, num, denom, suffix } = split(str);
  const { base, exponent, format } = interpretSuffix(suffix);
  let value = BigInt(num + denom);
  let scale = -denom.length;
  if (base === 10) scale += exponent;
  else value *= 2n ** BigInt(exponent);
  // Anything non-zero smaller than a nano becomes a nano: asking for some gets some.
  ({ value, scale } = roundUpTo(value, scale, NANO));
  if (format !== 'DecimalExponent' && compareParts(value, scale, MAX_ALLOWED, 0) > 0) {
    value = MAX_ALLOWED;
    scale = 0;
  }
  return { value: positive ? value : -value, scale, format };
}

function compareParts(av: bigint, as: number, bv: bigint, bs: number): number {
  const s = Math.min(as, bs);
  const a = av * pow10(as - s);
  const b = bv * pow10(bs - s);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareQuantities(a: Quantity, b: Quantity): number {
  return compareParts(a.value, a.scale, b.value, b.scale);
}

export function isZero(q: Quantity): boolean {
  return q.value === 0n;
}

/** Whether the quantity is a whole number (kube: `MilliValue() % 1000 == 0`). */
export function isWholeNumber(q: Quantity): boolean {
  return q.scale >= 0 || q.value % pow10(-q.scale) === 0n;
}

/** The value at 10^scale, rounded up (away from zero), as kube's ScaledValue does. */
export function scaledValue(q: Quantity, scale: number): bigint {
  if (q.scale >= scale) return q.value * pow10(q.scale - scale);
  return roundUpTo(q.value, q.scale, scale).value;
}

/** Rounds up to milli precision, as kube's defaulting does for every ResourceList. */
export function roundUpToMilli(q: Quantity): Quantity {
  const { value, scale } = roundUpTo(q.value, q.scale, -3);
  return { value, scale, format: q.format };
}

/** Go's removeInt64Factors: how many times `base` divides the value. */
function removeFactors(value: bigint, base: bigint): { amount: bigint; times: number } {
  let amount = abs(value);
  let times = 0;
  while (amount >= base && amount % base === 0n) {
    amount /= base;
    times++;
  }
  return { amount: value < 0n ? -amount : amount, times };
}

/** The canonical form kube serializes: "1", "500m", "1Gi", "1536Mi", "1e3". */
export function formatQuantity(q: Quantity): string {
  if (q.value === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const small = compareParts(q.value, q.scale, -1024n, 0) > 0 && compareParts(q.value, q.scale, 1024n, 0) < 0;
    if (small || !isWholeNumber(q)) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    const { amount, times } = removeFactors(scaledValue(q, 0), 1024n);
    const suffix = BINARY_BY_EXPONENT.get(times);
    if (suffix !== undefined) return `${amount}${suffix}`;
    return `${amount * 1024n ** BigInt(times - 6)}Ei`;
  }
  const stripped = removeFactors(q.value, 10n);
  let amount = stripped.amount;
  let exponent = q.scale + stripped.times;
  // Exponents are multiples of three (floored), so that a suffix names them.
  const r = ((exponent % 3) + 3) % 3;
  amount *= pow10(r);
  exponent -= r;
  if (format === 'DecimalSI') {
    const suffix = DECIMAL_BY_EXPONENT.get(exponent);
    if (suffix !== undefined) return `${amount}${suffix}`;
  }
  return exponent === 0 ? `${amount}` : `${amount}e${exponent}`;
}

/** Parses and re-formats; a malformed quantity stays as it was (validation reports it). */
export function canonicalQuantity(raw: unknown): string {
  if (typeof raw === 'number') raw = String(raw);
  if (typeof raw !== 'string') return String(raw);
  try {
    return formatQuantity(parseQuantity(raw));
  } catch {
    return raw;
  }
}

/** A quantity from JSON (a string, or a number as YAML gives), or undefined when it cannot be read. */
export function readQuantity(raw: unknown): Quantity | undefined {
  if (typeof raw === 'number' && Number.isFinite(raw)) raw = String(raw);
  if (typeof raw !== 'string') return undefined;
  try {
    return parseQuantity(raw);
  } catch {
    return undefined;
  }
}

/**
 * A resource list as kube's decoder and defaulting leave it: every quantity parsed, rounded up to
 * milli precision and written canonically. A malformed quantity is the 400 kube answers at decode.
 */
export function normalizeResourceList(list: unknown, kind: string): Record<string, string> | undefined {
  if (list === undefined || list === null) return undefined;
  if (typeof list !== 'object' || Array.isArray(list)) return list as Record<string, string>;
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(list as Record<string, unknown>)) {
    const text = typeof raw === 'number' ? String(raw) : raw;
    if (typeof text !== 'string') throw badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${QUANTITY_FORMAT_MESSAGE}`);
    try {
      out[name] = formatQuantity(roundUpToMilli(parseQuantity(text)));
    } catch (err) {
      throw badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return out;
}
