// How a CRD version's structural schema appears in the OpenAPI documents, as apiextensions-apiserver
// publishes it. Both versions unfold `x-kubernetes-int-or-string` into its anyOf and give embedded
// resources their apiVersion, kind and metadata. OpenAPI v2 says less, because kubectl's v2 validation
// would refuse what the schema allows: it has no junctors (allOf, anyOf, oneOf, not) and no defaults;
// a nullable field or one that keeps unknown fields loses its type and its nested schemas; a root that
// keeps unknown fields is published as a bare object.
type Schema = Record<string, unknown>;

const OBJECT_META_REF = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const OBJECT_META_DESCRIPTION = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const EMBEDDED_TYPE_META = {
  apiVersion: {
    description: 'apiVersion defines the versioned schema of this representation of an object. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
    type: 'string',
  },
  kind: {
    description: 'kind is a string value representing the type of this object. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
    type: 'string',
  },
};

interface Node {
  [keyword: string]: unknown;
  type?: string;
  nullable?: boolean;
  properties?: Record<string, Node>;
  items?: Node;
  additionalProperties?: Node | boolean;
  required?: string[];
  anyOf?: Node[];
  allOf?: Node[];
}

const INT_OR_STRING_ANY_OF: Node[] = [{ type: 'integer' }, { type: 'string' }];
const JUNCTORS = ['allOf', 'anyOf', 'oneOf', 'not'];

const isObject = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIntOrStringAnyOf = (anyOf: unknown) => JSON.stringify(anyOf) === JSON.stringify(INT_OR_STRING_ANY_OF);

/** The schema with `f` applied to every node of it, children first (properties, items, additionalProperties). */
function mapNodes(schema: Node, f: (node: Node) => Node): Node {
  const out: Node = { ...schema };
  if (isObject(schema.properties)) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, mapNodes(v, f)]));
  if (isObject(schema.items)) out.items = mapNodes(schema.items, f);
  if (isObject(schema.additionalProperties)) out.additionalProperties = mapNodes(schema.additionalProperties, f);
  return f(out);
}

/** kube's Unfold: an int-or-string field says so with anyOf (or a first allOf, when it has an anyOf of its own). */
function unfoldIntOrString(node: Node): Node {
  if (node['x-kubernetes-int-or-string'] !== true) return node;
  if (isIntOrStringAnyOf(node.anyOf) || (Array.isArray(node.allOf) && isIntOrStringAnyOf(node.allOf[0]?.anyOf))) return node;
  if (!node.anyOf) return { ...node, anyOf: INT_OR_STRING_ANY_OF };
  return { ...node, allOf: [{ anyOf: INT_OR_STRING_ANY_OF }, ...(node.allOf ?? [])] };
}

/** An embedded resource's type and object meta, required kind and apiVersion (not in v2 when it keeps unknown fields). */
function withEmbeddedResourceMeta(node: Node, v2: boolean): Node {
  if (node['x-kubernetes-embedded-resource'] !== true) return node;
  if (v2 && node['x-kubernetes-preserve-unknown-fields'] === true) return node;
  const required = [...(node.required ?? [])];
  for (const name of ['kind', 'apiVersion']) if (!required.includes(name)) required.push(name);
  return {
    ...node,
    required,
    properties: Object.fromEntries(
      Object.entries({ ...node.properties, ...EMBEDDED_TYPE_META, metadata: { description: OBJECT_META_DESCRIPTION, $ref: OBJECT_META_REF } }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ),
  };
}

/** kube's ToStructuralOpenAPIV2 for one node, with defaults pruned as the v2 document prunes them. */
function toV2Node(original: Node): Node {
  const node: Node = { ...original };
  for (const key of [...JUNCTORS, 'default']) delete node[key];
  if (node.nullable === true) {
    // kubectl's v2 validation breaks on typed or nested schemas of a value that may be null.
    delete node.type;
    delete node.nullable;
    delete node.items;
    delete node.properties;
  }
  if (node['x-kubernetes-preserve-unknown-fields'] === true) {
    delete node.items;
    delete node.properties;
  }
  if (node.type === 'array' && !node.items) delete node.type;
  if (node['x-kubernetes-preserve-unknown-fields'] === true && node.type === 'object') delete node.type;
  // A field that may be null may be left out, so it is not required in v2.
  if (node.required && isObject(original.properties)) {
    const properties = original.properties;
    const required = node.required.filter((name) => properties[name]?.nullable !== true);
    if (required.length) node.required = required;
    else delete node.required;
  }
  if (isObject(original.additionalProperties) && original.additionalProperties.nullable === true) delete node.required;
  return node;
}

/**
 * A CRD version's schema as its kind's definition starts in the document (the caller adds apiVersion,
 * kind, metadata and the group/version/kind). Undefined when v2 publishes a bare object, which it does
 * for a schema that keeps unknown fields at its root: kubectl would otherwise refuse every field the
 * schema does not name.
 */
export function customResourceSchemaForOpenApi(schema: Record<string, unknown> | undefined, v2: boolean): Schema | undefined {
  if (!schema) return undefined;
  let node = mapNodes(schema, unfoldIntOrString);
  if (v2) {
    if (node['x-kubernetes-preserve-unknown-fields'] === true) return undefined;
    // Every node is converted from its own original: the parent's rules look at its children before theirs ran.
    node = convertV2(node);
  }
  return mapNodes(node, (n) => withEmbeddedResourceMeta(n, v2)) as Schema;
}

function convertV2(node: Node): Node {
  const converted = toV2Node(node);
  if (isObject(converted.properties)) converted.properties = Object.fromEntries(Object.entries(converted.properties).map(([k, v]) => [k, convertV2(v)]));
  if (isObject(converted.items)) converted.items = convertV2(converted.items);
  if (isObject(converted.additionalProperties)) converted.additionalProperties = convertV2(converted.additionalProperties);
  return converted;
}
