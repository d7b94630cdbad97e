// CEL's static types, as cel-go's checker knows them, and how one type is assigned to another
// (with type parameters bound as a substitution). Formatting follows cel-go, since Kubernetes shows
// these names in its messages: `list(int)`, `map(string, dyn)`, `optional_type(string)`.

export type TypeKind =
  | 'dyn'
  | 'error'
  | 'bool'
  | 'int'
  | 'uint'
  | 'double'
  | 'string'
  | 'bytes'
  | 'null_type'
  | 'duration'
  | 'timestamp'
  | 'list'
  | 'map'
  | 'type'
  | 'opaque'
  | 'object'
  | 'param';

/** What the cost estimator may know of a value's size, from a schema (maxLength, maxItems, maxProperties). */
export interface SizeBounds {
  maxSize?: number;
}

export interface Type extends SizeBounds {
  readonly kind: TypeKind;
  /** The name of an opaque, object or parameter type. */
  readonly name?: string;
  readonly params?: readonly Type[];
  /** For objects: the declared fields. An object type without fields accepts any field (as dyn). */
  readonly fields?: ReadonlyMap<string, Type>;
}

const prim = (kind: TypeKind): Type => ({ kind });
export const T = {
  dyn: prim('dyn'),
  error: prim('error'),
  bool: prim('bool'),
  int: prim('int'),
  uint: prim('uint'),
  double: prim('double'),
  string: prim('string'),
  bytes: prim('bytes'),
  null: prim('null_type'),
  duration: prim('duration'),
  timestamp: prim('timestamp'),
  list: (elem: Type, bounds: SizeBounds = {}): Type => ({ kind: 'list', params: [elem], ...bounds }),
  map: (key: Type, value: Type, bounds: SizeBounds = {}): Type => ({ kind: 'map', params: [key, value], ...bounds }),
  type: (of: Type): Type => ({ kind: 'type', params: [of] }),
  opaque: (name: string, ...params: Type[]): Type => ({ kind: 'opaque', name, params }),
  optional: (of: Type): Type => ({ kind: 'opaque', name: 'optional_type', params: [of] }),
  param: (name: string): Type => ({ kind: 'param', name }),
  object: (name: string, fields?: ReadonlyMap<string, Type>): Type => ({ kind: 'object', name, ...(fields ? { fields } : {}) }),
};

/** cel-go's name of a type in messages. */
export function formatType(t: Type): string {
  switch (t.kind) {
    case 'list':
      return `list(${formatType(t.params![0])})`;
    case 'map':
      return `map(${formatType(t.params![0])}, ${formatType(t.params![1])})`;
    case 'type':
      return t.params?.length ? `type(${formatType(t.params[0])})` : 'type';
    case 'opaque':
      return t.params?.length ? `${t.name}(${t.params.map(formatType).join(', ')})` : t.name!;
    case 'object':
    case 'param':
      return t.name!;
    case 'duration':
      return 'google.protobuf.Duration';
    case 'timestamp':
      return 'google.protobuf.Timestamp';
    default:
      return t.kind;
  }
}

/** The name `type(v)` gives values of a type at runtime. */
export function runtimeTypeName(t: Type): string {
  switch (t.kind) {
    case 'list':
    case 'map':
    case 'type':
      return t.kind;
    case 'opaque':
      return t.name!;
    default:
      return formatType(t);
  }
}

export type Substitution = Map<string, Type>;

/** Follows the substitution to the type a parameter stands for. */
export function substitute(t: Type, s: Substitution, freeToDyn: boolean): Type {
  switch (t.kind) {
    case 'param': {
      const bound = s.get(t.name!);
      if (bound) return substitute(bound, s, freeToDyn);
      return freeToDyn ? T.dyn : t;
    }
    case 'list':
    case 'map':
    case 'type':
    case 'opaque':
      if (!t.params?.length) return t;
      return { ...t, params: t.params.map((p) => substitute(p, s, freeToDyn)) };
    default:
      return t;
  }
}

function occurs(name: string, t: Type, s: Substitution): boolean {
  if (t.kind === 'param') {
    if (t.name === name) return true;
    const b = s.get(t.name!);
    return b ? occurs(name, b, s) : false;
  }
  return (t.params ?? []).some((p) => occurs(name, p, s));
}

/**
 * Whether a value of type `from` may be used where `to` is expected, binding type parameters in
 * `s` (which is only changed when the answer is yes).
 */
export function isAssignable(to: Type, from: Type, s: Substitution): boolean {
  const trial = new Map(s);
  if (!assign(to, from, trial)) return false;
  for (const [k, v] of trial) s.set(k, v);
  return true;
}

function assign(to: Type, from: Type, s: Substitution): boolean {
  if (to.kind === 'param' || from.kind === 'param') {
    const [param, other] = to.kind === 'param' ? [to, from] : [from, to];
    if (other.kind === 'param' && other.name === param.name) return true;
    const bound = s.get(param.name!);
    if (bound) return to.kind === 'param' ? assign(bound, from, s) : assign(to, bound, s);
    if (occurs(param.name!, other, s)) return false;
    s.set(param.name!, other);
    return true;
  }
  if (to.kind === 'dyn' || from.kind === 'dyn' || to.kind === 'error' || from.kind === 'error') return true;
  if (from.kind === 'null_type') return to.kind === 'null_type' || to.kind === 'object' || to.kind === 'duration' || to.kind === 'timestamp';
  if (to.kind !== from.kind) return false;
  switch (to.kind) {
    case 'list':
    case 'map':
    case 'type':
      if (!to.params?.length || !from.params?.length) return true;
      return to.params.every((p, i) => assign(p, from.params![i], s));
    case 'opaque':
      return to.name === from.name && (to.params ?? []).every((p, i) => from.params?.[i] !== undefined && assign(p, from.params[i], s));
    case 'object':
      return to.name === from.name;
    default:
      return true;
  }
}

/** Exact equality of two types (names and parameters), as cel-go's IsExactType. */
export function isExactType(a: Type, b: Type): boolean {
  if (a.kind !== b.kind || a.name !== b.name) return false;
  const pa = a.params ?? [];
  const pb = b.params ?? [];
  return pa.length === pb.length && pa.every((p, i) => isExactType(p, pb[i]));
}

export function isDyn(t: Type): boolean {
  return t.kind === 'dyn' || t.kind === 'error';
}

/** The types the identifiers `int`, `list`, … name, as values of type `type`. */
export const TYPE_NAMES: Record<string, Type> = {
  bool: T.bool,
  int: T.int,
  uint: T.uint,
  double: T.double,
  string: T.string,
  bytes: T.bytes,
  null_type: T.null,
  list: T.list(T.dyn),
  map: T.map(T.dyn, T.dyn),
  type: T.type(T.dyn),
  dyn: T.dyn,
  'google.protobuf.Duration': T.duration,
  'google.protobuf.Timestamp': T.timestamp,
  optional_type: T.optional(T.dyn),
};
