// Evaluates a checked expression. Errors are values (so `false && error` is false), and every step
// adds to the runtime cost as cel-go's cost tracker counts it: identifiers and field selections 1,
// constants 0, a list literal 10, a map 30, a struct 40, each function call its declared cost (1 by
// default), logical operators and the conditional nothing of their own. Past the limit, evaluation
// stops with cel-go's "operation cancelled: actual cost limit exceeded".
import type { CallExpr, ComprehensionExpr, Expr } from './ast.js';
import type { CheckResult } from './checker.js';
import { CostLimitExceededError } from './errors.js';
import { NO_SUCH_OVERLOAD, valueFits } from './functions.js';
import { LIST_CREATE_BASE_COST, MAP_CREATE_BASE_COST, SELECT_AND_IDENT_COST, STRUCT_CREATE_BASE_COST } from './cost-model.js';
import { runtimeTypeName } from './types.js';
import { CelError, CelMap, CelObject, CelOptional, CelType, CelUint, EntryMap, displayValue, isError, mapKey, type Result, type Value } from './values.js';

/** Where identifiers get their values: a plain record, or anything that resolves names. */
export interface Activation {
  resolve(name: string): Value | undefined;
}

export function activation(vars: Record<string, Value>): Activation {
  return { resolve: (name) => (Object.hasOwn(vars, name) ? vars[name] : undefined) };
}

export class CostTracker {
  cost = 0;
  constructor(readonly limit?: number) {}
  add(n: number): void {
    this.cost += n;
    if (this.limit !== undefined && this.cost > this.limit) throw new CostLimitExceededError();
  }
}

export function evaluate(checked: CheckResult, vars: Activation, tracker: CostTracker): Result {
  return new Evaluation(checked, vars, tracker).eval(checked.expr);
}

/** An identifier, or a chain of field selections starting at one. */
function isAttribute(e: Expr): boolean {
  return e.kind === 'ident' || (e.kind === 'select' && !e.testOnly && isAttribute(e.operand));
}

/** A list or map index as an int, when it is a number that names one exactly. */
function indexOf(v: Value): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (v instanceof CelUint) return v.value;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return undefined;
}

class Evaluation {
  private readonly scopes: Map<string, Value | CelError>[] = [];

  constructor(
    private readonly checked: CheckResult,
    private readonly vars: Activation,
    private readonly tracker: CostTracker,
  ) {}

  eval(e: Expr): Result {
    switch (e.kind) {
      case 'const':
        return e.value;
      case 'ident':
        return this.ident(e.id, e.name);
      case 'select': {
        const operand = this.eval(e.operand);
        if (isError(operand)) return operand;
        if (!e.testOnly) this.tracker.add(SELECT_AND_IDENT_COST);
        return this.select(operand, e.field, e.testOnly);
      }
      case 'call':
        return this.call(e);
      case 'list': {
        const out: Value[] = [];
        for (let i = 0; i < e.elements.length; i++) {
          const v = this.eval(e.elements[i]);
          if (isError(v)) return v;
          if (e.optionalIndices.includes(i)) {
            if (!(v instanceof CelOptional)) return new CelError(NO_SUCH_OVERLOAD);
            if (v.present) out.push(v.value);
          } else {
            out.push(v);
          }
        }
        this.tracker.add(LIST_CREATE_BASE_COST);
        return out;
      }
      case 'map': {
        const m = new EntryMap();
        for (const entry of e.entries) {
          const k = this.eval(entry.key);
          if (isError(k)) return k;
          const v = this.eval(entry.value);
          if (isError(v)) return v;
          if (mapKey(k) === undefined) return new CelError(`unsupported key type: ${runtimeTypeName({ kind: 'dyn' })}`);
          if (m.has(k)) return new CelError(`Failed with repeated key: ${displayValue(k)}`);
          if (entry.optional) {
            if (!(v instanceof CelOptional)) return new CelError(NO_SUCH_OVERLOAD);
            if (v.present) m.set(k, v.value);
          } else {
            m.set(k, v);
          }
        }
        this.tracker.add(MAP_CREATE_BASE_COST);
        return m;
      }
      case 'struct': {
        const fields = new Map<string, Value>();
        for (const f of e.fields) {
          const v = this.eval(f.value);
          if (isError(v)) return v;
          if (f.optional) {
            if (!(v instanceof CelOptional)) return new CelError(NO_SUCH_OVERLOAD);
            if (v.present) fields.set(f.name, v.value);
          } else {
            fields.set(f.name, v);
          }
        }
        this.tracker.add(STRUCT_CREATE_BASE_COST);
        return new CelObject(e.typeName, fields);
      }
      case 'comprehension':
        return this.comprehension(e);
    }
  }

  /** An identifier, resolved without charging, or field selections of one, charged 1 each. */
  private attribute(e: Expr): Result {
    if (e.kind === 'ident') return this.resolve(e.id, e.name);
    const select = e as Expr & { kind: 'select' };
    const operand = this.attribute(select.operand);
    if (isError(operand)) return operand;
    this.tracker.add(SELECT_AND_IDENT_COST);
    return this.select(operand, select.field, false);
  }

  private ident(id: number, name: string): Result {
    this.tracker.add(SELECT_AND_IDENT_COST);
    return this.resolve(id, name);
  }

  private resolve(id: number, name: string): Result {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const scope = this.scopes[i];
      if (scope.has(name)) return scope.get(name)!;
    }
    const v = this.vars.resolve(name);
    if (v !== undefined) return v;
    const named = this.checked.typeIdents.get(id);
    if (named) return new CelType(runtimeTypeName(named));
    return new CelError(`no such attribute(s): ${name}`);
  }

  private select(operand: Value, field: string, testOnly: boolean): Result {
    if (operand instanceof CelMap) {
      const v = operand.get(field);
      if (testOnly) return v !== undefined;
      return v === undefined ? new CelError(`no such key: ${field}`) : v;
    }
    if (operand instanceof CelObject) {
      const v = operand.fields.get(field);
      if (testOnly) return v !== undefined;
      return v === undefined ? new CelError(`no such key: ${field}`) : v;
    }
    return new CelError(`no such key: ${field}`);
  }

  private call(e: CallExpr): Result {
    switch (e.fn) {
      case '_&&_':
      case '_||_': {
        const stop = e.fn === '_||_';
        const l = this.eval(e.args[0]);
        if (l === stop) return stop;
        const r = this.eval(e.args[1]);
        if (r === stop) return stop;
        if (l === !stop && r === !stop) return !stop;
        if (isError(l)) return l;
        if (isError(r)) return r;
        return new CelError(NO_SUCH_OVERLOAD);
      }
      case '_?_:_': {
        const c = this.eval(e.args[0]);
        if (isError(c)) return c;
        if (typeof c !== 'boolean') return new CelError(NO_SUCH_OVERLOAD);
        // cel-go plans a conditional as an attribute and resolves a branch that is itself an
        // attribute (`a`, `@result`, `object.metadata.name`) without observing its variable: the
        // identifier costs nothing, its field selections 1 each (kube-apiserver agrees, found at
        // the per-call limit: see cost.spec.ts).
        const branch = e.args[c ? 1 : 2];
        return isAttribute(branch) ? this.attribute(branch) : this.eval(branch);
      }
      case '_?._': {
        const operand = this.eval(e.args[0]);
        if (isError(operand)) return operand;
        this.tracker.add(SELECT_AND_IDENT_COST);
        const field = (e.args[1] as { value: string }).value;
        const base = operand instanceof CelOptional ? operand : CelOptional.of(operand);
        if (!base.present) return base;
        const has = this.select(base.value, field, true);
        if (has !== true) return CelOptional.none;
        const v = this.select(base.value, field, false);
        return isError(v) ? v : CelOptional.of(v);
      }
      case '_[_]':
      case '_[?_]': {
        const operand = this.eval(e.args[0]);
        if (isError(operand)) return operand;
        const index = this.eval(e.args[1]);
        if (isError(index)) return index;
        this.tracker.add(SELECT_AND_IDENT_COST);
        return e.fn === '_[_]' ? this.index(operand, index) : this.optionalIndex(operand, index);
      }
    }
    const args: Result[] = [];
    if (e.target) args.push(this.eval(e.target));
    for (const a of e.args) args.push(this.eval(a));
    const candidates = this.checked.overloads.get(e.id) ?? [];
    const nonStrict = candidates.some((o) => o.nonStrict);
    if (!nonStrict) {
      const failed = args.find(isError);
      if (failed) return failed;
    }
    const values = args as Value[];
    const overload = candidates.find((o) => o.params.every((p, i) => (nonStrict && isError(values[i])) || valueFits(p, values[i])));
    if (!overload) return new CelError(NO_SUCH_OVERLOAD);
    const result = overload.impl(values);
    // cel-go turns `x in [constants]` into a set lookup, which its cost tracker does not charge.
    if (e.fn === '@in' && e.args[1].kind === 'const') return result;
    this.tracker.add(overload.cost ? overload.cost(values, result) : 1);
    return result;
  }

  private index(operand: Value, index: Value): Result {
    if (Array.isArray(operand)) {
      const i = indexOf(index);
      if (i === undefined) return new CelError(NO_SUCH_OVERLOAD);
      if (i < 0n || i >= BigInt(operand.length)) return new CelError(`index out of bounds: ${i}`);
      return operand[Number(i)];
    }
    if (operand instanceof CelMap) {
      const v = operand.get(index);
      return v === undefined ? new CelError(`no such key: ${displayValue(index)}`) : v;
    }
    if (operand instanceof CelObject && typeof index === 'string') return this.select(operand, index, false);
    if (operand instanceof CelOptional) {
      if (!operand.present) return operand;
      const r = this.optionalIndex(operand.value, index);
      return r;
    }
    return new CelError(NO_SUCH_OVERLOAD);
  }

  private optionalIndex(operand: Value, index: Value): Result {
    if (operand instanceof CelOptional) {
      if (!operand.present) return operand;
      operand = operand.value;
    }
    if (Array.isArray(operand)) {
      const i = indexOf(index);
      if (i === undefined) return new CelError(NO_SUCH_OVERLOAD);
      return i >= 0n && i < BigInt(operand.length) ? CelOptional.of(operand[Number(i)]) : CelOptional.none;
    }
    if (operand instanceof CelMap) {
      const v = operand.get(index);
      return v === undefined ? CelOptional.none : CelOptional.of(v);
    }
    return new CelError(NO_SUCH_OVERLOAD);
  }

  private comprehension(e: ComprehensionExpr): Result {
    const range = this.eval(e.iterRange);
    if (isError(range)) return range;
    let items: [Value, Value][];
    if (Array.isArray(range)) {
      items = range.map((v, i) => (e.iterVar2 ? [BigInt(i), v] : [v, null]));
    } else if (range instanceof CelMap) {
      items = [...range.entries()].map(([k, v]) => [k, e.iterVar2 ? v : null]);
    } else {
      return new CelError(`expression of type '${runtimeTypeName({ kind: 'dyn' })}' cannot be range of a comprehension (must be list, map, or dynamic)`);
    }
    let accu: Result = this.eval(e.accuInit);
    const scope = new Map<string, Value | CelError>();
    this.scopes.push(scope);
    try {
      for (const [a, b] of items) {
        scope.set(e.accuVar, accu);
        scope.set(e.iterVar, a);
        if (e.iterVar2) scope.set(e.iterVar2, b);
        const cond = this.eval(e.loopCondition);
        if (cond === false) break;
        accu = this.eval(e.loopStep);
      }
      scope.clear();
      scope.set(e.accuVar, accu);
      return this.eval(e.result);
    } finally {
      this.scopes.pop();
    }
  }
}
