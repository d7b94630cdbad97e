// managedFields: which manager owns which fields, as kube-apiserver's field manager keeps them.
// An Update (create, update, non-apply patch) gives its manager the fields it added or changed and
// takes them from everyone else; an Apply (server-side apply) gives its manager exactly the fields of
// its configuration, removes the fields it applied before and no longer applies (unless someone else
// owns them), and refuses to change fields other managers own unless forced.
import {
  apiVersionOf,
  deepEqual,
  isPlainObject,
  nowTimestamp,
  StatusError,
  type KubeObject,
  type ManagedFieldsEntry,
} from '@kapi/api-machinery';
import { appliedMembers, byCodeUnit, compare, comparePaths, FieldSet, itemKey, managedPart, members, renderPath, valueKey, type Path } from './field-set.js';
import type { Gvk, StructureLookup } from './structure.js';

interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource: string;
  time?: string;
  fields: FieldSet;
}

/**
 * kube's manager identifier, the JSON of the entry without fields and time: appliers are one
 * manager whatever version they applied with.
 */
const identity = (m: Omit<Manager, 'fields' | 'time'>): string =>
  JSON.stringify({ manager: m.manager, operation: m.operation, apiVersion: m.operation === 'Apply' ? undefined : m.apiVersion || undefined, subresource: m.subresource || undefined });

function decode(entries: ManagedFieldsEntry[] | undefined): Manager[] {
  return (entries ?? []).map((e) => ({
    manager: e.manager ?? '',
    operation: e.operation === 'Apply' ? 'Apply' : 'Update',
    apiVersion: e.apiVersion ?? '',
    subresource: e.subresource ?? '',
    time: e.time,
    fields: FieldSet.fromFieldsV1(e.fieldsV1),
  }));
}

const MAX_UPDATE_MANAGERS = 10;
const ANCIENT_CHANGES = 'ancient-changes';

/**
 * Past ten Update entries, kube folds the oldest into one `ancient-changes` entry per apiVersion,
 * which takes the time of the newest entry folded into it.
 */
function capUpdateManagers(managers: Manager[]): Manager[] {
  const updaters = managers.filter((m) => m.operation === 'Update' && m.fields.size > 0);
  if (updaters.length <= MAX_UPDATE_MANAGERS) return managers;
  updaters.sort((a, b) => byCodeUnit(a.time ?? '', b.time ?? '') || byCodeUnit(identity(a), identity(b)));
  const dropped = new Set<Manager>();
  const firstOfVersion = new Map<string, Manager>();
  const buckets = new Map<string, Manager>();
  for (let i = 0, length = updaters.length; i < updaters.length && length > MAX_UPDATE_MANAGERS; i++) {
    const m = updaters[i];
    const first = firstOfVersion.get(m.apiVersion);
    if (!first) {
      firstOfVersion.set(m.apiVersion, m);
      continue;
    }
    let bucket = buckets.get(m.apiVersion) ?? managers.find((x) => x.manager === ANCIENT_CHANGES && x.operation === 'Update' && x.apiVersion === m.apiVersion && !x.subresource);
    if (!bucket) {
      bucket = { manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: m.apiVersion, subresource: '', fields: first.fields };
      dropped.add(first);
    }
    buckets.set(m.apiVersion, bucket);
    bucket.fields = bucket.fields.union(m.fields);
    bucket.time = m.time;
    dropped.add(m);
    length--;
  }
  const kept = managers.filter((m) => !dropped.has(m));
  for (const bucket of buckets.values()) if (!kept.includes(bucket)) kept.push(bucket);
  return kept;
}

/** Entries in kube's order: Apply before Update, then oldest first, then by manager. */
function encode(all: Manager[]): ManagedFieldsEntry[] {
  const managers = capUpdateManagers(all);
  const order = (a: Manager, b: Manager) =>
    byCodeUnit(a.operation, b.operation) ||
    byCodeUnit(a.time ?? '', b.time ?? '') ||
    byCodeUnit(a.manager, b.manager) ||
    byCodeUnit(a.apiVersion, b.apiVersion) ||
    byCodeUnit(a.subresource, b.subresource);
  return managers
    .filter((m) => m.fields.size > 0)
    .sort(order)
    .map((m) => {
      const entry: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion, time: m.time, fieldsType: 'FieldsV1', fieldsV1: m.fields.toFieldsV1() };
      if (m.subresource) entry.subresource = m.subresource;
      return entry;
    });
}

export interface FieldManagerContext {
  manager: string;
  subresource: string;
  gvk: Gvk;
  structure: StructureLookup;
  now?: Date;
}

const membersOf = (obj: KubeObject | undefined, ctx: FieldManagerContext) =>
  members(obj ? managedPart(obj, ctx.subresource) : {}, ctx.structure, ctx.gvk);

/**
 * The managedFields after an Update by `ctx.manager` from `old` (undefined on create) to `obj`.
 * managedFields the client set on `obj` replace the stored ones, as kube lets clients rewrite them
 * (kubectl does so to hand client-side-apply fields to its server-side manager); empty ones do not.
 */
export function updatedManagedFields(old: KubeObject | undefined, obj: KubeObject, ctx: FieldManagerContext): ManagedFieldsEntry[] {
  const supplied = ctx.subresource ? [] : decode(obj.metadata?.managedFields);
  const managers = supplied.length ? supplied : decode(old?.metadata?.managedFields);
  const change = compare(membersOf(old, ctx), membersOf(obj, ctx));
  const taken = change.added.union(change.modified);
  for (const m of managers) m.fields = m.fields.difference(taken).difference(change.removed);
  if (taken.size) {
    const self = { manager: ctx.manager, operation: 'Update' as const, apiVersion: apiVersionOf(ctx.gvk), subresource: ctx.subresource };
    const previous = managers.find((m) => identity(m) === identity(self));
    const fields = (previous?.fields ?? new FieldSet()).union(taken);
    const entry = { ...self, time: nowTimestamp(ctx.now), fields };
    if (previous) Object.assign(previous, entry);
    else managers.push(entry);
  }
  return encode(managers);
}

function conflictManagerName(m: Manager): string {
  let name = JSON.stringify(m.manager);
  if (m.subresource) name += ` with subresource ${JSON.stringify(m.subresource)}`;
  return m.operation === 'Update' ? `${name} using ${m.apiVersion}` : name;
}

/** kube's 409 for an apply that would change fields other managers own. */
export function applyConflict(conflicts: { manager: Manager; path: Path }[]): StatusError {
  // Grouped by manager identifier, sorted as kube sorts them; each manager's paths in set order.
  const sorted = [...conflicts].sort((a, b) => byCodeUnit(identity(a.manager), identity(b.manager)) || comparePaths(a.path, b.path));
  let message: string;
  if (sorted.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${conflictManagerName(sorted[0].manager)}: ${renderPath(sorted[0].path)}`;
  } else {
    const lines: string[] = [];
    let last: string | undefined;
    for (const c of sorted) {
      const name = conflictManagerName(c.manager);
      if (name !== last) lines.push(`conflicts with ${name}:`);
      last = name;
      lines.push(`- ${renderPath(c.path)}`);
    }
    message = `Apply failed with ${sorted.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError('KAPI_ERR_OBJECT_CONFLICT', message, {
    causes: sorted.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${conflictManagerName(c.manager)}`, field: renderPath(c.path) })),
  });
}

/** Merges an applied configuration into the live value: keyed and set list items merge, the rest is replaced. */
function merge(live: unknown, config: unknown, ctx: FieldManagerContext, names: string[]): unknown {
  if (Array.isArray(config) && Array.isArray(live)) {
    const lt = ctx.structure.listTypeAt(ctx.gvk, names);
    if (lt.type === 'set') return [...live, ...config.filter((c) => !live.some((l) => deepEqual(l, c)))];
    if (lt.type !== 'map') return config;
    const key = (item: unknown) => itemKey(item, lt.keys, lt.defaults);
    const out = live.map((l) => {
      const k = key(l);
      const c = k === undefined ? undefined : config.find((item) => key(item) === k);
      return c === undefined ? l : merge(l, c, ctx, names);
    });
    for (const c of config) if (!live.some((l) => key(l) !== undefined && key(l) === key(c))) out.push(c);
    return out;
  }
  if (isPlainObject(config) && isPlainObject(live) && ctx.structure.mapTypeAt(ctx.gvk, names) !== 'atomic') {
    const out: Record<string, unknown> = { ...live };
    for (const [k, v] of Object.entries(config)) out[k] = merge(live[k], v, ctx, [...names, k]);
    return out;
  }
  return config;
}

/**
 * Removes the member at `path` from `root`, if it is there. A map or list that the removal leaves
 * empty goes too, up the path, as structured-merge-diff's removal leaves it null (which decoding
 * into kube's types drops): applying `{}` where warnings were applied before leaves no `{}` behind.
 */
function removePath(root: Record<string, unknown>, path: Path, ctx: FieldManagerContext): void {
  let node: unknown = root;
  const names: string[] = [];
  // Each container walked and how to take the step below it out of it.
  const walked: { container: Record<string, unknown> | unknown[]; remove: () => void }[] = [];
  for (let i = 0; i < path.length; i++) {
    const pe = path[i];
    const last = i === path.length - 1;
    if (pe.startsWith('f:')) {
      if (!isPlainObject(node)) return;
      const field = pe.slice(2);
      const container = node;
      names.push(field);
      walked.push({ container, remove: () => delete container[field] });
      if (!last) node = node[field];
      continue;
    }
    if (!Array.isArray(node)) return;
    let index = -1;
    if (pe.startsWith('i:')) index = Number(pe.slice(2));
    else if (pe.startsWith('v:')) index = node.findIndex((item) => valueKey(item) === pe);
    else {
      const lt = ctx.structure.listTypeAt(ctx.gvk, names);
      if (lt.type === 'map') index = node.findIndex((item) => itemKey(item, lt.keys, lt.defaults) === pe);
    }
    if (index < 0 || index >= node.length) return;
    const container = node;
    walked.push({ container, remove: () => void container.splice(index, 1) });
    if (!last) node = node[index];
  }
  if (!walked.length) return;
  walked[walked.length - 1].remove();
  // Containers emptied by the removal go, up to (not including) the object itself.
  for (let i = walked.length - 1; i > 0; i--) {
    const { container } = walked[i];
    const empty = Array.isArray(container) ? container.length === 0 : Object.keys(container).length === 0;
    if (!empty) break;
    walked[i - 1].remove();
  }
}

/**
 * What kube's conversion of an applied configuration into its typed form finds wrong, in document
 * order, as structured-merge-diff words it: a field the schema does not declare, an item of a
 * keyed list that lacks a key field without a default.
 */
function typedPatchErrors(value: unknown, ctx: FieldManagerContext, names: string[] = [], at = '', errors: string[] = []): string[] {
  if (Array.isArray(value)) {
    const lt = ctx.structure.listTypeAt(ctx.gvk, names);
    value.forEach((item, i) => {
      if (lt.type !== 'map') return typedPatchErrors(item, ctx, names, `${at}${renderPath([lt.type === 'set' ? valueKey(item) : `i:${i}`])}`, errors);
      const missing = isPlainObject(item) ? lt.keys.find((k) => item[k] === undefined && lt.defaults?.[k] === undefined) : lt.keys[0];
      if (missing === undefined) return typedPatchErrors(item, ctx, names, `${at}${renderPath([itemKey(item, lt.keys, lt.defaults)!])}`, errors);
      errors.push(`${at}: element ${i}: associative list with keys has an element that omits key field ${JSON.stringify(missing)} (and doesn't have default value)`);
    });
  } else if (isPlainObject(value)) {
    const declared = ctx.structure.fieldsAt(ctx.gvk, names);
    for (const [k, v] of Object.entries(value)) {
      if (declared && !declared.includes(k)) errors.push(`${at}.${k}: field not declared in schema`);
      else typedPatchErrors(v, ctx, [...names, k], `${at}.${k}`, errors);
    }
  }
  return errors;
}

/**
 * Refuses a configuration kube could not convert into its typed form: 500 with no reason, as kube
 * answers (the conversion's error is not a Status there), whatever fieldValidation says.
 */
function checkTypedPatch(config: KubeObject, ctx: FieldManagerContext): void {
  const errors = typedPatchErrors(config, ctx);
  if (errors.length === 0) return;
  const gvk = `${ctx.gvk.group}/${ctx.gvk.version}, Kind=${ctx.gvk.kind}`;
  const object = `${config.metadata?.namespace ?? ''}/${config.metadata?.name ?? ''}; ${gvk}`;
  const detail = errors.length === 1 ? errors[0] : ['errors:', ...errors.map((e) => `  ${e}`)].join('\n');
  throw new StatusError('KAPI_ERR_APPLY_UNTYPED', `failed to create typed patch object (${object}): ${detail}`);
}

function dropNulls(value: unknown): void {
  if (Array.isArray(value)) value.forEach(dropNulls);
  else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === null) delete value[k];
      else dropNulls(v);
    }
  }
}

export interface ApplyResult {
  object: KubeObject;
  managedFields: ManagedFieldsEntry[];
}

/**
 * Server-side apply of `config` by `ctx.manager` to `live` (undefined: the object is created).
 * Throws kube's 409 when it would change fields other managers own, unless `force`, which takes them.
 */
export function applyConfiguration(live: KubeObject | undefined, config: KubeObject, force: boolean, ctx: FieldManagerContext): ApplyResult {
  const managers = decode(live?.metadata?.managedFields);
  checkTypedPatch(config, ctx);
  const applied = managedPart(config, ctx.subresource);
  const base = structuredClone(live ?? { apiVersion: config.apiVersion, kind: config.kind, metadata: { ...config.metadata, managedFields: undefined } });
  const object = merge(base, applied, ctx, []) as KubeObject;

  const self = { manager: ctx.manager, operation: 'Apply' as const, apiVersion: apiVersionOf(ctx.gvk), subresource: ctx.subresource };
  let mine = managers.find((m) => identity(m) === identity(self));
  const lastSet = mine?.fields ?? new FieldSet();
  const previousTime = mine?.time;
  if (!mine) managers.push((mine = { ...self, fields: new FieldSet() }));
  mine.fields = appliedMembers(applied, ctx.structure, ctx.gvk);
  mine.apiVersion = self.apiVersion;

  // What this manager applied before and applies no more goes, unless someone still owns it.
  const owned = managers.reduce((all, m) => all.union(m.fields), new FieldSet());
  const gone = lastSet.difference(owned).paths().filter((p) => !owned.hasBelow(p));
  // Shallowest first: an item goes whole, before its key fields would be gone.
  for (const path of gone.sort((a, b) => a.length - b.length)) removePath(object as Record<string, unknown>, path, ctx);
  // A field applied as null is owned but not stored, as decoding the result into kube's types drops it.
  dropNulls(object);

  const change = compare(membersOf(live, ctx), membersOf(object, ctx));
  const changed = change.added.union(change.modified);
  const conflicts: { manager: Manager; path: Path }[] = [];
  for (const m of managers) {
    if (m === mine) continue;
    for (const path of m.fields.intersection(changed).paths()) conflicts.push({ manager: m, path });
  }
  if (conflicts.length && !force) {
    // kubectl's first server-side apply over its own client-side apply may take what that applied.
    const allowed = ctx.manager === KUBECTL_SERVER_SIDE ? lastAppliedFields(live, ctx) : undefined;
    const remaining = allowed ? conflicts.filter((c) => !allowed.has(c.path)) : conflicts;
    if (remaining.length) throw applyConflict(remaining);
  }
  for (const { manager, path } of conflicts) manager.fields = manager.fields.difference(new FieldSet([path]));
  for (const m of managers) m.fields = m.fields.difference(change.removed);
  const objectChanged = change.added.size + change.removed.size + change.modified.size > 0;
  mine.time = objectChanged || !previousTime ? nowTimestamp(ctx.now) : previousTime;
  if (ctx.manager === KUBECTL_SERVER_SIDE) keepLastAppliedCurrent(object, config);
  return { object, managedFields: encode(managers) };
}

/** The manager kubectl apply --server-side uses by default, for which kube keeps client-side apply's annotation current. */
const KUBECTL_SERVER_SIDE = 'kubectl';
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Go's encoding of a map: keys sorted, then a newline, as kube writes the annotation. */
function sortedJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : isPlainObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])])) : v;
  return `${JSON.stringify(sort(value))}\n`;
}

/**
 * The fields client-side apply last applied, when the live object still matches that configuration;
 * conflicts on them do not stop kubectl's server-side apply (kube's lastAppliedManager).
 */
function lastAppliedFields(live: KubeObject | undefined, ctx: FieldManagerContext): FieldSet | undefined {
  const annotation = live?.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!live || !annotation) return undefined;
  let lastApplied: KubeObject;
  try {
    lastApplied = JSON.parse(annotation) as KubeObject;
  } catch {
    return undefined;
  }
  if (!isPlainObject(lastApplied)) return undefined;
  const livePart = managedPart(live, ctx.subresource);
  const appliedPart = managedPart(lastApplied, ctx.subresource);
  if (!deepEqual(merge(livePart, appliedPart, ctx, []), livePart)) return undefined;
  return appliedMembers(appliedPart, ctx.structure, ctx.gvk);
}

/** kube's lastAppliedUpdater: an object that has the annotation gets the applied configuration in it. */
function keepLastAppliedCurrent(object: KubeObject, config: KubeObject): void {
  if (object.metadata?.annotations?.[LAST_APPLIED_ANNOTATION] === undefined) return;
  const applied = structuredClone(config);
  if (applied.metadata?.annotations) {
    const { [LAST_APPLIED_ANNOTATION]: _own, ...rest } = applied.metadata.annotations;
    applied.metadata.annotations = rest;
  }
  object.metadata.annotations[LAST_APPLIED_ANNOTATION] = sortedJson(applied);
}
