// Sets of field paths, as structured-merge-diff keeps them for managedFields. A path is a list of
// elements in FieldsV1 spelling: `f:name` (a field), `k:{"name":"x"}` (an item of a list keyed by
// some of its fields), `v:"x"` (an item of a list of scalars), `i:0` (a position in any other list).
import { deepEqual, isPlainObject, type KubeObject } from '@kapi/api-machinery';
import type { Gvk, StructureLookup } from './structure.js';

export type PathElement = string;
export type Path = readonly PathElement[];

const SEP = '\u0000';
export const pathKey = (path: Path): string => path.join(SEP);
export const keyPath = (key: string): Path => (key === '' ? [] : key.split(SEP));

/** A set of paths. A member may also have members below it (a list item and its fields). */
export class FieldSet {
  private readonly keys = new Set<string>();

  constructor(paths: Iterable<Path> = []) {
    for (const p of paths) this.keys.add(pathKey(p));
  }

  static fromKeys(keys: Iterable<string>): FieldSet {
    const set = new FieldSet();
    for (const k of keys) set.keys.add(k);
    return set;
  }

  get size(): number {
    return this.keys.size;
  }

  has(path: Path): boolean {
    return this.keys.has(pathKey(path));
  }

  /** Whether a member lies strictly below `path`. */
  hasBelow(path: Path): boolean {
    const prefix = pathKey(path) + SEP;
    for (const k of this.keys) if (k.startsWith(prefix)) return true;
    return false;
  }

  paths(): Path[] {
    return [...this.keys].map(keyPath);
  }

  union(other: FieldSet): FieldSet {
    return FieldSet.fromKeys([...this.keys, ...other.keys]);
  }

  intersection(other: FieldSet): FieldSet {
    return FieldSet.fromKeys([...this.keys].filter((k) => other.keys.has(k)));
  }

  difference(other: FieldSet): FieldSet {
    return FieldSet.fromKeys([...this.keys].filter((k) => !other.keys.has(k)));
  }

  equals(other: FieldSet): boolean {
    return this.size === other.size && [...this.keys].every((k) => other.keys.has(k));
  }

  /** FieldsV1: nested objects; `{}` for a member without members below it, `.` for one with. */
  toFieldsV1(): Record<string, unknown> {
    const root: Record<string, Record<string, unknown>> = {};
    for (const path of [...this.keys].sort().map(keyPath)) {
      let node: Record<string, unknown> = root;
      for (const pe of path) node = (node[pe] ??= {}) as Record<string, unknown>;
    }
    // A member with members below it is marked with `.`.
    const mark = (node: Record<string, unknown>, path: string[]): void => {
      for (const [pe, child] of Object.entries(node)) {
        if (pe === '.') continue;
        const childPath = [...path, pe];
        const c = child as Record<string, unknown>;
        if (Object.keys(c).length && this.keys.has(pathKey(childPath))) c['.'] = {};
        mark(c, childPath);
      }
    };
    mark(root, []);
    return root;
  }

  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    const walk = (node: unknown, path: string[]): void => {
      if (!isPlainObject(node)) return;
      const children = Object.keys(node).filter((k) => k !== '.');
      if (path.length && (children.length === 0 || '.' in node)) set.keys.add(pathKey(path));
      for (const k of children) walk(node[k], [...path, k]);
    };
    walk(fields, []);
    return set;
  }
}

/** Renders a path as structured-merge-diff prints it in conflicts: `.spec.containers[name="app"].image`. */
export function renderPath(path: Path): string {
  return path
    .map((pe) => {
      const body = pe.slice(2);
      switch (pe[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const keys = JSON.parse(body) as Record<string, unknown>;
          return `[${Object.entries(keys).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
        }
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}

/** Go's string order: by UTF-16 code unit here, which agrees with bytes for the names managers and fields use. */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const ELEMENT_RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function compareElements(a: PathElement, b: PathElement): number {
  const rank = ELEMENT_RANK[a[0]] - ELEMENT_RANK[b[0]];
  if (rank) return rank;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return byCodeUnit(a, b);
}

/**
 * The order structured-merge-diff walks a set in: at each level the members there first, then the
 * levels below, each sorted (fields, then keyed items, then values, then positions).
 */
export function comparePaths(a: Path, b: Path): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    const aHere = a.length === i + 1;
    const bHere = b.length === i + 1;
    if (aHere !== bHere) return aHere ? -1 : 1;
    return compareElements(a[i], b[i]);
  }
  return a.length - b.length;
}

/** What the walk found at a member: a leaf's value, or a marker for a list item or a granular map. */
export const NODE = Symbol('node');
export const MAP_NODE = Symbol('map');
export type Members = Map<string, unknown>;

/** The members a configuration sets, as kube's apply owns them: without granular maps themselves. */
export function appliedMembers(value: unknown, structure: StructureLookup, gvk: Gvk): FieldSet {
  return FieldSet.fromKeys([...members(value, structure, gvk)].filter(([, v]) => v !== MAP_NODE).map(([k]) => k));
}

/** The key of an item of a keyed list, in FieldsV1 spelling, keys sorted by name as kube sorts them. */
export function itemKey(item: unknown, keys: readonly string[], defaults: Record<string, unknown> = {}): PathElement | undefined {
  if (!isPlainObject(item)) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of [...keys].sort()) {
    const v = item[k] ?? defaults[k];
    if (v === undefined) continue;
    out[k] = v;
  }
  return Object.keys(out).length ? `k:${JSON.stringify(out)}` : undefined;
}

export const valueKey = (v: unknown): PathElement => `v:${JSON.stringify(v)}`;

/**
 * Every member of a value, with the value of each leaf: scalars, empty maps and lists, atomic maps
 * and lists. Struct fields are not members by themselves; keyed and set list items are, and so are
 * granular maps where a change adds them (an Update), not where a configuration sets them (an Apply).
 */
export function members(value: unknown, structure: StructureLookup, gvk: Gvk, names: string[] = [], path: PathElement[] = [], out: Members = new Map()): Members {
  const put = (v: unknown) => out.set(pathKey(path), v);
  if (Array.isArray(value)) {
    if (value.length === 0) return put(value), out;
    const lt = structure.listTypeAt(gvk, names);
    if (lt.type === 'atomic') return put(value), out;
    value.forEach((item, i) => {
      if (lt.type === 'set') {
        out.set(pathKey([...path, valueKey(item)]), item);
        return;
      }
      const pe = itemKey(item, lt.keys, lt.defaults) ?? `i:${i}`;
      const itemPath = [...path, pe];
      out.set(pathKey(itemPath), NODE);
      members(item, structure, gvk, names, itemPath, out);
    });
    return out;
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    const mt = path.length ? structure.mapTypeAt(gvk, names) : 'struct';
    if (entries.length === 0 || mt === 'atomic') {
      if (path.length) put(value);
      return out;
    }
    if (mt === 'granular') put(MAP_NODE);
    for (const [k, v] of entries) members(v, structure, gvk, [...names, k], [...path, `f:${k}`], out);
    return out;
  }
  return put(value), out;
}

export interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
}

/** A list item or granular map with members, or an empty map or list: a container, not a value. */
const isContainer = (v: unknown): boolean =>
  v === NODE || v === MAP_NODE || (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0);

/** Which members a change added, removed, or gave another value; a container filling or emptying is no change of its own. */
export function compare(before: Members, after: Members): Comparison {
  const added: string[] = [];
  const removed: string[] = [];
  const modified: string[] = [];
  for (const [k, v] of after) {
    if (!before.has(k)) added.push(k);
    else {
      const old = before.get(k);
      if (!(isContainer(old) && isContainer(v)) && !deepEqual(old, v)) modified.push(k);
    }
  }
  for (const k of before.keys()) if (!after.has(k)) removed.push(k);
  return { added: FieldSet.fromKeys(added), removed: FieldSet.fromKeys(removed), modified: FieldSet.fromKeys(modified) };
}

// Fields no manager owns: identity and bookkeeping the server maintains.
const SERVER_METADATA = new Set([
  'name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generateName',
]);

/** The part of an object that managers own through a write to `subresource` (kube's reset fields). */
export function managedPart(obj: KubeObject, subresource: string): Record<string, unknown> {
  if (subresource === 'status') return obj.status === undefined ? {} : { status: obj.status };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status' || v === undefined) continue;
    if (k === 'metadata') {
      const meta = Object.fromEntries(Object.entries(v as object).filter(([mk]) => !SERVER_METADATA.has(mk)));
      if (Object.keys(meta).length) out.metadata = meta;
      continue;
    }
    out[k] = v;
  }
  return out;
}
