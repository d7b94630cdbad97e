// The patch formats of PATCH requests. Strategic merge patch needs each list's merge key from the
// schema; until the schema catalogue supplies them, lists are replaced as in a JSON merge patch and
// the map-level directives are honoured.
import { badRequest, StatusError } from './errors.js';

/**
 * A JSON patch that is well formed but cannot be applied to the object. kube-apiserver answers 422
 * Invalid with a generic message and no causes (the detail stays on the server), so kubectl prints
 * only "The request is invalid"; the detail is kept as the error's cause, for the log.
 */
function notApplicable(detail: string): StatusError {
  return new StatusError('KAPI_ERR_OBJECT_INVALID', 'the server rejected our request due to an error in our request', {}, { cause: new Error(detail) });
}
import { deepClone, deepEqual, isPlainObject } from './object.js';

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

export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
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
    if (key.startsWith('$deleteFromPrimitiveList/')) continue;
    if (value === null) {
      delete result[key];
      continue;
    }
    const merged = applyStrategicMergePatch(result[key], value);
    if (merged === undefined) delete result[key];
    else result[key] = merged;
  }
  for (const [key, value] of Object.entries(patch)) {
    const m = key.match(/^\$deleteFromPrimitiveList\/(.+)$/);
    if (m && Array.isArray(result[m[1]]) && Array.isArray(value)) {
      result[m[1]] = (result[m[1]] as unknown[]).filter((item) => !value.some((v) => deepEqual(v, item)));
    }
  }
  if (retainKeys) {
    for (const key of Object.keys(result)) if (!retainKeys.includes(key)) delete result[key];
  }
  return result;
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

function addAt(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return deepClone(value);
  const { parent, key } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, pointer), 0, deepClone(value));
  else parent[key] = deepClone(value);
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

/** RFC 6902. The document is copied first: a failing operation leaves the original untouched. */
export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest('the server rejected our request due to an error in our request: json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = deepClone(target);
  for (const raw of patch as JsonPatchOperation[]) {
    if (!isPlainObject(raw) || typeof raw.path !== 'string') throw badRequest('the server rejected our request due to an error in our request: invalid JSON patch operation');
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, raw.path, raw.value);
        break;
      case 'remove':
        doc = removeAt(doc, raw.path);
        break;
      case 'replace':
        if (getAt(doc, raw.path) === undefined) missing(raw.path);
        doc = addAt(removeAt(doc, raw.path), raw.path, raw.value);
        break;
      case 'move': {
        const value = getAt(doc, raw.from ?? '');
        if (value === undefined) missing(raw.from ?? '');
        doc = addAt(removeAt(doc, raw.from ?? ''), raw.path, value);
        break;
      }
      case 'copy': {
        const value = getAt(doc, raw.from ?? '');
        if (value === undefined) missing(raw.from ?? '');
        doc = addAt(doc, raw.path, value);
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

export function applyPatch(type: string, target: unknown, patch: unknown): unknown {
  switch (type) {
    case PatchType.json:
      return applyJsonPatch(target, patch);
    case PatchType.merge:
      return applyMergePatch(target, patch);
    case PatchType.strategic:
      return applyStrategicMergePatch(target, patch);
    default:
      throw badRequest(`the patch type ${JSON.stringify(type)} is not supported`);
  }
}
