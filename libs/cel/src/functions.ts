// How a function is declared: overloads with their types (for the checker), their implementation
// (for the interpreter) and their cost (runtime and estimated), and libraries as sets of them.
import type { CostEstimate, SizeEstimate } from './cost-model.js';
import type { Type } from './types.js';
import { CelBytes, CelDuration, CelError, CelMap, CelObject, CelOptional, CelTimestamp, CelType, CelUint, OpaqueValue, type Result, type Value } from './values.js';

/** What the estimator knows of one argument (or the target) of a call. */
export interface EstimateArg {
  type: Type;
  size: SizeEstimate;
  /** The literal, when the argument is a constant. */
  constant?: Value;
}

export interface CallEstimate {
  cost: CostEstimate;
  resultSize?: SizeEstimate;
}

export interface Overload {
  id: string;
  /** Parameter types, the receiver first for a member overload. Type parameters are `T.param(name)`. */
  params: Type[];
  result: Type;
  member?: boolean;
  impl: (args: Value[]) => Result;
  /** Called with error arguments too (cel-go's non-strict functions). */
  nonStrict?: boolean;
  /** The runtime cost of one call (cel-go's and Kubernetes' CallCost); 1 when absent. */
  cost?: (args: Value[], result: Result) => number;
  /** The estimated cost of a call (their EstimateCallCost); 1 when absent. */
  estimate?: (args: EstimateArg[]) => CallEstimate;
}

export interface FunctionDecl {
  name: string;
  overloads: Overload[];
}

/** An object type a library declares (for struct creation such as `JSONPatch{…}`). */
export interface TypeDecl {
  name: string;
  type: Type;
}

export interface Library {
  name: string;
  functions: FunctionDecl[];
  types?: TypeDecl[];
}

/** Merges declarations of the same function from several libraries; a duplicate overload id is a bug. */
export function mergeFunctions(libraries: Library[]): Map<string, FunctionDecl> {
  const out = new Map<string, FunctionDecl>();
  for (const lib of libraries) {
    for (const fn of lib.functions) {
      const existing = out.get(fn.name);
      if (!existing) {
        out.set(fn.name, { name: fn.name, overloads: [...fn.overloads] });
        continue;
      }
      for (const o of fn.overloads) {
        if (existing.overloads.some((x) => x.id === o.id)) throw new Error(`overload ${o.id} of ${fn.name} is declared twice`);
        existing.overloads.push(o);
      }
    }
  }
  return out;
}

/** Whether a runtime value fits a parameter type (the interpreter's dispatch among overloads). */
export function valueFits(t: Type, v: Value): boolean {
  switch (t.kind) {
    case 'dyn':
    case 'param':
    case 'error':
      return true;
    case 'bool':
      return typeof v === 'boolean';
    case 'int':
      return typeof v === 'bigint';
    case 'uint':
      return v instanceof CelUint;
    case 'double':
      return typeof v === 'number';
    case 'string':
      return typeof v === 'string';
    case 'bytes':
      return v instanceof CelBytes;
    case 'null_type':
      return v === null;
    case 'duration':
      return v instanceof CelDuration;
    case 'timestamp':
      return v instanceof CelTimestamp;
    case 'list':
      return Array.isArray(v);
    case 'map':
      return v instanceof CelMap;
    case 'type':
      return v instanceof CelType;
    case 'opaque':
      if (t.name === 'optional_type') return v instanceof CelOptional;
      return v instanceof OpaqueValue && v.celType === t.name;
    case 'object':
      return v instanceof CelObject || v instanceof CelMap;
  }
}

export function err(message: string): CelError {
  return new CelError(message);
}

export const NO_SUCH_OVERLOAD = 'no such overload';
