// The abstract syntax of a CEL expression, as cel-go's parser produces it: operators are calls to
// functions with reserved names (`_+_`, `_&&_`, `@in`, …) and macros are already expanded into
// comprehensions, so the checker, the interpreter and the cost estimator each see one small tree.
import type { Value } from './values.js';

interface Node {
  /** Unique within one expression; the checker keys its types and references by it. */
  id: number;
  /** Offset (in code points) in the source, for error locations. */
  offset: number;
}

export interface ConstExpr extends Node {
  kind: 'const';
  value: Value;
}

export interface IdentExpr extends Node {
  kind: 'ident';
  name: string;
}

export interface SelectExpr extends Node {
  kind: 'select';
  operand: Expr;
  field: string;
  /** `has(a.b)`: whether the field is present, not its value. */
  testOnly: boolean;
}

export interface CallExpr extends Node {
  kind: 'call';
  fn: string;
  target?: Expr;
  args: Expr[];
}

export interface ListExpr extends Node {
  kind: 'list';
  elements: Expr[];
  /** Indices of `?e` elements: optional values that are left out when empty. */
  optionalIndices: number[];
}

export interface MapEntry {
  id: number;
  key: Expr;
  value: Expr;
  optional: boolean;
}

export interface MapExpr extends Node {
  kind: 'map';
  entries: MapEntry[];
}

export interface StructField {
  id: number;
  name: string;
  value: Expr;
  optional: boolean;
}

export interface StructExpr extends Node {
  kind: 'struct';
  typeName: string;
  fields: StructField[];
}

export interface ComprehensionExpr extends Node {
  kind: 'comprehension';
  iterVar: string;
  /** The second variable of a two-variable comprehension (index or key first, then value). */
  iterVar2?: string;
  iterRange: Expr;
  accuVar: string;
  accuInit: Expr;
  loopCondition: Expr;
  loopStep: Expr;
  result: Expr;
}

export type Expr = ConstExpr | IdentExpr | SelectExpr | CallExpr | ListExpr | MapExpr | StructExpr | ComprehensionExpr;

/** The accumulator variable of expanded macros (cel-go's name, which no user identifier can take). */
export const ACCUMULATOR = '@result';

/** Every node of a tree, parents before children. */
export function* walk(e: Expr): Generator<Expr> {
  yield e;
  switch (e.kind) {
    case 'select':
      yield* walk(e.operand);
      break;
    case 'call':
      if (e.target) yield* walk(e.target);
      for (const a of e.args) yield* walk(a);
      break;
    case 'list':
      for (const x of e.elements) yield* walk(x);
      break;
    case 'map':
      for (const x of e.entries) {
        yield* walk(x.key);
        yield* walk(x.value);
      }
      break;
    case 'struct':
      for (const f of e.fields) yield* walk(f.value);
      break;
    case 'comprehension':
      yield* walk(e.iterRange);
      yield* walk(e.accuInit);
      yield* walk(e.loopCondition);
      yield* walk(e.loopStep);
      yield* walk(e.result);
      break;
    default:
      break;
  }
}
