// cel-go's sets extension (ext.Sets(), enabled by Kubernetes since 1.29): sets.contains,
// sets.equivalent and sets.intersects over lists, with CEL equality.
import { type Library } from '../functions.js';
import { fn, overload } from '../stdlib.js';
import { T } from '../types.js';
import { actualSize, equals, type Value } from '../values.js';

const A = T.param('A');
const has = (list: readonly Value[], v: Value) => list.some((x) => equals(x, v));
const contains = (a: readonly Value[], b: readonly Value[]) => b.every((v) => has(a, v));
/** cel-go charges 1 plus the product of the two lists' sizes (twice that for equivalence: two containment checks). */
const productCost = (factor: number) => (args: Value[]) => 1 + factor * actualSize(args[0]) * actualSize(args[1]);
const productEstimate = (factor: number) => (args: { size: { min: number; max: number } }[]) => ({
  cost: { min: 1 + factor * args[0].size.min * args[1].size.min, max: Math.min(Number.MAX_VALUE, 1 + factor * args[0].size.max * args[1].size.max) },
});

export const setsLibrary: Library = {
  name: 'sets',
  functions: [
    fn('sets.contains', overload('list_sets_contains_list', [T.list(A), T.list(A)], T.bool, ([a, b]) => contains(a as Value[], b as Value[]), { cost: productCost(1), estimate: productEstimate(1) })),
    fn(
      'sets.equivalent',
      overload('list_sets_equivalent_list', [T.list(A), T.list(A)], T.bool, ([a, b]) => contains(a as Value[], b as Value[]) && contains(b as Value[], a as Value[]), { cost: productCost(2), estimate: productEstimate(2) }),
    ),
    fn(
      'sets.intersects',
      overload('list_sets_intersects_list', [T.list(A), T.list(A)], T.bool, ([a, b]) => (a as Value[]).some((v) => has(b as Value[], v)), { cost: productCost(1), estimate: productEstimate(1) }),
    ),
  ],
};
