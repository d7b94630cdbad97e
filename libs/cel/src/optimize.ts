// What cel-go's OptOptimize (which Kubernetes sets) does when it builds a program: list and map
// literals of constants become constants (and so cost nothing at runtime), and a type conversion
// of a constant is evaluated then, so one that fails (`int("abc")`) fails the program's
// instantiation rather than its evaluation.
import type { Expr } from './ast.js';
import type { CheckResult } from './checker.js';
import { valueFits } from './functions.js';
import { EntryMap, isError, mapKey, type Value } from './values.js';

/** Conversions cel-go folds (dyn(), which only retypes, is left for runtime as kube does). */
const CONVERSIONS = new Set(['bool', 'bytes', 'double', 'duration', 'int', 'string', 'timestamp', 'type', 'uint']);

export class InstantiationError extends Error {}

export function optimize(checked: CheckResult): Expr {
  const fold = (e: Expr): Expr => {
    switch (e.kind) {
      case 'select':
        e.operand = fold(e.operand);
        return e;
      case 'call': {
        if (e.target) e.target = fold(e.target);
        e.args = e.args.map(fold);
        if (!e.target && e.args.length === 1 && e.args[0].kind === 'const' && CONVERSIONS.has(e.fn)) {
          const arg = e.args[0].value;
          const overload = checked.overloads.get(e.id)?.find((o) => valueFits(o.params[0], arg));
          if (!overload) return e;
          const v = overload.impl([arg]);
          if (isError(v)) throw new InstantiationError(`program instantiation failed: ${v.message}`);
          return { kind: 'const', id: e.id, offset: e.offset, value: v };
        }
        return e;
      }
      case 'list':
        e.elements = e.elements.map(fold);
        if (e.optionalIndices.length || !e.elements.every((x) => x.kind === 'const')) return e;
        return { kind: 'const', id: e.id, offset: e.offset, value: e.elements.map((x) => (x as { value: Value }).value) };
      case 'map': {
        for (const entry of e.entries) {
          entry.key = fold(entry.key);
          entry.value = fold(entry.value);
        }
        if (!e.entries.every((x) => !x.optional && x.key.kind === 'const' && x.value.kind === 'const' && mapKey(x.key.value) !== undefined)) return e;
        const m = new EntryMap();
        for (const x of e.entries) {
          const k = (x.key as { value: Value }).value;
          if (m.has(k)) return e;
          m.set(k, (x.value as { value: Value }).value);
        }
        return { kind: 'const', id: e.id, offset: e.offset, value: m };
      }
      case 'struct':
        for (const f of e.fields) f.value = fold(f.value);
        return e;
      case 'comprehension':
        e.iterRange = fold(e.iterRange);
        e.accuInit = fold(e.accuInit);
        e.loopCondition = fold(e.loopCondition);
        e.loopStep = fold(e.loopStep);
        e.result = fold(e.result);
        return e;
      default:
        return e;
    }
  };
  return fold(checked.expr);
}
