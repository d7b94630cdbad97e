// CEL's standard definitions (operators, size, string tests, conversions, time accessors) and the
// optional types library, with cel-go's overload ids, runtime errors and costs.
import { byFactor, fixed, actualByFactor, REGEX_STRING_LENGTH_COST_FACTOR, STRING_TRAVERSAL_COST_FACTOR, add, type CostEstimate, type SizeEstimate } from './cost-model.js';
import { err, NO_SUCH_OVERLOAD, type EstimateArg, type FunctionDecl, type Library, type Overload } from './functions.js';
import { compileRegex } from './regex.js';
import { calendar, checkDuration, checkTimestamp, parseDuration, parseTimestamp } from './time.js';
import { T, type Type } from './types.js';
import {
  CelBytes,
  CelDuration,
  CelError,
  CelMap,
  CelOptional,
  CelTimestamp,
  CelType,
  CelUint,
  EntryMap,
  INT64_MAX,
  INT64_MIN,
  UINT64_MAX,
  actualSize,
  codePointLength,
  compare,
  equals,
  formatDouble,
  formatDuration,
  formatTimestamp,
  isError,
  typeName,
  type Result,
  type Value,
  listSemantics,
} from './values.js';

const A = T.param('A');
const B = T.param('B');

export function overload(id: string, params: Type[], result: Type, impl: (args: Value[]) => Result, extra: Partial<Overload> = {}): Overload {
  return { id, params, result, impl, ...extra };
}

export function member(id: string, params: Type[], result: Type, impl: (args: Value[]) => Result, extra: Partial<Overload> = {}): Overload {
  return { id, params, result, impl, member: true, ...extra };
}

export function fn(name: string, ...overloads: Overload[]): FunctionDecl {
  return { name, overloads };
}

export function int64(n: bigint): Result {
  return n > INT64_MAX || n < INT64_MIN ? err('integer overflow') : n;
}

export function uint64(n: bigint): Result {
  return n < 0n || n > UINT64_MAX ? err('unsigned integer overflow') : new CelUint(n);
}

const str = (v: Value) => v as string;
const big = (v: Value) => v as bigint;
const u = (v: Value) => (v as CelUint).value;
const dbl = (v: Value) => v as number;

/** A cost of ceil(size * 0.1) of the first argument, at runtime. */
export const traversalCost = (i = 0) => (args: Value[]) => actualByFactor(actualSize(args[i]), STRING_TRAVERSAL_COST_FACTOR);
/** And its estimate. */
export const traversalEstimate =
  (i = 0) =>
  (args: EstimateArg[]): { cost: CostEstimate } => ({ cost: byFactor(args[i].size, STRING_TRAVERSAL_COST_FACTOR) });

const minSizeCost = (args: Value[]) => actualByFactor(Math.min(actualSize(args[0]), actualSize(args[1])), STRING_TRAVERSAL_COST_FACTOR);
const minSizeEstimate = (args: EstimateArg[]) => ({ cost: byFactor({ min: Math.min(args[0].size.min, args[1].size.min), max: Math.min(args[0].size.max, args[1].size.max) }, STRING_TRAVERSAL_COST_FACTOR) });
const sumSizeCost = (args: Value[]) => actualByFactor(actualSize(args[0]) + actualSize(args[1]), STRING_TRAVERSAL_COST_FACTOR);
const sumSize = (a: SizeEstimate, b: SizeEstimate): SizeEstimate => add(a, b);
const sumSizeEstimate = (args: EstimateArg[]) => {
  const size = sumSize(args[0].size, args[1].size);
  return { cost: byFactor(size, STRING_TRAVERSAL_COST_FACTOR), resultSize: size };
};

/** matches(): the string's length times the regex's, cel-go's guess at RE2's work. */
export const regexCost = (args: Value[]) =>
  actualByFactor(1 + actualSize(args[0]), STRING_TRAVERSAL_COST_FACTOR) * actualByFactor(actualSize(args[1]), REGEX_STRING_LENGTH_COST_FACTOR);
export const regexEstimate = (args: EstimateArg[]) => {
  const strCost = byFactor(add(args[0].size, fixed(1)), STRING_TRAVERSAL_COST_FACTOR);
  const reCost = byFactor(args[1].size, REGEX_STRING_LENGTH_COST_FACTOR);
  return { cost: { min: strCost.min * reCost.min, max: Math.min(Number.MAX_VALUE, strCost.max * reCost.max) } };
};

function matches(s: string, pattern: string): Result {
  const re = compileRegex(pattern);
  if (isError(re)) return re;
  return re.test(s);
}

function compareOp(test: (c: number) => boolean) {
  return (args: Value[]): Result => {
    const c = compare(args[0], args[1]);
    if (c === undefined) return err(NO_SUCH_OVERLOAD);
    return Number.isNaN(c) ? false : test(c);
  };
}

const ORDERED: [string, Type][] = [
  ['bool', T.bool],
  ['int64', T.int],
  ['uint64', T.uint],
  ['double', T.double],
  ['string', T.string],
  ['bytes', T.bytes],
  ['timestamp', T.timestamp],
  ['duration', T.duration],
];
const NUMERIC: [string, Type][] = [
  ['int64', T.int],
  ['uint64', T.uint],
  ['double', T.double],
];

function comparison(name: string, op: string, test: (c: number) => boolean): FunctionDecl {
  const overloads: Overload[] = ORDERED.map(([n, t]) => overload(`${op}_${n}`, [t, t], T.bool, compareOp(test), n === 'string' || n === 'bytes' ? { cost: minSizeCost, estimate: minSizeEstimate } : {}));
  // Kubernetes enables cross-type numeric comparisons (cel.CrossTypeNumericComparisons).
  for (const [a, ta] of NUMERIC) for (const [b, tb] of NUMERIC) if (a !== b) overloads.push(overload(`${op}_${a}_${b}`, [ta, tb], T.bool, compareOp(test)));
  return fn(name, ...overloads);
}

function addTimestampDuration(ts: CelTimestamp, d: CelDuration, sign: 1n | -1n): Result {
  return checkTimestamp(ts.nanos + sign * d.nanos);
}

/** cel-go's error for a string that does not convert. */
const conversionError = (from: string, to: string) => err(`type conversion error from '${from}' to '${to}'`);

const orConversionError = (r: Result, to: string) => (isError(r) ? conversionError('string', to) : r);

/** Go's strconv.ParseInt(s, 10, 64); what it refuses is cel-go's conversion error. */
export function parseInt64(s: string): Result {
  if (!/^[+-]?\d+$/.test(s)) return conversionError('string', 'int');
  const n = BigInt(s);
  if (n > INT64_MAX || n < INT64_MIN) return conversionError('string', 'int');
  return n;
}

function parseUint64(s: string): Result {
  if (!/^\+?\d+$/.test(s)) return conversionError('string', 'uint');
  const n = BigInt(s);
  if (n > UINT64_MAX) return conversionError('string', 'uint');
  return new CelUint(n);
}

function parseDouble(s: string): Result {
  const t = s.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return conversionError('string', 'double');
  return Number(s);
}

function doubleToInt(d: number): Result {
  if (Number.isNaN(d) || !(d > -9223372036854775808 && d < 9223372036854775807)) return err('integer overflow');
  return BigInt(Math.trunc(d));
}

function doubleToUint(d: number): Result {
  if (Number.isNaN(d) || !(d >= 0 && d < 18446744073709551616)) return err('unsigned integer overflow');
  return new CelUint(BigInt(Math.trunc(d)));
}

function bytesToString(b: CelBytes): Result {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b.bytes);
  } catch {
    return err('invalid UTF-8 in bytes, cannot convert to string');
  }
}

const SECOND = 1_000_000_000n;

function timeAccessor(name: string, field: (c: Exclude<ReturnType<typeof calendar>, CelError>) => number, durationDivisor?: bigint): FunctionDecl {
  const overloads: Overload[] = [
    member(`timestamp_to_${name}`, [T.timestamp], T.int, ([t]) => {
      const c = calendar(t as CelTimestamp);
      return isError(c) ? c : BigInt(field(c));
    }),
    member(`timestamp_to_${name}_with_tz`, [T.timestamp, T.string], T.int, ([t, tz]) => {
      const c = calendar(t as CelTimestamp, tz as string);
      return isError(c) ? c : BigInt(field(c));
    }),
  ];
  if (durationDivisor) overloads.push(member(`duration_to_${name}`, [T.duration], T.int, ([d]) => (d as CelDuration).nanos / durationDivisor));
  return fn(name, ...overloads);
}

/** Whether a value is its type's zero value (optional.ofNonZeroValue). */
function isZero(v: Value): boolean {
  if (v === null || v === false || v === '' || v === 0n || v === 0) return true;
  if (v instanceof CelUint) return v.value === 0n;
  if (v instanceof CelBytes) return v.bytes.length === 0;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof CelMap) return v.size === 0;
  if (v instanceof CelDuration || v instanceof CelTimestamp) return v.nanos === 0n;
  return false;
}

export const standardLibrary: Library = {
  name: 'standard',
  functions: [
    fn('!_', overload('logical_not', [T.bool], T.bool, ([a]) => !a)),
    fn('-_', overload('negate_int64', [T.int], T.int, ([a]) => int64(-big(a))), overload('negate_double', [T.double], T.double, ([a]) => -dbl(a))),
    fn('_&&_', overload('logical_and', [T.bool, T.bool], T.bool, ([a, b]) => (a as boolean) && (b as boolean))),
    fn('_||_', overload('logical_or', [T.bool, T.bool], T.bool, ([a, b]) => (a as boolean) || (b as boolean))),
    fn('_?_:_', overload('conditional', [T.bool, A, A], A, ([c, a, b]) => (c ? a : b))),
    fn('@not_strictly_false', overload('not_strictly_false', [T.bool], T.bool, ([a]) => a !== false, { nonStrict: true })),
    fn(
      '_+_',
      overload('add_int64', [T.int, T.int], T.int, ([a, b]) => int64(big(a) + big(b))),
      overload('add_uint64', [T.uint, T.uint], T.uint, ([a, b]) => uint64(u(a) + u(b))),
      overload('add_double', [T.double, T.double], T.double, ([a, b]) => dbl(a) + dbl(b)),
      overload('add_string', [T.string, T.string], T.string, ([a, b]) => str(a) + str(b), { cost: sumSizeCost, estimate: sumSizeEstimate }),
      overload('add_bytes', [T.bytes, T.bytes], T.bytes, ([a, b]) => new CelBytes(Uint8Array.from([...(a as CelBytes).bytes, ...(b as CelBytes).bytes])), { cost: sumSizeCost, estimate: sumSizeEstimate }),
      overload('add_list', [T.list(A), T.list(A)], T.list(A), ([a, b]) => listSemantics(a as Value[])?.concat(a as Value[], b as Value[]) ?? [...(a as Value[]), ...(b as Value[])], {
        estimate: (args) => ({ cost: fixed(1), resultSize: sumSize(args[0].size, args[1].size) }),
      }),
      overload('add_timestamp_duration', [T.timestamp, T.duration], T.timestamp, ([a, b]) => addTimestampDuration(a as CelTimestamp, b as CelDuration, 1n)),
      overload('add_duration_timestamp', [T.duration, T.timestamp], T.timestamp, ([a, b]) => addTimestampDuration(b as CelTimestamp, a as CelDuration, 1n)),
      overload('add_duration_duration', [T.duration, T.duration], T.duration, ([a, b]) => checkDuration((a as CelDuration).nanos + (b as CelDuration).nanos)),
    ),
    fn(
      '_-_',
      overload('subtract_int64', [T.int, T.int], T.int, ([a, b]) => int64(big(a) - big(b))),
      overload('subtract_uint64', [T.uint, T.uint], T.uint, ([a, b]) => uint64(u(a) - u(b))),
      overload('subtract_double', [T.double, T.double], T.double, ([a, b]) => dbl(a) - dbl(b)),
      overload('subtract_timestamp_timestamp', [T.timestamp, T.timestamp], T.duration, ([a, b]) => checkDuration((a as CelTimestamp).nanos - (b as CelTimestamp).nanos)),
      overload('subtract_timestamp_duration', [T.timestamp, T.duration], T.timestamp, ([a, b]) => addTimestampDuration(a as CelTimestamp, b as CelDuration, -1n)),
      overload('subtract_duration_duration', [T.duration, T.duration], T.duration, ([a, b]) => checkDuration((a as CelDuration).nanos - (b as CelDuration).nanos)),
    ),
    fn(
      '_*_',
      overload('multiply_int64', [T.int, T.int], T.int, ([a, b]) => int64(big(a) * big(b))),
      overload('multiply_uint64', [T.uint, T.uint], T.uint, ([a, b]) => uint64(u(a) * u(b))),
      overload('multiply_double', [T.double, T.double], T.double, ([a, b]) => dbl(a) * dbl(b)),
    ),
    fn(
      '_/_',
      overload('divide_int64', [T.int, T.int], T.int, ([a, b]) => (big(b) === 0n ? err('division by zero') : int64(big(a) / big(b)))),
      overload('divide_uint64', [T.uint, T.uint], T.uint, ([a, b]) => (u(b) === 0n ? err('division by zero') : new CelUint(u(a) / u(b)))),
      overload('divide_double', [T.double, T.double], T.double, ([a, b]) => dbl(a) / dbl(b)),
    ),
    fn(
      '_%_',
      overload('modulo_int64', [T.int, T.int], T.int, ([a, b]) => (big(b) === 0n ? err('modulus by zero') : big(a) % big(b))),
      overload('modulo_uint64', [T.uint, T.uint], T.uint, ([a, b]) => (u(b) === 0n ? err('modulus by zero') : new CelUint(u(a) % u(b)))),
    ),
    comparison('_<_', 'less', (c) => c < 0),
    comparison('_<=_', 'less_equals', (c) => c <= 0),
    comparison('_>_', 'greater', (c) => c > 0),
    comparison('_>=_', 'greater_equals', (c) => c >= 0),
    fn('_==_', overload('equals', [A, A], T.bool, ([a, b]) => equals(a, b), { cost: minSizeCost, estimate: minSizeEstimate })),
    fn('_!=_', overload('not_equals', [A, A], T.bool, ([a, b]) => !equals(a, b), { cost: minSizeCost, estimate: minSizeEstimate })),
    fn(
      '@in',
      overload('in_list', [A, T.list(A)], T.bool, ([a, l]) => (l as Value[]).some((x) => equals(a, x)), {
        cost: (args) => actualSize(args[1]),
        estimate: (args) => ({ cost: args[1].size }),
      }),
      overload('in_map', [A, T.map(A, B)], T.bool, ([a, m]) => (m as CelMap).has(a)),
    ),
    fn('_[_]', overload('index_list', [T.list(A), T.int], A, () => null), overload('index_map', [T.map(A, B), A], B, () => null)),
    fn(
      'size',
      overload('size_string', [T.string], T.int, ([s]) => BigInt(codePointLength(str(s)))),
      overload('size_bytes', [T.bytes], T.int, ([b]) => BigInt((b as CelBytes).bytes.length)),
      overload('size_list', [T.list(A)], T.int, ([l]) => BigInt((l as Value[]).length)),
      overload('size_map', [T.map(A, B)], T.int, ([m]) => BigInt((m as CelMap).size)),
      member('string_size', [T.string], T.int, ([s]) => BigInt(codePointLength(str(s)))),
      member('bytes_size', [T.bytes], T.int, ([b]) => BigInt((b as CelBytes).bytes.length)),
      member('list_size', [T.list(A)], T.int, ([l]) => BigInt((l as Value[]).length)),
      member('map_size', [T.map(A, B)], T.int, ([m]) => BigInt((m as CelMap).size)),
    ),
    fn(
      'contains',
      member('contains_string', [T.string, T.string], T.bool, ([s, x]) => str(s).includes(str(x)), {
        cost: (args) => actualByFactor(actualSize(args[0]), STRING_TRAVERSAL_COST_FACTOR) * actualByFactor(actualSize(args[1]), STRING_TRAVERSAL_COST_FACTOR),
        estimate: (args) => {
          const a = byFactor(args[0].size, STRING_TRAVERSAL_COST_FACTOR);
          const b = byFactor(args[1].size, STRING_TRAVERSAL_COST_FACTOR);
          return { cost: { min: a.min * b.min, max: Math.min(Number.MAX_VALUE, a.max * b.max) } };
        },
      }),
    ),
    fn('startsWith', member('starts_with_string', [T.string, T.string], T.bool, ([s, x]) => str(s).startsWith(str(x)), { cost: traversalCost(), estimate: traversalEstimate() })),
    fn('endsWith', member('ends_with_string', [T.string, T.string], T.bool, ([s, x]) => str(s).endsWith(str(x)), { cost: traversalCost(), estimate: traversalEstimate() })),
    fn(
      'matches',
      member('matches_string', [T.string, T.string], T.bool, ([s, p]) => matches(str(s), str(p)), { cost: regexCost, estimate: regexEstimate }),
      overload('matches', [T.string, T.string], T.bool, ([s, p]) => matches(str(s), str(p)), { cost: regexCost, estimate: regexEstimate }),
    ),
    fn(
      'int',
      overload('int64_to_int64', [T.int], T.int, ([a]) => a),
      overload('uint64_to_int64', [T.uint], T.int, ([a]) => (u(a) > INT64_MAX ? err('integer overflow') : u(a))),
      overload('double_to_int64', [T.double], T.int, ([a]) => doubleToInt(dbl(a))),
      overload('string_to_int64', [T.string], T.int, ([a]) => parseInt64(str(a))),
      overload('timestamp_to_int64', [T.timestamp], T.int, ([a]) => {
        const n = (a as CelTimestamp).nanos;
        return n >= 0n ? n / SECOND : -((-n + SECOND - 1n) / SECOND);
      }),
    ),
    fn(
      'uint',
      overload('uint64_to_uint64', [T.uint], T.uint, ([a]) => a),
      overload('int64_to_uint64', [T.int], T.uint, ([a]) => uint64(big(a))),
      overload('double_to_uint64', [T.double], T.uint, ([a]) => doubleToUint(dbl(a))),
      overload('string_to_uint64', [T.string], T.uint, ([a]) => parseUint64(str(a))),
    ),
    fn(
      'double',
      overload('double_to_double', [T.double], T.double, ([a]) => a),
      overload('int64_to_double', [T.int], T.double, ([a]) => Number(big(a))),
      overload('uint64_to_double', [T.uint], T.double, ([a]) => Number(u(a))),
      overload('string_to_double', [T.string], T.double, ([a]) => parseDouble(str(a))),
    ),
    fn(
      'string',
      overload('string_to_string', [T.string], T.string, ([a]) => a),
      overload('int64_to_string', [T.int], T.string, ([a]) => String(a)),
      overload('uint64_to_string', [T.uint], T.string, ([a]) => String(u(a))),
      overload('double_to_string', [T.double], T.string, ([a]) => formatDouble(dbl(a))),
      overload('bool_to_string', [T.bool], T.string, ([a]) => String(a)),
      overload('bytes_to_string', [T.bytes], T.string, ([a]) => bytesToString(a as CelBytes), { cost: traversalCost(), estimate: traversalEstimate() }),
      overload('timestamp_to_string', [T.timestamp], T.string, ([a]) => formatTimestamp(a as CelTimestamp)),
      overload('duration_to_string', [T.duration], T.string, ([a]) => formatDuration(a as CelDuration)),
    ),
    fn(
      'bytes',
      overload('bytes_to_bytes', [T.bytes], T.bytes, ([a]) => a),
      overload('string_to_bytes', [T.string], T.bytes, ([a]) => CelBytes.of(str(a)), { cost: traversalCost(), estimate: traversalEstimate() }),
    ),
    fn(
      'bool',
      overload('bool_to_bool', [T.bool], T.bool, ([a]) => a),
      overload('string_to_bool', [T.string], T.bool, ([a]) => {
        const s = str(a);
        if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
        if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
        return conversionError('string', 'bool');
      }),
    ),
    fn('duration', overload('duration_to_duration', [T.duration], T.duration, ([a]) => a), overload('string_to_duration', [T.string], T.duration, ([a]) => orConversionError(parseDuration(str(a)), 'google.protobuf.Duration'))),
    fn(
      'timestamp',
      overload('timestamp_to_timestamp', [T.timestamp], T.timestamp, ([a]) => a),
      overload('string_to_timestamp', [T.string], T.timestamp, ([a]) => orConversionError(parseTimestamp(str(a)), 'google.protobuf.Timestamp')),
      overload('int64_to_timestamp', [T.int], T.timestamp, ([a]) => checkTimestamp(big(a) * SECOND)),
    ),
    fn('dyn', overload('to_dyn', [A], T.dyn, ([a]) => a)),
    fn('type', overload('type', [A], T.type(A), ([a]) => new CelType(typeName(a)))),
    timeAccessor('getFullYear', (c) => c.year),
    timeAccessor('getMonth', (c) => c.month),
    timeAccessor('getDayOfYear', (c) => c.dayOfYear),
    timeAccessor('getDayOfMonth', (c) => c.day - 1),
    timeAccessor('getDate', (c) => c.day),
    timeAccessor('getDayOfWeek', (c) => c.dayOfWeek),
    timeAccessor('getHours', (c) => c.hour, 3_600_000_000_000n),
    timeAccessor('getMinutes', (c) => c.minute, 60_000_000_000n),
    timeAccessor('getSeconds', (c) => c.second, SECOND),
    timeAccessor('getMilliseconds', (c) => c.millisecond, 1_000_000n),
    // The accumulator helper of the two-variable comprehensions (transformMap, transformMapEntry).
    fn(
      'cel.@mapInsert',
      overload('cel_@mapInsert_map_key_value', [T.map(A, B), A, B], T.map(A, B), ([m, k, v]) => {
        const out = new EntryMap((m as CelMap).entries());
        if (out.has(k)) return err(`insert failed: key ${String(k)} already exists`);
        out.set(k, v);
        return out;
      }),
      overload('cel_@mapInsert_map_map', [T.map(A, B), T.map(A, B)], T.map(A, B), ([m, other]) => {
        const out = new EntryMap((m as CelMap).entries());
        for (const [k, v] of (other as CelMap).entries()) {
          if (out.has(k)) return err(`insert failed: key ${String(k)} already exists`);
          out.set(k, v);
        }
        return out;
      }),
    ),
  ],
};

/** cel.OptionalTypes(): optional values, `.?field`, `[?index]`, optMap and optFlatMap. */
export const optionalLibrary: Library = {
  name: 'optional',
  functions: [
    fn('optional.of', overload('optional_of', [A], T.optional(A), ([a]) => CelOptional.of(a))),
    fn('optional.ofNonZeroValue', overload('optional_ofNonZeroValue', [A], T.optional(A), ([a]) => (isZero(a) ? CelOptional.none : CelOptional.of(a)))),
    fn('optional.none', overload('optional_none', [], T.optional(T.dyn), () => CelOptional.none)),
    fn('value', member('optional_value', [T.optional(A)], A, ([o]) => ((o as CelOptional).present ? (o as CelOptional).value : err('optional.none() dereference')))),
    fn('hasValue', member('optional_hasValue', [T.optional(A)], T.bool, ([o]) => (o as CelOptional).present)),
    fn('or', member('optional_or_optional', [T.optional(A), T.optional(A)], T.optional(A), ([a, b]) => ((a as CelOptional).present ? a : b))),
    fn('orValue', member('optional_orValue_value', [T.optional(A), A], A, ([a, b]) => ((a as CelOptional).present ? (a as CelOptional).value : b))),
  ],
};
