// What admission needs of the catalogue to see one object through several APIs (kube's
// EquivalentResourceMapper, its scheme's converter and defaulter): resources that read and write
// the same stored objects are equivalent (core/v1 and events.k8s.io/v1 events, the served versions of
// a custom resource), an object converts
// between their kinds through the storage form, and a kind's defaults re-default an object that
// admission changed. The webhooks and policies libraries take these through small interfaces of
// their own, which these satisfy.
import { apiVersionOf, deepClone, parseApiVersion, type GroupVersionKind, type GroupVersionResource, type KubeObject } from '@kapi/api-machinery';
import type { KindCatalogue } from './catalogue.js';
import type { KindStrategy } from './strategy.js';

const storageOf = (s: KindStrategy) => s.info.storagePrefix ?? s.info.resource;
const gvrOf = (s: KindStrategy): GroupVersionResource => ({ group: s.info.group, version: s.info.version, resource: s.info.resource });

/** Whether `strategy` serves `subresource` ('' for the resource itself). */
const serves = (strategy: KindStrategy, subresource: string) => subresource === '' || strategy.info.subresources.includes(subresource);

function byResource(catalogue: KindCatalogue, resource: GroupVersionResource): KindStrategy | undefined {
  const strategy = catalogue.lookup(resource.group, resource.resource, resource.version);
  return strategy && strategy.info.version === resource.version ? strategy : undefined;
}

/** kube's EquivalentResourceMapper over the catalogue: resources stored together serve the same objects. */
export function equivalentResourceMapper(catalogue: KindCatalogue) {
  return {
    /** Every resource serving the same objects as `resource` (itself included) with the same subresource. */
    equivalentResourcesFor(resource: GroupVersionResource, subresource: string): GroupVersionResource[] {
      const own = byResource(catalogue, resource);
      if (!own) return [];
      return catalogue.all().filter((s) => storageOf(s) === storageOf(own) && serves(s, subresource)).map(gvrOf);
    },
    /**
     * The kind `resource` serves (its status the same kind); undefined for another subresource,
     * whose kind is its own (a Scale), which no two resources of the catalogue share storage with.
     */
    kindFor(resource: GroupVersionResource, subresource: string): GroupVersionKind | undefined {
      const strategy = byResource(catalogue, resource);
      if (!strategy || (subresource !== '' && subresource !== 'status') || !serves(strategy, subresource)) return undefined;
      return { group: strategy.info.group, version: strategy.info.version, kind: strategy.info.kind };
    },
  };
}

/** Go's runtime conversion error for kinds that do not convert into each other. */
const unknownConversion = (from: GroupVersionKind, to: GroupVersionKind) =>
  new Error(`converting (${apiVersionOf(from)}, Kind=${from.kind}) to (${apiVersionOf(to)}, Kind=${to.kind}): unknown conversion`);

/** The object in the storage form, through the kind's conversion webhook when it has one. */
async function toStorage(strategy: KindStrategy, object: KubeObject): Promise<KubeObject> {
  if (strategy.asyncStorageConversion) return strategy.asyncStorageConversion.toStorage(object);
  return strategy.storageConversion ? strategy.storageConversion.toStorage(object) : object;
}

/** A stored object as the kind serves it, through its conversion webhook when it has one. */
async function fromStorage(strategy: KindStrategy, stored: KubeObject): Promise<KubeObject> {
  if (strategy.asyncStorageConversion) return (await strategy.asyncStorageConversion.fromStorage([stored]))[0];
  return strategy.storageConversion ? strategy.storageConversion.fromStorage(stored) : stored;
}

/**
 * Converts an object between kinds stored together, through the stored form (kube's hub): a custom
 * resource whose CRD converts by `Webhook` goes through its webhook (to the storage version, then to
 * the version asked for).
 */
export function catalogueConverter(catalogue: KindCatalogue) {
  return {
    async convert(object: KubeObject, to: GroupVersionKind): Promise<KubeObject> {
      const from: GroupVersionKind = object.apiVersion && object.kind ? { ...parseApiVersion(object.apiVersion), kind: object.kind } : to;
      const source = catalogue.byKind(from);
      const target = catalogue.byKind(to);
      if (source === target && source) return object;
      if (!source || !target || storageOf(source) !== storageOf(target)) throw unknownConversion(from, to);
      const converted = await fromStorage(target, await toStorage(source, deepClone(object)));
      return { ...converted, apiVersion: apiVersionOf(to), kind: to.kind };
    },
  };
}

/** Applies a kind's defaults (its `defaults`: what decoding sets) to an object, in place, and returns it. */
export function catalogueDefaulter(catalogue: KindCatalogue) {
  return (object: KubeObject, kind: GroupVersionKind): KubeObject => {
    catalogue.byKind(kind)?.defaults?.(object);
    return object;
  };
}
