// The patch formats of PATCH requests. Strategic merge patch takes each list's merge key and
// strategy from the kind's schema (PatchMeta, supplied by the schema catalogue); without it, lists
// are replaced as in a JSON merge patch and the map-level directives are honoured.
import { badRequest, StatusError } from './errors.js';
import { deepClone, deepEqual, isPlainObject } from './object.js';

/**
 * A JSON patch that is well formed but cannot be applied to the object. kube-apiserver answers 422
 * Invalid with a generic message and no causes (the detail stays on the server), so kubectl prints
 * only "The request is invalid"; the detail is kept as the error's cause, for the log.
 */
function notApplicable(detail: string): StatusError {
  return new StatusError('KAPI_ERR_OBJECT_INVALID', 'the server rejected our request due to an error in our request', {}, { cause: new Error(detail) });
}

/** kube-apiserver's maxJSONPatchOperations: a longer JSON patch is refused (413) before it is applied. */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

/**
 * kube-apiserver's JSONPatchMaxCopyBytes (3 MiB, twice etcd's object limit): what the `copy`
 * operations of one JSON patch may add up to, counted as the JSON size of each copied value. Past it
 * the patch is not applicable (422), so a patch that copies a value into itself over and over cannot
 * double an object until the process runs out of memory. `add` and `replace` carry their values in
 * the patch itself, which the request body limit already bounds.
 */
export const JSON_PATCH_MAX_COPY_BYTES = 3 * 1024 * 1024;

export const PatchType = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export type PatchContentType = (typeof PatchType)[keyof typeof PatchType];

/** RFC 7386: objects merge recursively, null deletes, everything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return deepClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/**
 * What a strategic merge patch needs to know about a field, from the kind's schema: how its list
 * merges (the patch strategy and merge key) and the same for the fields and items below it.
 */
export interface PatchMeta {
  /** x-kubernetes-patch-strategy: `merge`, `retainKeys` or `merge,retainKeys`. */
  readonly strategy?: string;
  /** x-kubernetes-patch-merge-key of a list of objects. */
  readonly mergeKey?: string;
  field(name: string): PatchMeta | undefined;
  /** The meta of a list's items. */
  items(): PatchMeta | undefined;
}

const mergesList = (meta: PatchMeta | undefined) => (meta?.strategy ?? '').split(',').includes('merge');

/**
 * Strategic merge patch. With the schema's meta, lists whose strategy is `merge` merge: objects by
 * their merge key (`$patch: delete` in an item removes it, `$patch: replace` replaces the list),
 * primitives as a set; `$setElementOrder/<list>` orders the result. Without meta, lists are replaced
 * as in a JSON merge patch.
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown, meta?: PatchMeta): unknown {
  if (!isPlainObject(patch)) return deepClone(patch);
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return stripDirectives(rest);
  }
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  const retainKeys = Array.isArray(patch['$retainKeys']) ? (patch['$retainKeys'] as string[]) : undefined;
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (value === null) {
      delete result[key];
      continue;
    }
    const fieldMeta = meta?.field(key);
    const merged =
      Array.isArray(value) && mergesList(fieldMeta)
        ? mergeList(result[key], value, fieldMeta!, patch[`$setElementOrder/${key}`])
        : applyStrategicMergePatch(result[key], value, fieldMeta);
    if (merged === undefined) delete result[key];
    else result[key] = merged;
  }
  for (const [key, value] of Object.entries(patch)) {
    const m = key.match(/^\$deleteFromPrimitiveList\/(.+)$/);
    if (m && Array.isArray(result[m[1]]) && Array.isArray(value)) {
      result[m[1]] = (result[m[1]] as unknown[]).filter((item) => !value.some((v) => deepEqual(v, item)));
    }
  }
  for (const [key, order] of Object.entries(patch)) {
    // An order for a list the patch does not otherwise touch (lists it does are ordered as merged).
    const m = key.match(/^\$setElementOrder\/(.+)$/);
    if (m && !(m[1] in patch) && Array.isArray(result[m[1]]) && Array.isArray(order) && mergesList(meta?.field(m[1]))) {
      const list = result[m[1]] as unknown[];
      result[m[1]] = orderMerged(list, order, list, meta!.field(m[1])!.mergeKey);
    }
  }
  if (retainKeys) {
    for (const key of Object.keys(result)) if (!retainKeys.includes(key)) delete result[key];
  }
  return result;
}

function mergeList(target: unknown, patch: unknown[], meta: PatchMeta, setOrder: unknown): unknown[] {
  const original = Array.isArray(target) ? target.map(deepClone) : [];
  const key = meta.mergeKey;
  if (patch.some((item) => isPlainObject(item) && item['$patch'] === 'replace')) {
    return patch.filter((item) => !(isPlainObject(item) && item['$patch'] === 'replace')).map(stripDirectives);
  }
  const merged = [...original];
  // Items are found by identity (the merge key's value, or a primitive itself) through an index, so
  // a patch of n items against a list of m costs n + m, not n × m: a list of 10,000 items is
  // merged in milliseconds rather than holding the process for seconds.
  const identity = identityOf(key);
  const positions = new Map<string, number>();
  merged.forEach((item, i) => {
    // In a keyed list only objects are found by their key.
    const id = identity(item);
    if ((!key || isPlainObject(item)) && !positions.has(id)) positions.set(id, i);
  });
  if (!key) {
    // A set of primitives: the union.
    for (const item of patch) {
      const id = identity(item);
      if (positions.has(id)) continue;
      positions.set(id, merged.length);
      merged.push(deepClone(item));
    }
  } else {
    const deleted = new Set<number>();
    for (const item of patch) {
      if (!isPlainObject(item)) continue;
      const id = identity(item);
      const index = positions.get(id);
      if (item['$patch'] === 'delete') {
        if (index !== undefined) {
          deleted.add(index);
          positions.delete(id);
        }
        continue;
      }
      if (index !== undefined) merged[index] = applyStrategicMergePatch(merged[index], item, meta.items());
      else {
        positions.set(id, merged.length);
        merged.push(applyStrategicMergePatch(undefined, item, meta.items()));
      }
    }
    if (deleted.size) {
      const kept = merged.filter((_, i) => !deleted.has(i));
      merged.length = 0;
      merged.push(...kept);
    }
  }
  const order = Array.isArray(setOrder) ? setOrder : patch.filter((item) => !(isPlainObject(item) && '$patch' in item));
  return orderMerged(merged, order, original, key);
}

/**
 * A list item's identity as a string, equal exactly when the identities are deepEqual: the merge
 * key's value for objects of a keyed list, otherwise the item itself.
 */
function identityOf(key: string | undefined): (item: unknown) => string {
  return (item) => canonical(key && isPlainObject(item) ? item[key] : item);
}

function canonical(value: unknown): string {
  if (value === undefined) return '~';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The order kube-apiserver gives a merged list: the items the patch names (or `$setElementOrder`
 * lists) in that order, and the others in their original order, each placed before the first named
 * item that followed it originally. So an item the patch adds comes before the untouched ones.
 */
function orderMerged(merged: unknown[], patchOrder: unknown[], serverOrder: unknown[], key?: string): unknown[] {
  const identity = identityOf(key);
  const indexer = (list: unknown[]) => {
    const index = new Map<string, number>();
    list.forEach((item, i) => {
      const id = identity(item);
      if (!index.has(id)) index.set(id, i);
    });
    return (item: unknown) => index.get(identity(item)) ?? -1;
  };
  const inPatch = indexer(patchOrder);
  const inServer = indexer(serverOrder);
  const byOrder = (items: unknown[], at: (item: unknown) => number) =>
    items
      .map((item, i) => ({ item, i, at: at(item) }))
      .sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : 0) || a.i - b.i)
      .map(({ item }) => item);
  const named = byOrder(
    merged.filter((item) => inPatch(item) >= 0),
    inPatch,
  );
  const others = byOrder(
    merged.filter((item) => inPatch(item) < 0),
    inServer,
  );
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < others.length || j < named.length) {
    const left = i < others.length ? inServer(others[i]) : -1;
    const right = j < named.length ? inServer(named[j]) : -1;
    const takeOther = j >= named.length || (i < others.length && left >= 0 && right >= 0 && left < right);
    out.push(takeOther ? others[i++] : named[j++]);
  }
  return out;
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !k.startsWith('$'))
      .map(([k, v]) => [k, stripDirectives(v)]),
  );
}

interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`the JSON patch path "${pointer}" must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

function resolveParent(doc: unknown, tokens: string[], pointer: string): { parent: Container; key: string } {
  let current = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(token)];
    else if (isPlainObject(current)) current = current[token];
    else current = undefined;
    if (current === undefined) throw notApplicable(`doc is missing path: "${pointer}"`);
  }
  if (!Array.isArray(current) && !isPlainObject(current)) throw notApplicable(`doc is missing path: "${pointer}"`);
  return { parent: current, key: tokens[tokens.length - 1] };
}

function getAt(doc: unknown, pointer: string): unknown {
  let current = doc;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(current)) current = current[Number(token)];
    else if (isPlainObject(current)) current = current[token];
    else return undefined;
  }
  return current;
}

function missing(pointer: string): never {
  throw notApplicable(`doc is missing path: "${pointer}"`);
}

function arrayIndex(parent: unknown[], key: string, forAdd: boolean, pointer: string): number {
  if (forAdd && key === '-') return parent.length;
  if (!/^(0|[1-9]\d*)$/.test(key)) missing(pointer);
  const index = Number(key);
  if (index > parent.length || (!forAdd && index === parent.length)) missing(pointer);
  return index;
}

/** Puts `value` at `pointer`; the value becomes part of the document, so the caller passes one it owns. */
function addAt(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, pointer), 0, value);
  else parent[key] = value;
  return doc;
}

function removeAt(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  const { parent, key } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false, pointer), 1);
  else {
    if (!Object.prototype.hasOwnProperty.call(parent, key)) missing(pointer);
    delete parent[key];
  }
  return doc;
}

/**
 * RFC 6902. The document is copied first: a failing operation leaves the original untouched. As in
 * kube-apiserver, a patch of more than MAX_JSON_PATCH_OPERATIONS operations is refused (413) and
 * `copy` operations may add at most JSON_PATCH_MAX_COPY_BYTES (422).
 */
export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest('the server rejected our request due to an error in our request: json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new StatusError('KAPI_ERR_REQUEST_TOO_LARGE', `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`);
  }
  let doc = deepClone(target);
  let copied = 0;
  for (const raw of patch as JsonPatchOperation[]) {
    if (!isPlainObject(raw) || typeof raw.path !== 'string') throw badRequest('the server rejected our request due to an error in our request: invalid JSON patch operation');
    switch (raw.op) {
      case 'add':
        // The patch's own value is cloned: a retried patch applies the same parsed operations again.
        doc = addAt(doc, raw.path, deepClone(raw.value));
        break;
      case 'remove':
        doc = removeAt(doc, raw.path);
        break;
      case 'replace':
        if (getAt(doc, raw.path) === undefined) missing(raw.path);
        doc = addAt(removeAt(doc, raw.path), raw.path, deepClone(raw.value));
        break;
      case 'move': {
        // The value leaves one place for another: no copy is made, so moves cannot grow anything.
        const value = getAt(doc, raw.from ?? '');
        if (value === undefined) missing(raw.from ?? '');
        doc = addAt(removeAt(doc, raw.from ?? ''), raw.path, value);
        break;
      }
      case 'copy': {
        const value = getAt(doc, raw.from ?? '');
        if (value === undefined) missing(raw.from ?? '');
        // Counted as kube counts it, by the JSON size of the copied value, before anything is copied.
        copied += jsonSize(value);
        if (copied > JSON_PATCH_MAX_COPY_BYTES) {
          throw notApplicable(`Unable to complete the copy, the accumulated size increase of copy is ${copied}, exceeding the limit ${JSON_PATCH_MAX_COPY_BYTES}`);
        }
        doc = addAt(doc, raw.path, deepClone(value));
        break;
      }
      case 'test':
        if (!deepEqual(getAt(doc, raw.path), raw.value)) {
          throw notApplicable(`testing value ${raw.path} failed: test failed`);
        }
        break;
      default:
        throw notApplicable(`Unexpected kind: ${String((raw as { op: unknown }).op)}`);
    }
  }
  return doc;
}

/** The length in bytes of a value's compact JSON, as Go's encoder writes it (it escapes <, > and & as \u003c…). */
function jsonSize(value: unknown): number {
  const text = JSON.stringify(value) ?? 'null';
  let escaped = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3c || c === 0x3e || c === 0x26) escaped += 5;
  }
  return Buffer.byteLength(text) + escaped;
}

export function applyPatch(type: string, target: unknown, patch: unknown, meta?: PatchMeta): unknown {
  switch (type) {
    case PatchType.json:
      return applyJsonPatch(target, patch);
    case PatchType.merge:
      return applyMergePatch(target, patch);
    case PatchType.strategic:
      return applyStrategicMergePatch(target, patch, meta);
    default:
      throw badRequest(`the patch type ${JSON.stringify(type)} is not supported`);
  }
}
