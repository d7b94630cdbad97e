// The versions a webhook sees. A rule for `apps/v1 deployments` with `matchPolicy: Equivalent` also
// catches the same objects requested through another group or version (kube's
// EquivalentResourceMapper); the webhook then gets the object converted to the version its rule
// names, and a mutating webhook's result is converted back. What is equivalent to what, how objects
// convert and how they are defaulted come from the kinds catalogue, injected through these interfaces.
import { apiVersionOf, parseApiVersion, type GroupVersionKind, type GroupVersionResource, type KubeObject } from '@kapi/api-machinery';

export interface EquivalentResourceMapper {
  /** Every resource that serves the same objects as `resource` (itself included or not). */
  equivalentResourcesFor(resource: GroupVersionResource, subresource: string): readonly GroupVersionResource[];
  /** The kind `resource` (with `subresource`) serves; undefined when unknown. */
  kindFor(resource: GroupVersionResource, subresource: string): GroupVersionKind | undefined;
}

export interface ObjectConverter {
  /** The object as `to` represents it; throws when it cannot be converted. */
  convert(object: KubeObject, to: GroupVersionKind): KubeObject | Promise<KubeObject>;
}

/** Applies a kind's defaults to an object a webhook patched, as kube re-defaults the patched object. */
export type ObjectDefaulter = (object: KubeObject, kind: GroupVersionKind) => KubeObject | void | Promise<KubeObject | void>;

export const sameKind = (a: GroupVersionKind, b: GroupVersionKind) => a.group === b.group && a.version === b.version && a.kind === b.kind;
export const sameResource = (a: GroupVersionResource, b: GroupVersionResource) => a.group === b.group && a.version === b.version && a.resource === b.resource;

/** The object's own kind, or `fallback` where it names none. */
export function kindOf(object: KubeObject, fallback: GroupVersionKind): GroupVersionKind {
  if (!object.apiVersion || !object.kind) return fallback;
  return { ...parseApiVersion(object.apiVersion), kind: object.kind };
}

/**
 * Without a catalogue's converter only versions of one group and kind convert, by their apiVersion:
 * what kube does for custom resources whose versions share a schema (conversion strategy None).
 */
export const apiVersionConverter: ObjectConverter = {
  convert(object, to) {
    const from = kindOf(object, to);
    if (from.group !== to.group || from.kind !== to.kind) {
      throw new Error(`converting (${apiVersionOf(from)}, Kind=${from.kind}) to (${apiVersionOf(to)}, Kind=${to.kind}): unknown conversion`);
    }
    return { ...object, apiVersion: apiVersionOf(to), kind: to.kind };
  },
};

/** Converts `object` to `to` unless it already is that kind. */
export async function convertTo(converter: ObjectConverter, object: KubeObject | undefined, current: GroupVersionKind, to: GroupVersionKind): Promise<KubeObject | undefined> {
  if (object === undefined || sameKind(current, to)) return object;
  return converter.convert(object, to);
}
