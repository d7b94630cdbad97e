// The strategy of a custom resource, built from its CustomResourceDefinition as apiextensions-apiserver
// builds one per served version: the names and scope the CRD accepted, the version's structural
// schema (@kapi/structural-schema's CustomResourceSchema) for decoding, pruning, defaulting (on writes
// and on every read from storage) and validation in kube's words, its status and scale subresources
// and its printer columns. Objects are stored as written under `/registry/<group>/<plural>/`.
//
// One version is served per CRD: the storage version when it is served, else the first served one
// (several versions need conversion, which kapi does not do yet).
import { deepEqual, validateSubdomainName, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { CUSTOM_RESOURCE_PATCH_TYPES, CustomResourceSchema, CustomResourceStructure, type JSONSchemaProps } from '@kapi/structural-schema';
import type { ScaleSubresource } from '../scale.js';
import { defineStrategy, objectMetaFields, type KindStrategy, type StorageConversion } from '../strategy.js';
import { printerColumns, type PrinterColumn } from './printer-columns.js';
import { evaluateJsonPath, parseJsonPath } from './json-path.js';

export interface CrdNames {
  plural?: string;
  singular?: string;
  shortNames?: string[];
  kind?: string;
  listKind?: string;
  categories?: string[];
}

export interface CrdVersion {
  name?: string;
  served?: boolean;
  storage?: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: { status?: object; scale?: { specReplicasPath?: string; statusReplicasPath?: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: PrinterColumn[];
  selectableFields?: { jsonPath?: string }[];
}

export interface CrdCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface CustomResourceDefinition extends KubeObject {
  spec?: {
    group?: string;
    names?: CrdNames;
    scope?: string;
    versions?: CrdVersion[];
    preserveUnknownFields?: boolean;
  };
  status?: {
    conditions?: CrdCondition[];
    acceptedNames?: CrdNames;
    storedVersions?: string[];
  };
}

/** The condition of a type, if the CRD has it. */
export function crdCondition(crd: CustomResourceDefinition, type: string): CrdCondition | undefined {
  return crd.status?.conditions?.find((c) => c.type === type);
}

/** Whether the CRD's resources are served: kube serves a CRD once its Established condition is True. */
export function isEstablished(crd: CustomResourceDefinition): boolean {
  return crdCondition(crd, 'Established')?.status === 'True';
}

/** The version kapi serves of a CRD. */
export function servedVersion(crd: CustomResourceDefinition): CrdVersion | undefined {
  const served = (crd.spec?.versions ?? []).filter((v) => v.served);
  return served.find((v) => v.storage) ?? served[0];
}

/** The verbs of a custom resource, in the order kube's discovery lists them. */
const CUSTOM_RESOURCE_VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];

/** `.spec.replicas` → ['spec', 'replicas']. */
const fieldsOf = (jsonPath: string) => jsonPath.replace(/^\./, '').split('.');

function scaleOf(version: CrdVersion): ScaleSubresource | undefined {
  const scale = version.subresources?.scale;
  if (!scale) return undefined;
  const selectorPath = scale.labelSelectorPath ? parseJsonPath(scale.labelSelectorPath) : undefined;
  return {
    specReplicasPath: fieldsOf(scale.specReplicasPath ?? '.spec.replicas'),
    statusReplicasPath: fieldsOf(scale.statusReplicasPath ?? '.status.replicas'),
    selector: (obj) => {
      const found = selectorPath ? evaluateJsonPath(selectorPath, obj)[0] : undefined;
      return typeof found === 'string' ? found : '';
    },
  };
}

/**
 * The fields a field selector may use: metadata's, and the version's selectableFields (`.spec.mode`
 * selects as `spec.mode`), their values as strings (a missing one is empty).
 */
function selectableFieldsOf(version: CrdVersion, namespaced: boolean): KindStrategy['selectableFields'] {
  const fields = (version.selectableFields ?? []).flatMap((f) => {
    const steps = f.jsonPath ? parseJsonPath(f.jsonPath) : undefined;
    return steps && f.jsonPath ? [{ label: f.jsonPath.replace(/^\./, ''), steps }] : [];
  });
  return (obj) => {
    const out = objectMetaFields(obj, namespaced);
    for (const { label, steps } of fields) {
      const value = evaluateJsonPath(steps, obj)[0];
      out[label] = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
    }
    return out;
  };
}

/**
 * What the schema decodes and defaults on the way out of storage (kube's decoder and defaulting on
 * every read). The stored object is shared (the watch cache hands one to every watcher), so the
 * result is a copy, made once per stored object.
 */
function readConversion(schema: CustomResourceSchema): StorageConversion {
  const read = new WeakMap<KubeObject, KubeObject>();
  return {
    toStorage: (obj) => obj,
    fromStorage: (stored) => {
      let obj = read.get(stored);
      if (!obj) {
        obj = structuredClone(stored);
        schema.decode(obj as Record<string, unknown>, { fromStorage: true });
        schema.applyDefaults(obj as Record<string, unknown>);
        read.set(stored, obj);
      }
      return obj;
    },
  };
}

/** A custom resource's strategy, with the schema it was built from for what else needs it (apply's structure, the front door's decoding). */
export interface CustomResourceStrategy extends KindStrategy {
  readonly schema: CustomResourceSchema;
  /** The version's openAPIV3Schema as the CRD declares it, for the OpenAPI documents. */
  readonly openApiSchema?: JSONSchemaProps;
  /** The version's selectableFields, as field paths (`spec.mode`). */
  readonly selectableFieldPaths: string[];
  /** Server-side apply's view of the schema: list types, map keys, map types. */
  readonly structure: CustomResourceStructure;
  /** The CRD's name and the resourceVersion the strategy was built from. */
  readonly definition: { name: string; resourceVersion: string };
  /** Whether the CRD is being deleted (its Terminating condition is True): its resources take no new objects. */
  readonly terminating: boolean;
}

export function isCustomResourceStrategy(strategy: KindStrategy | undefined): strategy is CustomResourceStrategy {
  return !!strategy && 'definition' in strategy && 'schema' in strategy;
}

/** The strategy of the CRD's served version, or undefined when it serves none. */
export function customResourceStrategy(crd: CustomResourceDefinition): CustomResourceStrategy | undefined {
  const version = servedVersion(crd);
  const group = crd.spec?.group ?? '';
  const names = { ...crd.spec?.names, ...crd.status?.acceptedNames };
  if (!version?.name || !names.plural || !names.kind) return undefined;
  const namespaced = crd.spec?.scope !== 'Cluster';
  const hasStatus = !!version.subresources?.status;
  const scale = scaleOf(version);
  const schema = new CustomResourceSchema({
    kind: { group, version: version.name, kind: names.kind, namespaced },
    schema: version.schema?.openAPIV3Schema,
    preserveUnknownFields: crd.spec?.preserveUnknownFields === true,
    ...(version.subresources?.scale
      ? {
          scale: {
            specReplicasPath: version.subresources.scale.specReplicasPath ?? '.spec.replicas',
            statusReplicasPath: version.subresources.scale.statusReplicasPath ?? '.status.replicas',
            labelSelectorPath: version.subresources.scale.labelSelectorPath,
          },
        }
      : {}),
  });
  const asRecord = (obj: KubeObject) => obj as Record<string, unknown>;
  // The ratcheting warnings of the update being validated, for the engine to send.
  const updateWarnings = new WeakMap<KubeObject, string[]>();
  const base = defineStrategy(
    {
      group,
      version: version.name,
      resource: names.plural,
      kind: names.kind,
      listKind: names.listKind || `${names.kind}List`,
      singularName: names.singular || names.kind.toLowerCase(),
      namespaced,
      shortNames: names.shortNames ?? [],
      categories: names.categories ?? [],
      verbs: CUSTOM_RESOURCE_VERBS,
      subresources: [...(hasStatus ? ['status'] : []), ...(scale ? ['scale'] : [])],
      tracksGeneration: true,
      // kube's key of a custom resource: /registry/<group>/<plural>/<namespace>/<name>.
      storagePrefix: `${group}/${names.plural}`,
      ...(version.deprecated
        ? { deprecation: { since: '', warning: version.deprecationWarning || `${group}/${version.name} ${names.kind} is deprecated` } }
        : {}),
    },
    {
      validateName: validateSubdomainName,
      tableColumns: printerColumns(version.additionalPrinterColumns),
      storageConversion: readConversion(schema),
      scale,
      // kube's decoder on a request: unknown fields pruned, then the schema's defaults.
      defaults: (obj) => {
        schema.decode(asRecord(obj));
        schema.applyDefaults(asRecord(obj));
      },
      // Only the status subresource writes the status, when the version has one.
      prepareForCreate: (obj) => {
        if (hasStatus) delete obj.status;
      },
      prepareForUpdate: (obj, old) => {
        if (hasStatus) {
          if (old.status !== undefined) obj.status = old.status;
          else delete obj.status;
        } else if (!deepEqual(obj.status, old.status)) {
          // Without a status subresource every change but metadata's is a new generation.
          obj.metadata = { ...obj.metadata, generation: (old.metadata?.generation ?? 0) + 1 };
        }
      },
      validate: (obj) => schema.validate(asRecord(obj)),
      validateUpdate: (obj, old) => {
        const result = schema.validateUpdate(asRecord(obj), asRecord(old));
        updateWarnings.set(obj, result.warnings);
        return result.errors;
      },
      selectableFields: selectableFieldsOf(version, namespaced),
      subresourceUpdates: hasStatus
        ? {
            status: {
              // kube's status strategy: the stored object with the client's status (or none).
              prepareForUpdate: (obj, old) => {
                const next = structuredClone(old);
                next.metadata = { ...old.metadata, managedFields: obj.metadata?.managedFields };
                if (obj.status !== undefined) next.status = obj.status;
                else delete next.status;
                return next;
              },
              validateUpdate: (obj, old) => {
                const result = schema.validateStatusUpdate(asRecord(obj), asRecord(old));
                updateWarnings.set(obj, result.warnings);
                return result.errors;
              },
            },
          }
        : undefined,
    },
  );
  return {
    ...base,
    schema,
    structure: new CustomResourceStructure(schema.structural),
    openApiSchema: version.schema?.openAPIV3Schema,
    selectableFieldPaths: (version.selectableFields ?? []).flatMap((f) => (f.jsonPath ? [f.jsonPath.replace(/^\./, '')] : [])),
    definition: { name: crd.metadata?.name ?? '', resourceVersion: crd.metadata?.resourceVersion ?? '' },
    terminating: crdCondition(crd, 'Terminating')?.status === 'True',
    validatesObjectMeta: true,
    patchTypes: CUSTOM_RESOURCE_PATCH_TYPES,
    invalid: (obj: KubeObject, errors: FieldError[]) => schema.invalid(asRecord(obj), errors),
    warnings: (obj: KubeObject, old?: KubeObject) => [...(updateWarnings.get(obj) ?? []), ...schema.warnings(asRecord(obj), old && asRecord(old))],
  };
}
