// cel-go's strings extension at the version Kubernetes enables (ext.Strings(ext.StringsVersion(2)),
// since 1.29): charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace, split, substring,
// trim, format, join and strings.quote. Indices count code points.
import { STRING_TRAVERSAL_COST_FACTOR, actualByFactor, byFactor } from '../cost-model.js';
import { err, type Library } from '../functions.js';
import { fn, member, overload, traversalCost, traversalEstimate } from '../stdlib.js';
import { isDyn, runtimeTypeName, T, type Type } from '../types.js';
import { actualSize, CelBytes, CelDuration, CelMap, CelTimestamp, CelUint, displayValue, formatDouble, type Result, type Value } from '../values.js';

const cps = (s: string) => [...s];
const str = (v: Value) => v as string;

function indexOf(s: string, sub: string, from: bigint, last: boolean): Result {
  const a = cps(s);
  const b = cps(sub);
  if (from < 0n || from > BigInt(a.length)) return err(`index out of range: ${from}`);
  const start = Number(from);
  if (!last) {
    for (let i = start; i + b.length <= a.length; i++) if (b.every((c, j) => a[i + j] === c)) return BigInt(i);
    return -1n;
  }
  for (let i = Math.min(start, a.length - b.length); i >= 0; i--) if (b.every((c, j) => a[i + j] === c)) return BigInt(i);
  return -1n;
}

function replace(s: string, from: string, to: string, limit: bigint): string {
  if (limit === 0n || (from === to && from !== '')) return s;
  let n = limit < 0n ? Infinity : Number(limit);
  if (from === '') {
    const chars = cps(s);
    const out: string[] = [];
    for (let i = 0; i <= chars.length; i++) {
      if (n-- > 0) out.push(to);
      if (i < chars.length) out.push(chars[i]);
    }
    return out.join('');
  }
  let out = '';
  let i = 0;
  for (;;) {
    const j = s.indexOf(from, i);
    if (j < 0 || n-- <= 0) break;
    out += s.slice(i, j) + to;
    i = j + from.length;
  }
  return out + s.slice(i);
}

/** Go's strings.SplitN. */
function split(s: string, sep: string, limit: bigint): string[] {
  if (limit === 0n) return [];
  const n = limit < 0n ? Infinity : Number(limit);
  if (sep === '') {
    const chars = cps(s);
    if (chars.length <= n) return chars;
    return [...chars.slice(0, n - 1), chars.slice(n - 1).join('')];
  }
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const j = rest.indexOf(sep);
    if (j < 0) break;
    out.push(rest.slice(0, j));
    rest = rest.slice(j + sep.length);
  }
  out.push(rest);
  return out;
}

function substring(s: string, start: bigint, end?: bigint): Result {
  const a = cps(s);
  const e = end ?? BigInt(a.length);
  if (start < 0n || start > BigInt(a.length)) return err(`index out of range: ${start}`);
  if (e < 0n || e > BigInt(a.length)) return err(`index out of range: ${e}`);
  if (start > e) return err(`invalid substring range. start: ${start}, end: ${e}`);
  return a.slice(Number(start), Number(e)).join('');
}

/** Go's unicode.IsSpace. */
const SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

function quote(s: string): string {
  const escapes: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', '"': '\\"' };
  return `"${cps(s)
    .map((c) => escapes[c] ?? (c === '\ud800' ? '\ufffd' : c))
    .join('')}"`;
}

/** A value inside a list or map under `%s`: strings quoted, doubles with six decimals (as cel-go prints them). */
function formatNested(v: Value): Result {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? v.toFixed(6) : formatDouble(v);
  if (v instanceof CelBytes) return `b${JSON.stringify(new TextDecoder().decode(v.bytes))}`;
  return formatString(v);
}

/** The `%s` text of a value in format(): a map's entries sorted by key, as `{"a":1, "b":2}`. */
function formatString(v: Value): Result {
  if (typeof v === 'string') return v;
  if (v instanceof CelBytes) return new TextDecoder().decode(v.bytes);
  if (v instanceof CelUint) return String(v.value);
  if (typeof v === 'number') return formatDouble(v);
  if (Array.isArray(v)) {
    const parts: string[] = [];
    for (const x of v) {
      const s = formatNested(x);
      if (typeof s !== 'string') return s;
      parts.push(s);
    }
    return `[${parts.join(', ')}]`;
  }
  if (v instanceof CelMap) {
    const entries: [string, string][] = [];
    for (const [k, x] of v.entries()) {
      const key = formatNested(k);
      const value = formatNested(x);
      if (typeof key !== 'string') return key;
      if (typeof value !== 'string') return value;
      entries.push([key, value]);
    }
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return `{${entries.map(([k, x]) => `${k}:${x}`).join(', ')}}`;
  }
  return displayValue(v);
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** cel-go's %e: six decimals and a superscript exponent, `1.234568×10⁰³` (a precision is not honoured). */
function scientific(d: number): string {
  const [mant, exp] = d.toExponential(6).split('e');
  const n = Number(exp);
  const digits = String(Math.abs(n)).padStart(2, '0').replace(/\d/g, (c) => SUPERSCRIPT[Number(c)]);
  return `${mant}×10${n < 0 ? '⁻' : ''}${digits}`;
}

/** The string extension's format(): %s %d %f %e %x %X %o %b and %%, with an optional precision. */
export function format(template: string, args: readonly Value[]): Result {
  let out = '';
  let argIndex = 0;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    if (template[i + 1] === '%') {
      out += '%';
      i++;
      continue;
    }
    const m = /^%(?:\.(\d+))?([a-zA-Z])/.exec(template.slice(i));
    if (!m) return err(`could not parse formatting clause: unrecognized formatting clause`);
    i += m[0].length - 1;
    if (argIndex >= args.length) return err(`index ${argIndex} out of range`);
    const arg = args[argIndex++];
    const precision = m[1] === undefined ? undefined : Number(m[1]);
    const verb = m[2];
    switch (verb) {
      case 's': {
        const s = formatString(arg);
        if (typeof s !== 'string') return s;
        out += s;
        break;
      }
      case 'd':
        if (typeof arg === 'bigint') out += String(arg);
        else if (arg instanceof CelUint) out += String(arg.value);
        else return err(`error during formatting: decimal clause can only be used on integers, was given ${typeNameOf(arg)}`);
        break;
      case 'f':
      case 'e': {
        if (typeof arg !== 'number') return err(`error during formatting: ${verb === 'f' ? 'fixed-point' : 'scientific'} clause can only be used on doubles, was given ${typeNameOf(arg)}`);
        if (Number.isNaN(arg)) out += 'NaN';
        else if (!Number.isFinite(arg)) out += arg > 0 ? 'Infinity' : '-Infinity';
        else out += verb === 'f' ? arg.toFixed(precision ?? 6) : scientific(arg);
        break;
      }
      case 'x':
      case 'X':
      case 'o':
      case 'b': {
        const radix = verb === 'o' ? 8 : verb === 'b' ? 2 : 16;
        let s: string;
        if (typeof arg === 'bigint') s = (arg < 0n ? '-' : '') + (arg < 0n ? -arg : arg).toString(radix);
        else if (arg instanceof CelUint) s = arg.value.toString(radix);
        else if (typeof arg === 'boolean' && verb === 'b') s = arg ? '1' : '0';
        else if ((typeof arg === 'string' || arg instanceof CelBytes) && radix === 16) s = Buffer.from(typeof arg === 'string' ? Buffer.from(arg) : arg.bytes).toString('hex');
        else return err(`error during formatting: only integers${radix === 16 ? ', byte buffers, and strings' : ''} can be formatted as ${verb === 'o' ? 'octal' : verb === 'b' ? 'binary' : 'hex'}, was given ${typeNameOf(arg)}`);
        out += verb === 'X' ? s.toUpperCase() : s;
        break;
      }
      default:
        return err(`could not parse formatting clause: unrecognized formatting clause "${verb}"`);
    }
  }
  if (argIndex < args.length) return err(`too many arguments supplied to string.format (expected ${argIndex}, got ${args.length})`);
  return out;
}

function typeNameOf(v: Value): string {
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'double';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof CelUint) return 'uint';
  if (v instanceof CelBytes) return 'bytes';
  if (v instanceof CelDuration) return 'google.protobuf.Duration';
  if (v instanceof CelTimestamp) return 'google.protobuf.Timestamp';
  if (Array.isArray(v)) return 'list';
  if (v instanceof CelMap) return 'map';
  return v === null ? 'null_type' : 'dyn';
}

const twiceTraversal = (args: Value[]) => actualByFactor(actualSize(args[0]), 2 * STRING_TRAVERSAL_COST_FACTOR);
const twiceTraversalEstimate = (args: { size: { min: number; max: number } }[]) => ({ cost: byFactor(args[0].size, 2 * STRING_TRAVERSAL_COST_FACTOR) });
/** Kubernetes' cost of indexOf and lastIndexOf: one traversal, truncated as Go's uint64() does. */
const stringTraversal = (args: Value[]) => Math.floor(actualSize(args[0]) * STRING_TRAVERSAL_COST_FACTOR);

export const stringsLibrary: Library = {
  name: 'strings',
  functions: [
    fn(
      'charAt',
      member('string_char_at_int', [T.string, T.int], T.string, ([s, i]) => {
        const a = cps(str(s));
        const n = i as bigint;
        if (n < 0n || n > BigInt(a.length)) return err(`index out of range: ${n}`);
        return a[Number(n)] ?? '';
      }),
    ),
    fn(
      'indexOf',
      member('string_index_of_string', [T.string, T.string], T.int, ([s, x]) => indexOf(str(s), str(x), 0n, false), { cost: stringTraversal, estimate: traversalEstimate() }),
      member('string_index_of_string_int', [T.string, T.string, T.int], T.int, ([s, x, i]) => indexOf(str(s), str(x), i as bigint, false), { cost: stringTraversal, estimate: traversalEstimate() }),
    ),
    fn(
      'lastIndexOf',
      member('string_last_index_of_string', [T.string, T.string], T.int, ([s, x]) => indexOf(str(s), str(x), BigInt(cps(str(s)).length), true), { cost: stringTraversal, estimate: traversalEstimate() }),
      member('string_last_index_of_string_int', [T.string, T.string, T.int], T.int, ([s, x, i]) => indexOf(str(s), str(x), i as bigint, true), { cost: stringTraversal, estimate: traversalEstimate() }),
    ),
    fn('lowerAscii', member('string_lower_ascii', [T.string], T.string, ([s]) => str(s).replace(/[A-Z]/g, (c) => c.toLowerCase()), { cost: traversalCost(), estimate: traversalEstimate() })),
    fn('upperAscii', member('string_upper_ascii', [T.string], T.string, ([s]) => str(s).replace(/[a-z]/g, (c) => c.toUpperCase()), { cost: traversalCost(), estimate: traversalEstimate() })),
    fn(
      'replace',
      member('string_replace_string_string', [T.string, T.string, T.string], T.string, ([s, a, b]) => replace(str(s), str(a), str(b), -1n), { cost: twiceTraversal, estimate: twiceTraversalEstimate }),
      member('string_replace_string_string_int', [T.string, T.string, T.string, T.int], T.string, ([s, a, b, n]) => replace(str(s), str(a), str(b), n as bigint), { cost: twiceTraversal, estimate: twiceTraversalEstimate }),
    ),
    fn(
      'split',
      member('string_split_string', [T.string, T.string], T.list(T.string), ([s, sep]) => split(str(s), str(sep), -1n), { cost: twiceTraversal, estimate: twiceTraversalEstimate }),
      member('string_split_string_int', [T.string, T.string, T.int], T.list(T.string), ([s, sep, n]) => split(str(s), str(sep), n as bigint), { cost: twiceTraversal, estimate: twiceTraversalEstimate }),
    ),
    fn(
      'substring',
      member('string_substring_int', [T.string, T.int], T.string, ([s, a]) => substring(str(s), a as bigint), { cost: traversalCost(), estimate: traversalEstimate() }),
      member('string_substring_int_int', [T.string, T.int, T.int], T.string, ([s, a, b]) => substring(str(s), a as bigint, b as bigint), { cost: traversalCost(), estimate: traversalEstimate() }),
    ),
    fn('trim', member('string_trim', [T.string], T.string, ([s]) => str(s).replace(SPACE, ''), { cost: traversalCost(), estimate: traversalEstimate() })),
    fn(
      'join',
      member('list_join', [T.list(T.string)], T.string, ([l]) => (l as string[]).join(''), { cost: (_a, r) => actualByFactor(actualSize(r as Value), 2 * STRING_TRAVERSAL_COST_FACTOR) }),
      member('list_join_string', [T.list(T.string), T.string], T.string, ([l, sep]) => (l as string[]).join(str(sep)), { cost: (_a, r) => actualByFactor(actualSize(r as Value), 2 * STRING_TRAVERSAL_COST_FACTOR) }),
    ),
    fn('strings.quote', overload('strings_quote', [T.string], T.string, ([s]) => quote(str(s)))),
    fn('format', member('string_format', [T.string, T.list(T.dyn)], T.string, ([s, args]) => format(str(s), args as Value[]))),
  ],
};

/**
 * What the strings extension checks when an expression is compiled (cel-go's
 * StringsValidateFormatCalls): a constant format string against the static types of a list literal
 * of arguments. The first mismatch, in the words evaluation would use; undefined when it fits.
 */
export function checkFormatCall(template: string, argTypes: readonly Type[]): string | undefined {
  let index = 0;
  for (let i = 0; i < template.length; i++) {
    if (template[i] !== '%') continue;
    if (template[i + 1] === '%') {
      i++;
      continue;
    }
    const m = /^%(?:\.\d+)?([a-zA-Z])/.exec(template.slice(i));
    if (!m) return 'could not parse formatting clause: unrecognized formatting clause';
    i += m[0].length - 1;
    const verb = m[1];
    const t = argTypes[index++];
    if (!t) return `index ${index - 1} out of range`;
    if (isDyn(t)) continue;
    const name = runtimeTypeName(t);
    const allowed: Record<string, [string[], string]> = {
      d: [['int', 'uint'], 'decimal clause can only be used on integers'],
      f: [['double'], 'fixed-point clause can only be used on doubles'],
      e: [['double'], 'scientific clause can only be used on doubles'],
      x: [['int', 'uint', 'string', 'bytes'], 'only integers, byte buffers, and strings can be formatted as hex'],
      X: [['int', 'uint', 'string', 'bytes'], 'only integers, byte buffers, and strings can be formatted as hex'],
      o: [['int', 'uint'], 'only integers can be formatted as octal'],
      b: [['int', 'uint', 'bool'], 'only integers and bools can be formatted as binary'],
    };
    if (verb === 's') continue;
    const rule = allowed[verb];
    if (!rule) return `could not parse formatting clause: unrecognized formatting clause "${verb}"`;
    if (!rule[0].includes(name)) return `error during formatting: ${rule[1]}, was given ${name}`;
  }
  return undefined;
}
