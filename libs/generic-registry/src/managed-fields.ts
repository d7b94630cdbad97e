// managedFields: which manager last set which fields. Every write records an `Update` entry for its
// field manager, with the set of fields the object holds, in the FieldsV1 form that server-side
// apply builds on. Lists are recorded as atomic until the schema catalogue supplies their merge keys.
import { apiVersionOf, isPlainObject, nowTimestamp, type KubeObject, type ManagedFieldsEntry } from '@kapi/api-machinery';

type FieldSet = Record<string, unknown>;

const SYSTEM_METADATA = new Set([
  'name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generateName',
]);

function fieldsOf(value: unknown): FieldSet {
  if (!isPlainObject(value)) return {};
  const set: FieldSet = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    set[`f:${k}`] = isPlainObject(v) && Object.keys(v).length > 0 ? fieldsOf(v) : {};
  }
  return set;
}

/** The fields of an object a manager owns by writing it, without those the server owns. */
export function fieldSetOf(obj: KubeObject, subresource: string): FieldSet {
  const set: FieldSet = {};
  if (subresource === 'status') {
    if (obj.status !== undefined) set['f:status'] = fieldsOf(obj.status);
    return set;
  }
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status' || v === undefined) continue;
    if (k === 'metadata') {
      const meta = Object.fromEntries(Object.entries(v as object).filter(([mk]) => !SYSTEM_METADATA.has(mk)));
      if (Object.keys(meta).length) set['f:metadata'] = fieldsOf(meta);
      continue;
    }
    set[`f:${k}`] = isPlainObject(v) && Object.keys(v).length > 0 ? fieldsOf(v) : {};
  }
  return set;
}

/** Records an Update by `manager`, replacing that manager's earlier Update entry for the same subresource. */
export function recordUpdate(obj: KubeObject, manager: string, subresource: string, gv: { group: string; version: string }, now = new Date()): void {
  const fields = fieldSetOf(obj, subresource);
  const others = (obj.metadata?.managedFields ?? []).filter(
    (e) => !(e.manager === manager && e.operation === 'Update' && (e.subresource ?? '') === subresource),
  );
  const entry: ManagedFieldsEntry = {
    manager,
    operation: 'Update',
    apiVersion: apiVersionOf(gv),
    time: nowTimestamp(now),
    fieldsType: 'FieldsV1',
    fieldsV1: fields,
  };
  if (subresource) entry.subresource = subresource;
  obj.metadata = { ...obj.metadata, managedFields: Object.keys(fields).length ? [...others, entry] : others };
}

/** kube's default field manager when a client names none: the User-Agent's program name. */
export function defaultFieldManager(userAgent: string | undefined): string {
  const name = (userAgent ?? '').split('/')[0].trim();
  return name.slice(0, 128) || 'unknown';
}
