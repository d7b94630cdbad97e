// Kubernetes' quantity library (k8s.io/apiserver/pkg/cel/library/quantity.go): quantity(),
// isQuantity() and a Quantity's sign, isInteger, asInteger, asApproximateFloat, compareTo,
// isGreaterThan, isLessThan, add and sub. Values are exact decimals, as resource.Quantity's are.
import { err, type Library } from '../functions.js';
import { fn, member, overload, traversalCost, traversalEstimate } from '../stdlib.js';
import { T } from '../types.js';
import { INT64_MAX, INT64_MIN, OpaqueValue, type Result, type Value } from '../values.js';

export const QUANTITY_TYPE = 'kubernetes.Quantity';
const QuantityT = T.opaque(QUANTITY_TYPE);

const FORMAT = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const ERR_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const ERR_SUFFIX = "unable to parse quantity's suffix";
const ERR_NUMERIC = "unable to parse numeric part of quantity";

const BINARY: Record<string, bigint> = { Ki: 2n ** 10n, Mi: 2n ** 20n, Gi: 2n ** 30n, Ti: 2n ** 40n, Pi: 2n ** 50n, Ei: 2n ** 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/**
 * A quantity: unscaled × 10^scale, exact. `fast` records whether resource.Quantity would hold it as
 * an int64 amount (at most 18 digits, a scale down to nano; binary suffixes only for whole numbers
 * that fit): only those convert to an integer (isInteger, asInteger), and only with a scale of 0 or more.
 */
export class Quantity extends OpaqueValue {
  readonly celType = QUANTITY_TYPE;
  constructor(
    readonly unscaled: bigint,
    readonly scale: number,
    readonly fast: boolean,
  ) {
    super();
  }

  /** resource.ParseQuantity. */
  static parse(s: string): Quantity | Error {
    if (s.length === 0) return new Error('quantities must match the regular expression');
    const m = FORMAT.exec(s);
    if (!m) return new Error(ERR_FORMAT);
    const [, num, suffix] = m;
    const numMatch = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(num);
    if (!numMatch) return new Error(ERR_FORMAT);
    if (numMatch[2] === '' && (numMatch[3] ?? '') === '') return new Error(ERR_NUMERIC);
    const sign = numMatch[1] === '-' ? -1n : 1n;
    const whole = numMatch[2];
    const frac = numMatch[3] ?? '';
    const digits = BigInt((whole || '0') + frac);
    if (suffix in BINARY) {
      const exponent = Math.log2(Number(BINARY[suffix]));
      const value = sign * digits * BINARY[suffix];
      const precision = 15 - whole.length - Math.trunc((exponent * 3) / 10) - 1;
      const fast = frac.length === 0 && precision >= 0 && value <= INT64_MAX && value >= INT64_MIN;
      return new Quantity(value, -frac.length, fast);
    }
    let exponent: number;
    if (suffix in DECIMAL) exponent = DECIMAL[suffix];
    else if (/^[eE][-+]?\d+$/.test(suffix)) exponent = Number(suffix.slice(1));
    else return new Error(ERR_SUFFIX);
    const scale = exponent - frac.length;
    const fast = whole.length + frac.length <= 18 && scale >= -9;
    return new Quantity(sign * digits, scale, fast);
  }

  /** Both as integers of a common scale (the smaller). */
  private static aligned(a: Quantity, b: Quantity): [bigint, bigint, number] {
    const scale = Math.min(a.scale, b.scale);
    const at = (q: Quantity) => q.unscaled * 10n ** BigInt(q.scale - scale);
    return [at(a), at(b), scale];
  }

  compareTo(o: Quantity): number {
    const [x, y] = Quantity.aligned(this, o);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  /** resource.Quantity.Add: int64 amounts stay so unless the sum overflows. */
  add(o: Quantity, sign: 1n | -1n): Quantity {
    const [x, y, scale] = Quantity.aligned(this, o);
    const sum = x + sign * y;
    return new Quantity(sum, scale, this.fast && o.fast && sum <= INT64_MAX && sum >= INT64_MIN);
  }

  /** resource.Quantity.AsInt64. */
  asInt64(): bigint | undefined {
    if (!this.fast || this.scale < 0) return undefined;
    const n = this.unscaled * 10n ** BigInt(this.scale);
    return n > INT64_MAX || n < INT64_MIN ? undefined : n;
  }

  asApproximateFloat(): number {
    return Number(this.unscaled) * 10 ** this.scale;
  }

  equals(other: OpaqueValue): boolean {
    return other instanceof Quantity && this.compareTo(other) === 0;
  }

  override toString(): string {
    return this.scale >= 0 ? `${this.unscaled}${'0'.repeat(this.scale)}` : `${this.unscaled}e${this.scale}`;
  }
}

function quantity(s: string): Result {
  const q = Quantity.parse(s);
  return q instanceof Error ? err(q.message) : q;
}

const q = (v: Value) => v as Quantity;
const fromInt = (v: Value) => new Quantity(v as bigint, 0, true);

export const quantityLibrary: Library = {
  name: 'quantity',
  functions: [
    fn('quantity', overload('string_to_quantity', [T.string], QuantityT, ([s]) => quantity(s as string), { cost: traversalCost(), estimate: traversalEstimate() })),
    fn('isQuantity', overload('is_quantity_string', [T.string], T.bool, ([s]) => !(Quantity.parse(s as string) instanceof Error), { cost: traversalCost(), estimate: traversalEstimate() })),
    // kube-apiserver 1.34 declares sign() without an overload for quantities: `quantity("-5").sign()`
    // fails to compile there ("found no matching overload for 'sign'"), and so it does here.
    fn('sign'),
    fn('isInteger', member('quantity_is_integer', [QuantityT], T.bool, ([a]) => q(a).asInt64() !== undefined)),
    fn('asInteger', member('quantity_get_integer', [QuantityT], T.int, ([a]) => q(a).asInt64() ?? err('cannot convert value to integer'))),
    fn('asApproximateFloat', member('quantity_get_float', [QuantityT], T.double, ([a]) => q(a).asApproximateFloat())),
    fn('compareTo', member('quantity_compare_to', [QuantityT, QuantityT], T.int, ([a, b]) => BigInt(q(a).compareTo(q(b))))),
    fn('isGreaterThan', member('quantity_greater', [QuantityT, QuantityT], T.bool, ([a, b]) => q(a).compareTo(q(b)) > 0)),
    fn('isLessThan', member('quantity_less', [QuantityT, QuantityT], T.bool, ([a, b]) => q(a).compareTo(q(b)) < 0)),
    fn(
      'add',
      member('quantity_add', [QuantityT, QuantityT], QuantityT, ([a, b]) => q(a).add(q(b), 1n)),
      member('quantity_add_int', [QuantityT, T.int], QuantityT, ([a, b]) => q(a).add(fromInt(b), 1n)),
    ),
    fn(
      'sub',
      member('quantity_sub', [QuantityT, QuantityT], QuantityT, ([a, b]) => q(a).add(q(b), -1n)),
      member('quantity_sub_int', [QuantityT, T.int], QuantityT, ([a, b]) => q(a).add(fromInt(b), -1n)),
    ),
  ],
};
