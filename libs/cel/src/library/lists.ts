// Kubernetes' lists library (k8s.io/apiserver/pkg/cel/library/lists.go): isSorted, sum, min, max,
// indexOf and lastIndexOf on lists, each charged one traversal of the list.
import { STRING_TRAVERSAL_COST_FACTOR, byFactor, fixed, multiply, add } from '../cost-model.js';
import { err, type EstimateArg, type Library, type Overload } from '../functions.js';
import { fn, int64, member, uint64 } from '../stdlib.js';
import { checkDuration } from '../time.js';
import { T, type Type } from '../types.js';
import { CelBytes, CelDuration, CelMap, CelUint, compare, equals, type Result, type Value } from '../values.js';

/** The cost of traversing a value as a tree: strings and bytes by length, everything else 1 per leaf. */
export function traversalCost(v: Value): number {
  if (typeof v === 'string') return Math.floor(v.length * STRING_TRAVERSAL_COST_FACTOR);
  if (v instanceof CelBytes) return Math.floor(v.bytes.length * STRING_TRAVERSAL_COST_FACTOR);
  if (Array.isArray(v)) return v.reduce((n: number, x: Value) => n + traversalCost(x), 0);
  if (v instanceof CelMap) {
    let n = 0;
    for (const [k, x] of v.entries()) n += traversalCost(k) + traversalCost(x);
    return n;
  }
  return 1;
}

const cost = (args: Value[]) => traversalCost(args[0]);
const estimate = (args: EstimateArg[]) => {
  const elem = args[0].type.kind === 'list' ? args[0].type.params![0] : undefined;
  let elCost = fixed(1);
  if (elem && (elem.kind === 'string' || elem.kind === 'bytes')) elCost = add(elCost, byFactor({ min: 0, max: elem.maxSize ?? 18446744073709551615 }, STRING_TRAVERSAL_COST_FACTOR));
  return { cost: multiply(args[0].size, elCost) };
};

const COMPARABLE: [string, Type][] = [
  ['int', T.int],
  ['uint', T.uint],
  ['double', T.double],
  ['bool', T.bool],
  ['string', T.string],
  ['bytes', T.bytes],
  ['duration', T.duration],
  ['timestamp', T.timestamp],
];
const SUMMABLE: [string, Type][] = [
  ['int', T.int],
  ['uint', T.uint],
  ['double', T.double],
  ['duration', T.duration],
];

function sum(list: readonly Value[], kind: string): Result {
  switch (kind) {
    case 'int': {
      let n = 0n;
      for (const v of list) {
        const r = int64(n + (v as bigint));
        if (typeof r !== 'bigint') return r;
        n = r;
      }
      return n;
    }
    case 'uint': {
      let n = 0n;
      for (const v of list) {
        const r = uint64(n + (v as CelUint).value);
        if (!(r instanceof CelUint)) return r;
        n = r.value;
      }
      return new CelUint(n);
    }
    case 'double':
      return list.reduce((n: number, v) => n + (v as number), 0);
    default: {
      let n = 0n;
      for (const v of list) n += (v as CelDuration).nanos;
      return checkDuration(n);
    }
  }
}

function extreme(list: readonly Value[], name: string, better: (c: number) => boolean): Result {
  if (!list.length) return err(`${name} called on empty list`);
  let best = list[0];
  for (const v of list.slice(1)) if (better(compare(v, best) ?? 0)) best = v;
  return best;
}

const A = T.param('A');
const overloads = (prefix: string, types: [string, Type][], result: (t: Type) => Type, impl: (l: readonly Value[], kind: string) => Result): Overload[] =>
  types.map(([k, t]) => member(`list_${k}_${prefix}`, [T.list(t)], result(t), ([l]) => impl(l as Value[], k), { cost, estimate }));

export const listsLibrary: Library = {
  name: 'lists',
  functions: [
    fn(
      'isSorted',
      ...overloads('is_sorted', COMPARABLE, () => T.bool, (l) => l.every((v, i) => i === 0 || (compare(l[i - 1], v) ?? 0) <= 0)),
    ),
    fn('sum', ...overloads('sum', SUMMABLE, (t) => t, sum)),
    fn('min', ...overloads('min', COMPARABLE, (t) => t, (l) => extreme(l, 'min', (c) => c < 0))),
    fn('max', ...overloads('max', COMPARABLE, (t) => t, (l) => extreme(l, 'max', (c) => c > 0))),
    fn(
      'indexOf',
      member('list_a_index_of_int', [T.list(A), A], T.int, ([l, v]) => BigInt((l as Value[]).findIndex((x) => equals(x, v))), { cost, estimate }),
    ),
    fn(
      'lastIndexOf',
      member('list_a_last_index_of_int', [T.list(A), A], T.int, ([l, v]) => {
        const list = l as Value[];
        for (let i = list.length - 1; i >= 0; i--) if (equals(list[i], v)) return BigInt(i);
        return -1n;
      }, { cost, estimate }),
    ),
  ],
};
