// CEL's runtime values. JavaScript's own types carry the common ones (int is bigint, double is
// number, string, bool, null, list is an array); the others are small classes. Kubernetes objects
// (JSON) become values lazily: a map wraps the JSON object and converts a field when it is read.

/** An error value: CEL's errors are values, so `false && error` is false and `all()` can absorb them. */
export class CelError {
  constructor(readonly message: string) {}
  toString(): string {
    return this.message;
  }
}

export class CelUint {
  constructor(readonly value: bigint) {}
}

export class CelBytes {
  constructor(readonly bytes: Uint8Array) {}
  static of(s: string): CelBytes {
    return new CelBytes(new TextEncoder().encode(s));
  }
}

/** A duration in nanoseconds. */
export class CelDuration {
  constructor(readonly nanos: bigint) {}
}

/** A timestamp: nanoseconds since the Unix epoch, UTC. */
export class CelTimestamp {
  constructor(readonly nanos: bigint) {}
}

/** A type as a value (`type(x)`, `int`, `list`). */
export class CelType {
  constructor(readonly name: string) {}
}

export class CelOptional {
  private constructor(readonly present: boolean, readonly value: Value) {}
  static readonly none = new CelOptional(false, null);
  static of(value: Value): CelOptional {
    return new CelOptional(true, value);
  }
}

/** A value of a library type (quantity, URL, IP, …): named, comparable for equality. */
export abstract class OpaqueValue {
  abstract readonly celType: string;
  abstract equals(other: OpaqueValue): boolean;
  /** The size a cost estimate counts for it (its string's length by default: 1). */
  size(): number {
    return 1;
  }
}

/** A struct value built by an expression (`Object{spec: …}`, `JSONPatch{…}`). */
export class CelObject {
  constructor(
    readonly typeName: string,
    readonly fields: Map<string, Value>,
  ) {}
}

export type Value =
  | null
  | boolean
  | bigint
  | number
  | string
  | CelUint
  | CelBytes
  | CelDuration
  | CelTimestamp
  | CelType
  | CelOptional
  | CelObject
  | CelMap
  | OpaqueValue
  | readonly Value[];

export type Result = Value | CelError;

export const INT64_MAX = 2n ** 63n - 1n;
export const INT64_MIN = -(2n ** 63n);
export const UINT64_MAX = 2n ** 64n - 1n;

export function isError(v: unknown): v is CelError {
  return v instanceof CelError;
}

/**
 * How a list compares and concatenates when it is not positional: Kubernetes' `x-kubernetes-list-type`
 * set and map lists (a custom resource's lists, as kube's CEL values implement them). A list carries
 * them on itself; only the left operand's count, as cel-go asks `lhs.Equal(rhs)` and `lhs.Add(rhs)`.
 */
export interface ListSemantics {
  equals(self: readonly Value[], other: readonly Value[]): boolean;
  concat(self: readonly Value[], other: readonly Value[]): readonly Value[];
}

const LIST_SEMANTICS = Symbol('cel.listSemantics');

/** The list with its own equality and concatenation. */
export function withListSemantics(values: Value[], semantics: ListSemantics): readonly Value[] {
  Object.defineProperty(values, LIST_SEMANTICS, { value: semantics });
  return values;
}

export function listSemantics(list: readonly Value[]): ListSemantics | undefined {
  return (list as { [LIST_SEMANTICS]?: ListSemantics })[LIST_SEMANTICS];
}

/** A map: lookups by CEL key equality (1 and 1u and 1.0 are the same key). */
export abstract class CelMap {
  abstract get(key: Value): Value | undefined;
  abstract get size(): number;
  abstract keys(): Value[];
  has(key: Value): boolean {
    return this.get(key) !== undefined;
  }
  *entries(): Generator<[Value, Value]> {
    for (const k of this.keys()) yield [k, this.get(k)!];
  }
}

/** The lookup key of a map key: equal CEL keys get the same string. */
export function mapKey(key: Value): string | undefined {
  if (typeof key === 'string') return `s${key}`;
  if (typeof key === 'bigint') return `n${key}`;
  if (key instanceof CelUint) return `n${key.value}`;
  if (typeof key === 'number') return Number.isInteger(key) ? `n${BigInt(key)}` : `d${key}`;
  if (typeof key === 'boolean') return `b${key}`;
  return undefined;
}

/** A map built by an expression or a library. */
export class EntryMap extends CelMap {
  private readonly map = new Map<string, [Value, Value]>();
  constructor(entries: Iterable<[Value, Value]> = []) {
    super();
    for (const [k, v] of entries) this.set(k, v);
  }
  set(key: Value, value: Value): void {
    const k = mapKey(key);
    if (k === undefined) throw new Error('unsupported key type');
    this.map.set(k, [key, value]);
  }
  get(key: Value): Value | undefined {
    const k = mapKey(key);
    return k === undefined ? undefined : this.map.get(k)?.[1];
  }
  get size(): number {
    return this.map.size;
  }
  keys(): Value[] {
    return [...this.map.values()].map(([k]) => k);
  }
}

/** A JSON object seen as a map of strings; values are converted once, when first read. */
export class JsonMap extends CelMap {
  private readonly cache = new Map<string, Value>();
  constructor(readonly json: Record<string, unknown>) {
    super();
  }
  get(key: Value): Value | undefined {
    if (typeof key !== 'string' || !Object.hasOwn(this.json, key)) return undefined;
    const raw = this.json[key];
    if (raw === undefined) return undefined;
    let v = this.cache.get(key);
    if (v === undefined) {
      v = fromJSON(raw);
      this.cache.set(key, v);
    }
    return v;
  }
  get size(): number {
    return Object.keys(this.json).filter((k) => this.json[k] !== undefined).length;
  }
  keys(): Value[] {
    return Object.keys(this.json).filter((k) => this.json[k] !== undefined);
  }
}

const listCache = new WeakMap<readonly unknown[], readonly Value[]>();

/** A JSON value (a Kubernetes object or part of one) as a CEL value: integral numbers are ints. */
export function fromJSON(raw: unknown): Value {
  if (raw === null || raw === undefined) return null;
  switch (typeof raw) {
    case 'boolean':
    case 'string':
    case 'bigint':
      return raw;
    case 'number':
      return Number.isInteger(raw) && Math.abs(raw) <= Number.MAX_SAFE_INTEGER ? BigInt(raw) : raw;
    case 'object': {
      if (Array.isArray(raw)) {
        let list = listCache.get(raw);
        if (!list) {
          list = raw.map(fromJSON);
          listCache.set(raw, list);
        }
        return list;
      }
      if (raw instanceof CelMap || raw instanceof OpaqueValue || raw instanceof CelObject) return raw;
      return new JsonMap(raw as Record<string, unknown>);
    }
    default:
      return null;
  }
}

/** A CEL value as JSON (what a mutation writes back into an object). */
export function toJSON(v: Value): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  if (v instanceof CelUint) return Number(v.value);
  if (v instanceof CelBytes) return Buffer.from(v.bytes).toString('base64');
  if (v instanceof CelDuration) return formatDuration(v);
  if (v instanceof CelTimestamp) return formatTimestamp(v);
  if (v instanceof CelOptional) return v.present ? toJSON(v.value) : null;
  if (Array.isArray(v)) return v.map(toJSON);
  if (v instanceof JsonMap) return v.json;
  if (v instanceof CelMap) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of v.entries()) out[String(typeof k === 'string' ? k : displayValue(k))] = toJSON(val);
    return out;
  }
  if (v instanceof CelObject) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of v.fields) out[k] = toJSON(val);
    return out;
  }
  if (v instanceof CelType) return v.name;
  if (v instanceof OpaqueValue) return String(v);
  return null;
}

/** The CEL type name of a value, as `type(v)` names it. */
export function typeName(v: Value): string {
  if (v === null) return 'null_type';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'string':
      return 'string';
  }
  if (v instanceof CelUint) return 'uint';
  if (v instanceof CelBytes) return 'bytes';
  if (v instanceof CelDuration) return 'google.protobuf.Duration';
  if (v instanceof CelTimestamp) return 'google.protobuf.Timestamp';
  if (v instanceof CelType) return 'type';
  if (v instanceof CelOptional) return 'optional_type';
  if (v instanceof CelObject) return v.typeName;
  if (v instanceof CelMap) return 'map';
  if (v instanceof OpaqueValue) return v.celType;
  if (Array.isArray(v)) return 'list';
  return 'dyn';
}

/** The number of code points of a string (CEL's size of a string). */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) i++;
    n++;
  }
  return n;
}

/** The size the cost model counts for a value: a string's code points, a list's or map's entries, else 1. */
export function actualSize(v: Value | CelError): number {
  if (typeof v === 'string') return codePointLength(v);
  if (v instanceof CelBytes) return v.bytes.length;
  if (Array.isArray(v)) return v.length;
  if (v instanceof CelMap) return v.size;
  if (v instanceof OpaqueValue) return v.size();
  return 1;
}

function numericEquals(a: Value, b: Value): boolean | undefined {
  const num = (x: Value): bigint | number | undefined => (typeof x === 'bigint' || typeof x === 'number' ? x : x instanceof CelUint ? x.value : undefined);
  const x = num(a);
  const y = num(b);
  if (x === undefined || y === undefined) return undefined;
  if (typeof x === 'number' || typeof y === 'number') {
    if (Number.isNaN(Number(x)) || Number.isNaN(Number(y))) return false;
    if (typeof x === 'number' && typeof y === 'number') return x === y;
    const d = typeof x === 'number' ? x : (y as number);
    const i = typeof x === 'number' ? (y as bigint) : x;
    return Number.isInteger(d) && Number.isFinite(d) && BigInt(d) === i;
  }
  return x === y;
}

/** CEL's heterogeneous equality: values of different types are unequal, numbers compare across types. */
export function equals(a: Value, b: Value): boolean {
  const n = numericEquals(a, b);
  if (n !== undefined) return n;
  if (a === null || b === null) return a === b;
  if (typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return false;
    const semantics = listSemantics(a);
    if (semantics) return semantics.equals(a, b);
    if (a.length !== b.length) return false;
    return a.every((x, i) => equals(x, b[i]));
  }
  if (a instanceof CelMap || b instanceof CelMap) {
    if (!(a instanceof CelMap) || !(b instanceof CelMap) || a.size !== b.size) return false;
    for (const [k, v] of a.entries()) {
      const w = b.get(k);
      if (w === undefined || !equals(v, w)) return false;
    }
    return true;
  }
  if (a instanceof CelBytes && b instanceof CelBytes) return a.bytes.length === b.bytes.length && a.bytes.every((x, i) => x === b.bytes[i]);
  if (a instanceof CelDuration && b instanceof CelDuration) return a.nanos === b.nanos;
  if (a instanceof CelTimestamp && b instanceof CelTimestamp) return a.nanos === b.nanos;
  if (a instanceof CelType && b instanceof CelType) return a.name === b.name;
  if (a instanceof CelOptional && b instanceof CelOptional) return a.present === b.present && (!a.present || equals(a.value, b.value));
  if (a instanceof CelObject && b instanceof CelObject) {
    if (a.typeName !== b.typeName || a.fields.size !== b.fields.size) return false;
    for (const [k, v] of a.fields) if (!b.fields.has(k) || !equals(v, b.fields.get(k)!)) return false;
    return true;
  }
  if (a instanceof OpaqueValue && b instanceof OpaqueValue) return a.celType === b.celType && a.equals(b);
  return false;
}

/** Orders two values of comparable types (numbers across int, uint and double); undefined if not comparable. */
export function compare(a: Value, b: Value): number | undefined {
  const num = (x: Value): bigint | number | undefined => (typeof x === 'bigint' || typeof x === 'number' ? x : x instanceof CelUint ? x.value : undefined);
  const x = num(a);
  const y = num(b);
  if (x !== undefined && y !== undefined) {
    if (typeof x === 'number' || typeof y === 'number') {
      const fx = Number(x);
      const fy = Number(y);
      if (Number.isNaN(fx) || Number.isNaN(fy)) return NaN;
      if (typeof x === 'bigint' && Number.isFinite(fy) && Number.isInteger(fy)) return cmp(x, BigInt(fy));
      if (typeof y === 'bigint' && Number.isFinite(fx) && Number.isInteger(fx)) return cmp(BigInt(fx), y);
      return fx < fy ? -1 : fx > fy ? 1 : 0;
    }
    return cmp(x, y);
  }
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof CelBytes && b instanceof CelBytes) {
    for (let i = 0; i < Math.min(a.bytes.length, b.bytes.length); i++) if (a.bytes[i] !== b.bytes[i]) return a.bytes[i] - b.bytes[i];
    return a.bytes.length - b.bytes.length;
  }
  if (a instanceof CelDuration && b instanceof CelDuration) return cmp(a.nanos, b.nanos);
  if (a instanceof CelTimestamp && b instanceof CelTimestamp) return cmp(a.nanos, b.nanos);
  return undefined;
}

function cmp<T extends bigint | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Go compares strings byte by byte (UTF-8), which is code point order, not UTF-16 order. */
export function compareStrings(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

/**
 * Go's strconv.FormatFloat(d, 'g', -1, 64), which string(double) uses: the shortest digits, in
 * exponent form when the exponent is below -4 or at least 6 (`1e+06`, `1e-05`, `123456`).
 */
export function formatDouble(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return '+Inf';
  if (d === -Infinity) return '-Inf';
  if (Object.is(d, -0)) return '-0';
  if (d === 0) return '0';
  const [m, e] = d.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(d);
}

/** `1h1m1.5s` → `3661.5s`: CEL's (protobuf JSON's) form of a duration. */
export function formatDuration(d: CelDuration): string {
  const neg = d.nanos < 0n;
  const abs = neg ? -d.nanos : d.nanos;
  const secs = abs / 1_000_000_000n;
  const frac = abs % 1_000_000_000n;
  let s = `${neg ? '-' : ''}${secs}`;
  if (frac !== 0n) s += `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${s}s`;
}

/** RFC 3339 with as many fractional digits as needed (Go's time.RFC3339Nano). */
export function formatTimestamp(t: CelTimestamp): string {
  const ms = t.nanos / 1_000_000n;
  let fracNanos = t.nanos % 1_000_000_000n;
  let secondsMs = ms - (ms % 1000n);
  if (fracNanos < 0n) {
    fracNanos += 1_000_000_000n;
    secondsMs = (t.nanos - fracNanos) / 1_000_000n;
  }
  const iso = new Date(Number(secondsMs)).toISOString().replace(/\.\d{3}Z$/, '');
  const frac = fracNanos === 0n ? '' : `.${fracNanos.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${formatYear(iso)}${frac}Z`;
}

/** toISOString writes years past 9999 with a sign; timestamps here never leave 0001–9999. */
function formatYear(iso: string): string {
  return iso.replace(/^\+0*(\d{4})/, '$1');
}

/** A value as CEL's `string()` or a message would show it (lists and maps as CEL literals). */
export function displayValue(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return formatDouble(v);
  if (v instanceof CelUint) return `${v.value}u`;
  if (v instanceof CelBytes) return new TextDecoder().decode(v.bytes);
  if (v instanceof CelDuration) return formatDuration(v);
  if (v instanceof CelTimestamp) return formatTimestamp(v);
  if (v instanceof CelType) return v.name;
  if (v instanceof CelOptional) return v.present ? `optional(${displayValue(v.value)})` : 'optional.none()';
  if (Array.isArray(v)) return `[${v.map(displayValue).join(', ')}]`;
  if (v instanceof CelMap) return `{${[...v.entries()].map(([k, x]) => `${displayValue(k)}: ${displayValue(x)}`).join(', ')}}`;
  if (v instanceof CelObject) return `${v.typeName}{${[...v.fields].map(([k, x]) => `${k}: ${displayValue(x)}`).join(', ')}}`;
  return String(v);
}
