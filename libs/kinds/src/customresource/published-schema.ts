// A custom resource's kind as apiextensions-apiserver publishes it in its OpenAPI documents: the
// version's openAPIV3Schema with apiVersion, kind and ObjectMeta added, its group/version/kind and
// selectable fields as extensions. The OpenAPI documents serve it, and the admission policies' type
// checking reads it, as kube-controller-manager's reads the published v3 document.
import type { ResourceInfo } from '../strategy.js';
import { customResourceSchemaForOpenApi } from './openapi-schema.js';

type Schema = Record<string, unknown> & { properties?: Record<string, unknown> };

/** The definition names the published schemas refer to (bare, as the schema catalogue names them). */
export const OBJECT_META_DEFINITION = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
export const LIST_META_DEFINITION = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';

/** apiVersion and kind, as kube's published schemas describe them. */
export const TYPE_META_PROPERTIES = {
  apiVersion: {
    description:
      'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
    type: 'string',
  },
  kind: {
    description:
      'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
    type: 'string',
  },
};

/** The `x-kubernetes-selectable-fields` extension of a kind and its list, when it has selectable fields. */
export function selectableFieldsExtension(selectableFieldPaths: readonly string[]): { 'x-kubernetes-selectable-fields'?: { fieldPath: string }[] } {
  return selectableFieldPaths.length ? { 'x-kubernetes-selectable-fields': selectableFieldPaths.map((fieldPath) => ({ fieldPath })) } : {};
}

/**
 * The published schema of a custom resource's kind (`io.kapi.demo.v1.Widget` in the v3 document; in
 * v2 with what v2 cannot say taken out, a bare object when the schema keeps unknown fields at its root).
 */
export function publishedKindSchema(info: ResourceInfo, openApiSchema: Schema | undefined, selectableFieldPaths: readonly string[], v2 = false): Schema {
  const own = customResourceSchemaForOpenApi(openApiSchema, v2) as Schema | undefined;
  const extensions = {
    'x-kubernetes-group-version-kind': [{ group: info.group, kind: info.kind, version: info.version }],
    ...selectableFieldsExtension(selectableFieldPaths),
  };
  // Without a schema to publish, a bare object: named properties would make kubectl refuse all others.
  if (!own) return { type: 'object', ...extensions };
  // kube's apiVersion, kind and metadata win over the CRD's own; properties in key order, as kube's Go maps print.
  const properties = {
    ...own.properties,
    ...TYPE_META_PROPERTIES,
    metadata: { description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata", $ref: OBJECT_META_DEFINITION },
  };
  return {
    ...own,
    type: 'object',
    properties: Object.fromEntries(Object.entries(properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    ...extensions,
  };
}
