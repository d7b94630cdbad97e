// The type checker, after cel-go's: every node gets a type, identifiers resolve to declared
// variables (qualified names such as `authorizer.requestResource` included), calls resolve to the
// overloads their argument types allow, and what does not fit is an issue in cel-go's words.
import { walk, type CallExpr, type ComprehensionExpr, type Expr, type ListExpr, type MapExpr, type SelectExpr, type StructExpr } from './ast.js';
import type { Issues } from './errors.js';
import type { FunctionDecl, Overload } from './functions.js';
import { qualifiedName } from './parser.js';
import { T, TYPE_NAMES, formatType, isAssignable, isDyn, isExactType, substitute, type Substitution, type Type } from './types.js';
import { CelBytes, CelUint, type Value } from './values.js';

export interface Declarations {
  variable(name: string): Type | undefined;
  fn(name: string): FunctionDecl | undefined;
  /** A type by name, for struct creation and type identifiers. */
  type(name: string): Type | undefined;
}

export interface CheckResult {
  expr: Expr;
  type: Type;
  /** The type of every node, by id. */
  types: Map<number, Type>;
  /** The overloads a call may dispatch to, by the call's id. */
  overloads: Map<number, Overload[]>;
  /** Identifiers that name a type (`int`), by id, with the type they name. */
  typeIdents: Map<number, Type>;
}

export function check(expr: Expr, decls: Declarations, issues: Issues): CheckResult {
  const c = new Checker(decls, issues);
  const checked = c.check(expr);
  const finalTypes = new Map<number, Type>();
  for (const [id, t] of c.types) finalTypes.set(id, substitute(t, c.subst, true));
  return { expr: checked, type: finalTypes.get(checked.id) ?? T.dyn, types: finalTypes, overloads: c.overloads, typeIdents: c.typeIdents };
}

/** The constant's type. */
function constType(v: Value): Type {
  if (v === null) return T.null;
  switch (typeof v) {
    case 'boolean':
      return T.bool;
    case 'bigint':
      return T.int;
    case 'number':
      return T.double;
    case 'string':
      return T.string;
  }
  if (v instanceof CelUint) return T.uint;
  if (v instanceof CelBytes) return T.bytes;
  return T.dyn;
}

class Checker {
  readonly types = new Map<number, Type>();
  readonly overloads = new Map<number, Overload[]>();
  readonly typeIdents = new Map<number, Type>();
  readonly subst: Substitution = new Map();
  private fresh = 0;
  private readonly exempt = new Set<number>();
  private readonly scopes: Map<string, Type>[] = [];

  constructor(
    private readonly decls: Declarations,
    private readonly issues: Issues,
  ) {}

  private set(e: Expr, t: Type): Expr {
    this.types.set(e.id, t);
    return e;
  }

  private typeOf(e: Expr): Type {
    return substitute(this.types.get(e.id) ?? T.dyn, this.subst, false);
  }

  private error(e: { offset: number }, message: string): void {
    this.issues.add(e.offset, message);
  }

  private freshParam(): Type {
    return T.param(`_var${this.fresh++}`);
  }

  private lookupLocal(name: string): Type | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const t = this.scopes[i].get(name);
      if (t) return t;
    }
    return undefined;
  }

  check(e: Expr): Expr {
    switch (e.kind) {
      case 'const':
        return this.set(e, constType(e.value));
      case 'ident':
        return this.checkIdent(e);
      case 'select':
        return this.checkSelect(e);
      case 'call':
        return this.checkCall(e);
      case 'list':
        return this.checkList(e);
      case 'map':
        return this.checkMap(e);
      case 'struct':
        return this.checkStruct(e);
      case 'comprehension':
        return this.checkComprehension(e);
    }
  }

  private checkIdent(e: Expr & { kind: 'ident' }): Expr {
    const local = this.lookupLocal(e.name);
    if (local) return this.set(e, local);
    const v = this.decls.variable(e.name);
    if (v) return this.set(e, v);
    const named = TYPE_NAMES[e.name] ?? this.decls.type(e.name);
    if (named) {
      this.typeIdents.set(e.id, named);
      return this.set(e, T.type(named));
    }
    this.error(e, `undeclared reference to '${e.name}' (in container '')`);
    return this.set(e, T.error);
  }

  /**
   * A select chain that names a declared variable or a type (`authorizer.requestResource`,
   * `google.protobuf.Duration`), and does not start at a local, becomes an identifier.
   */
  private asQualifiedIdent(e: Expr): Expr | undefined {
    const name = qualifiedName(e);
    if (name === undefined || !name.includes('.')) return undefined;
    if (this.lookupLocal(name.split('.')[0])) return undefined;
    const v = this.decls.variable(name);
    const ident: Expr = { kind: 'ident', id: e.id, offset: e.offset, name };
    if (v) return this.set(ident, v);
    if (this.decls.variable(name.split('.')[0])) return undefined;
    const named = TYPE_NAMES[name] ?? this.decls.type(name);
    if (!named) return undefined;
    this.typeIdents.set(e.id, named);
    return this.set(ident, T.type(named));
  }

  private checkSelect(e: SelectExpr): Expr {
    if (!e.testOnly) {
      const q = this.asQualifiedIdent(e);
      if (q) return q;
    }
    e.operand = this.check(e.operand);
    const operandType = this.typeOf(e.operand);
    const fieldType = this.fieldType(e, operandType, e.field);
    if (e.testOnly) return this.set(e, T.bool);
    return this.set(e, fieldType);
  }

  /** The type of a field of a value of the given type, or an issue. */
  private fieldType(at: { offset: number }, t: Type, field: string): Type {
    switch (t.kind) {
      case 'dyn':
      case 'error':
      case 'param':
        return T.dyn;
      case 'map':
        return t.params![1];
      case 'object': {
        if (!t.fields) return T.dyn;
        const f = t.fields.get(field);
        if (f) return f;
        this.error(at, `undefined field '${field}'`);
        return T.error;
      }
      default:
        this.error(at, `type '${formatType(t)}' does not support field selection`);
        return T.error;
    }
  }

  private checkCall(e: CallExpr): Expr {
    switch (e.fn) {
      case '_?._':
        return this.checkOptionalSelect(e);
      case '_[?_]':
        return this.checkOptionalIndex(e);
    }
    // `math.greatest(…)`: a target that is a qualified name but no variable makes a namespaced function.
    if (e.target) {
      const ns = qualifiedName(e.target);
      if (ns !== undefined && !this.lookupLocal(ns.split('.')[0]) && !this.resolvesToVariable(ns) && this.decls.fn(`${ns}.${e.fn}`)) {
        e.fn = `${ns}.${e.fn}`;
        delete e.target;
      }
    }
    if (e.target) e.target = this.check(e.target);
    // The strings extension's format() takes a list of any values: its literal argument is exempt
    // from the homogeneous-literal rule (cel-go's HomogeneousAggregateLiteralExemptFunctions).
    if (e.fn === 'format') for (const a of e.args) for (const x of walk(a)) if (x.kind === 'list' || x.kind === 'map') this.exempt.add(x.id);
    e.args = e.args.map((a) => this.check(a));
    const decl = this.decls.fn(e.fn);
    if (!decl) {
      this.error(e, `undeclared reference to '${e.fn}' (in container '')`);
      return this.set(e, T.error);
    }
    const argTypes = [...(e.target ? [this.typeOf(e.target)] : []), ...e.args.map((a) => this.typeOf(a))];
    let result: Type | undefined;
    const matched: Overload[] = [];
    for (const o of decl.overloads) {
      if (Boolean(o.member) !== Boolean(e.target) || o.params.length !== argTypes.length) continue;
      const renamed = this.instantiate(o);
      const trial = new Map(this.subst);
      if (!renamed.params.every((p, i) => isAssignable(p, argTypes[i], trial))) continue;
      for (const [k, v] of trial) this.subst.set(k, v);
      matched.push(o);
      const r = substitute(renamed.result, this.subst, false);
      if (result === undefined) result = r;
      else if (!isDyn(result) && !isExactType(result, r)) result = T.dyn;
    }
    if (!matched.length) {
      const formatted = argTypes.map((t) => formatType(substitute(t, this.subst, true)));
      const applied = e.target ? `${formatted[0]}.(${formatted.slice(1).join(', ')})` : `(${formatted.join(', ')})`;
      this.error(e, `found no matching overload for '${e.fn}' applied to '${applied}'`);
      return this.set(e, T.error);
    }
    this.overloads.set(e.id, matched);
    return this.set(e, result!);
  }

  private resolvesToVariable(name: string): boolean {
    const parts = name.split('.');
    for (let i = parts.length; i > 0; i--) if (this.decls.variable(parts.slice(0, i).join('.'))) return true;
    return false;
  }

  /** The overload with its type parameters renamed apart from every other use. */
  private instantiate(o: Overload): { params: Type[]; result: Type } {
    const names = new Map<string, Type>();
    const rename = (t: Type): Type => {
      if (t.kind === 'param') {
        let n = names.get(t.name!);
        if (!n) names.set(t.name!, (n = this.freshParam()));
        return n;
      }
      return t.params?.length ? { ...t, params: t.params.map(rename) } : t;
    };
    return { params: o.params.map(rename), result: rename(o.result) };
  }

  private checkOptionalSelect(e: CallExpr): Expr {
    e.args[0] = this.check(e.args[0]);
    this.set(e.args[1], T.string);
    let t = this.typeOf(e.args[0]);
    if (t.kind === 'opaque' && t.name === 'optional_type') t = t.params![0];
    const field = e.args[1].kind === 'const' ? String(e.args[1].value) : '';
    return this.set(e, T.optional(this.fieldType(e, t, field)));
  }

  private checkOptionalIndex(e: CallExpr): Expr {
    e.args = e.args.map((a) => this.check(a));
    let t = this.typeOf(e.args[0]);
    if (t.kind === 'opaque' && t.name === 'optional_type') t = t.params![0];
    const index = this.typeOf(e.args[1]);
    switch (t.kind) {
      case 'list':
        if (!isAssignable(T.int, index, this.subst)) this.error(e, `found no matching overload for '_[?_]' applied to '(${formatType(t)}, ${formatType(index)})'`);
        return this.set(e, T.optional(t.params![0]));
      case 'map':
        if (!isAssignable(t.params![0], index, this.subst)) this.error(e, `found no matching overload for '_[?_]' applied to '(${formatType(t)}, ${formatType(index)})'`);
        return this.set(e, T.optional(t.params![1]));
      case 'dyn':
      case 'error':
      case 'param':
        return this.set(e, T.optional(T.dyn));
      default:
        this.error(e, `found no matching overload for '_[?_]' applied to '(${formatType(t)}, ${formatType(index)})'`);
        return this.set(e, T.error);
    }
  }

  /** Element types of an aggregate literal must agree (Kubernetes enables homogeneous aggregate literals). */
  private join(at: Expr, current: Type | undefined, next: Type): Type {
    if (current === undefined) return next;
    if (isDyn(current) || isDyn(next)) return isDyn(current) ? current : next;
    if (isAssignable(current, next, this.subst)) return current;
    this.error(at, `expected type '${formatType(substitute(current, this.subst, true))}' but found '${formatType(substitute(next, this.subst, true))}'`);
    return current;
  }

  private unwrapOptional(at: Expr, t: Type): Type {
    if (t.kind === 'opaque' && t.name === 'optional_type') return t.params![0];
    if (isDyn(t)) return T.dyn;
    this.error(at, `expected type 'optional_type(${formatType(t)})' but found '${formatType(t)}'`);
    return t;
  }

  private checkList(e: ListExpr): Expr {
    let elem: Type | undefined;
    const exempt = this.exempt.has(e.id);
    e.elements = e.elements.map((x, i) => {
      const checked = this.check(x);
      let t = this.typeOf(checked);
      if (e.optionalIndices.includes(i)) t = this.unwrapOptional(checked, t);
      elem = exempt ? (elem === undefined || isExactType(elem, t) ? t : T.dyn) : this.join(checked, elem, t);
      return checked;
    });
    return this.set(e, T.list(elem ?? this.freshParam()));
  }

  private checkMap(e: MapExpr): Expr {
    let key: Type | undefined;
    let value: Type | undefined;
    for (const entry of e.entries) {
      entry.key = this.check(entry.key);
      entry.value = this.check(entry.value);
      const kt = this.typeOf(entry.key);
      if (!['string', 'int', 'uint', 'bool', 'dyn', 'error', 'param'].includes(kt.kind)) this.error(entry.key, `unsupported map key type: ${formatType(kt)}`);
      const exempt = this.exempt.has(e.id);
      key = exempt ? (key === undefined || isExactType(key, kt) ? kt : T.dyn) : this.join(entry.key, key, kt);
      let vt = this.typeOf(entry.value);
      if (entry.optional) vt = this.unwrapOptional(entry.value, vt);
      value = exempt ? (value === undefined || isExactType(value, vt) ? vt : T.dyn) : this.join(entry.value, value, vt);
    }
    return this.set(e, T.map(key ?? this.freshParam(), value ?? this.freshParam()));
  }

  private checkStruct(e: StructExpr): Expr {
    const t = this.decls.type(e.typeName);
    if (!t || t.kind !== 'object') {
      this.error(e, `undeclared reference to '${e.typeName}' (in container '')`);
      for (const f of e.fields) f.value = this.check(f.value);
      return this.set(e, T.error);
    }
    for (const f of e.fields) {
      f.value = this.check(f.value);
      let vt = this.typeOf(f.value);
      if (f.optional) vt = this.unwrapOptional(f.value, vt);
      const declared = t.fields ? t.fields.get(f.name) : T.dyn;
      if (!declared) {
        this.error(f.value, `undefined field '${f.name}'`);
        continue;
      }
      if (!isAssignable(declared, vt, this.subst)) this.error(f.value, `expected type of field '${f.name}' is '${formatType(declared)}' but provided type is '${formatType(vt)}'`);
    }
    return this.set(e, t);
  }

  private checkComprehension(e: ComprehensionExpr): Expr {
    e.iterRange = this.check(e.iterRange);
    const range = this.typeOf(e.iterRange);
    let v1: Type;
    let v2: Type | undefined;
    switch (range.kind) {
      case 'list':
        [v1, v2] = e.iterVar2 ? [T.int, range.params![0]] : [range.params![0], undefined];
        break;
      case 'map':
        [v1, v2] = [range.params![0], range.params![1]];
        break;
      case 'dyn':
      case 'error':
      case 'param':
        [v1, v2] = [T.dyn, T.dyn];
        break;
      default:
        this.error(e.iterRange, `expression of type '${formatType(range)}' cannot be the range of a comprehension (must be list, map, or dynamic)`);
        [v1, v2] = [T.dyn, T.dyn];
    }
    e.accuInit = this.check(e.accuInit);
    const accu = this.typeOf(e.accuInit);
    this.scopes.push(new Map([[e.accuVar, accu]]));
    const iter = new Map<string, Type>([[e.iterVar, v1]]);
    if (e.iterVar2) iter.set(e.iterVar2, v2 ?? T.dyn);
    this.scopes.push(iter);
    e.loopCondition = this.check(e.loopCondition);
    if (!isAssignable(T.bool, this.typeOf(e.loopCondition), this.subst)) this.error(e.loopCondition, `expected type 'bool' but found '${formatType(this.typeOf(e.loopCondition))}'`);
    e.loopStep = this.check(e.loopStep);
    const step = this.typeOf(e.loopStep);
    if (!isAssignable(accu, step, this.subst)) this.error(e.loopStep, `expected type '${formatType(accu)}' but found '${formatType(step)}'`);
    this.scopes.pop();
    e.result = this.check(e.result);
    this.scopes.pop();
    return this.set(e, this.typeOf(e.result));
  }
}
