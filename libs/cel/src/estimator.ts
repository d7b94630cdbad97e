// The static cost estimate of a checked expression, after cel-go's checker/cost.go: the same unit
// costs the interpreter charges, with each unknown size bounded by what the schema says (maxLength,
// maxItems, maxProperties, carried on the types) or else unbounded. Kubernetes refuses CRD rules
// whose estimate exceeds its limits; this is what that check asks.
import type { Expr } from './ast.js';
import type { CheckResult } from './checker.js';
import {
  add,
  fixed,
  LIST_CREATE_BASE_COST,
  MAP_CREATE_BASE_COST,
  multiply,
  SELECT_AND_IDENT_COST,
  STRUCT_CREATE_BASE_COST,
  UNKNOWN_SIZE,
  ZERO,
  type CostEstimate,
  type SizeEstimate,
} from './cost-model.js';
import type { EstimateArg } from './functions.js';
import type { Type } from './types.js';
import { actualSize, type Value } from './values.js';

/** Sizes the types do not carry: asked per identifier or field. */
export interface SizeEstimator {
  sizeOf(type: Type): SizeEstimate | undefined;
}

interface Estimate {
  cost: CostEstimate;
  size: SizeEstimate;
}

export function estimateCost(checked: CheckResult, sizes?: SizeEstimator): CostEstimate {
  const locals: Map<string, SizeEstimate>[] = [];
  const typeOf = (e: Expr) => checked.types.get(e.id);
  const sizeOfType = (t: Type | undefined): SizeEstimate => {
    if (!t) return UNKNOWN_SIZE;
    const known = sizes?.sizeOf(t);
    if (known) return known;
    if (t.maxSize !== undefined) return { min: 0, max: t.maxSize };
    // Values without a length (numbers, booleans, times, library values) count as size 1, as at runtime.
    return ['string', 'bytes', 'list', 'map', 'dyn', 'error', 'param', 'object'].includes(t.kind) ? UNKNOWN_SIZE : fixed(1);
  };

  const est = (e: Expr): Estimate => {
    switch (e.kind) {
      case 'const':
        return { cost: ZERO, size: fixed(e.value === null || typeof e.value !== 'object' ? actualSize(e.value as Value) : actualSize(e.value)) };
      case 'ident': {
        for (let i = locals.length - 1; i >= 0; i--) {
          const s = locals[i].get(e.name);
          if (s) return { cost: fixed(SELECT_AND_IDENT_COST), size: s };
        }
        return { cost: fixed(SELECT_AND_IDENT_COST), size: sizeOfType(typeOf(e)) };
      }
      case 'select': {
        const operand = est(e.operand);
        // Kubernetes keeps has() free (checker.PresenceTestHasCost(false)).
        return { cost: e.testOnly ? operand.cost : add(operand.cost, fixed(SELECT_AND_IDENT_COST)), size: e.testOnly ? fixed(1) : sizeOfType(typeOf(e)) };
      }
      case 'call':
        return call(e);
      case 'list': {
        let cost = fixed(LIST_CREATE_BASE_COST);
        for (const x of e.elements) cost = add(cost, est(x).cost);
        return { cost, size: fixed(e.elements.length) };
      }
      case 'map': {
        let cost = fixed(MAP_CREATE_BASE_COST);
        for (const x of e.entries) cost = add(add(cost, est(x.key).cost), est(x.value).cost);
        return { cost, size: fixed(e.entries.length) };
      }
      case 'struct': {
        let cost = fixed(STRUCT_CREATE_BASE_COST);
        for (const f of e.fields) cost = add(cost, est(f.value).cost);
        return { cost, size: fixed(1) };
      }
      case 'comprehension': {
        const range = est(e.iterRange);
        const init = est(e.accuInit);
        const rangeType = typeOf(e.iterRange);
        const elem = rangeType?.kind === 'list' ? rangeType.params![0] : rangeType?.kind === 'map' ? rangeType.params![0] : undefined;
        const scope = new Map<string, SizeEstimate>([[e.accuVar, init.size]]);
        scope.set(e.iterVar, e.iterVar2 && rangeType?.kind === 'list' ? fixed(1) : sizeOfType(elem));
        if (e.iterVar2) scope.set(e.iterVar2, sizeOfType(rangeType?.kind === 'list' ? rangeType.params![0] : rangeType?.kind === 'map' ? rangeType.params![1] : undefined));
        locals.push(scope);
        const loop = add(est(e.loopCondition).cost, est(e.loopStep).cost);
        locals.pop();
        locals.push(new Map([[e.accuVar, init.size]]));
        const result = est(e.result);
        locals.pop();
        const iterations = { min: range.size.min, max: range.size.max };
        return { cost: add(add(add(range.cost, init.cost), multiply(iterations, loop)), result.cost), size: result.size };
      }
    }
  };

  const call = (e: Expr & { kind: 'call' }): Estimate => {
    const argExprs = [...(e.target ? [e.target] : []), ...e.args];
    const args = argExprs.map(est);
    switch (e.fn) {
      case '_&&_':
      case '_||_':
        return { cost: { min: args[0].cost.min, max: add(args[0].cost, args[1].cost).max }, size: fixed(1) };
      case '_?_:_':
        return {
          cost: { min: args[0].cost.min + Math.min(args[1].cost.min, args[2].cost.min), max: add(args[0].cost, { min: 0, max: Math.max(args[1].cost.max, args[2].cost.max) }).max },
          size: { min: Math.min(args[1].size.min, args[2].size.min), max: Math.max(args[1].size.max, args[2].size.max) },
        };
      case '_?._':
      case '_[_]':
      case '_[?_]':
        return { cost: add(args.reduce((c, a) => add(c, a.cost), ZERO), fixed(SELECT_AND_IDENT_COST)), size: sizeOfType(typeOf(e)) };
    }
    let argCost = ZERO;
    for (const a of args) argCost = add(argCost, a.cost);
    const overloads = checked.overloads.get(e.id) ?? [];
    const info: EstimateArg[] = argExprs.map((x, i) => ({ type: typeOf(x)!, size: args[i].size, ...(x.kind === 'const' ? { constant: x.value } : {}) }));
    let callCost: CostEstimate | undefined;
    let resultSize: SizeEstimate | undefined;
    for (const o of overloads) {
      const c = o.estimate ? o.estimate(info) : { cost: fixed(1) };
      callCost = callCost ? { min: Math.min(callCost.min, c.cost.min), max: Math.max(callCost.max, c.cost.max) } : c.cost;
      if (c.resultSize) resultSize = resultSize ? { min: Math.min(resultSize.min, c.resultSize.min), max: Math.max(resultSize.max, c.resultSize.max) } : c.resultSize;
    }
    return { cost: add(argCost, callCost ?? fixed(1)), size: resultSize ?? sizeOfType(typeOf(e)) };
  };

  return est(checked.expr).cost;
}
