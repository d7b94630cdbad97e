// The strategy of a custom resource, built from its CustomResourceDefinition as apiextensions-apiserver
// builds one per served version: the names and scope the CRD accepted, the version's structural
// schema (@kapi/structural-schema's CustomResourceSchema) for decoding, pruning, defaulting (on writes
// and on every read from storage) and validation in kube's words, its status and scale subresources
// and its printer columns. Objects are stored as written under `/registry/<group>/<plural>/`.
//
// Every served version has a strategy of its own; objects are stored in the storage version and
// converted as kube's `None` conversion does (only apiVersion changes): on a read they are decoded and
// defaulted with the storage version's schema, then given the version asked for. A CRD whose
// conversion strategy is `Webhook` converts through its webhook instead (conversion.ts), where the
// strategies are built with a ConversionTransport (the registry and the watch cache, which read and
// write stored objects); elsewhere it is served as `None`.
import { deepEqual, validateSubdomainName, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { CUSTOM_RESOURCE_PATCH_TYPES, CustomResourceSchema, CustomResourceStructure, type JSONSchemaProps } from '@kapi/structural-schema';
import type { ScaleSubresource } from '../scale.js';
import { defineStrategy, objectMetaFields, type AsyncStorageConversion, type KindStrategy, type StorageConversion } from '../strategy.js';
import { convertThroughWebhook, type ConversionTransport, type CrdConversion } from './conversion.js';
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
    conversion?: CrdConversion;
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

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * kube's CompareKubeAwareVersionStrings, as a sort order (highest priority first): GA before beta
 * before alpha, higher numbers first, then versions that are not kube-like, by name.
 */
export function compareKubeVersions(a: string, b: string): number {
  const ma = KUBE_VERSION.exec(a);
  const mb = KUBE_VERSION.exec(b);
  if (!ma || !mb) return ma ? -1 : mb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  const stability = (m: RegExpExecArray) => (m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0);
  return stability(mb) - stability(ma) || Number(mb[1]) - Number(ma[1]) || Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}

/** The served versions of a CRD, highest priority first (the order discovery lists them in). */
export function servedVersions(crd: CustomResourceDefinition): CrdVersion[] {
  return (crd.spec?.versions ?? []).filter((v) => v.served && v.name).sort((a, b) => compareKubeVersions(a.name!, b.name!));
}

/** The version that stands for the CRD where one is enough (its stores' listing, cleanup): the storage version when served, else the preferred one. */
export function servedVersion(crd: CustomResourceDefinition): CrdVersion | undefined {
  const served = servedVersions(crd);
  return served.find((v) => v.storage) ?? served[0];
}

/** kube's warning for a deprecated version: its own, or one naming the best newer version served. */
function deprecationWarningOf(crd: CustomResourceDefinition, version: CrdVersion, kind: string): string {
  if (version.deprecationWarning) return version.deprecationWarning;
  const group = crd.spec?.group ?? '';
  const newer = servedVersions(crd).filter((v) => !v.deprecated && compareKubeVersions(v.name!, version.name!) < 0);
  return `${group}/${version.name} ${kind} is deprecated${newer.length ? `; use ${group}/${newer[0].name} ${kind}` : ''}`;
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
 * Storage in the storage version, with kube's `None` conversion: an object is written with the
 * storage version's apiVersion, and read back decoded and defaulted by the storage version's schema
 * (kube's decoder and defaulting on every read), then given the version asked for. The stored object
 * is shared (the watch cache hands one to every watcher), so the result is a copy, made once per
 * stored object.
 */
function storageConversion(storageSchema: CustomResourceSchema, apiVersion: string, storageApiVersion: string): StorageConversion {
  const read = new WeakMap<KubeObject, KubeObject>();
  return {
    toStorage: (obj) => (apiVersion === storageApiVersion ? obj : { ...obj, apiVersion: storageApiVersion }),
    fromStorage: (stored) => {
      let obj = read.get(stored);
      if (!obj) {
        obj = structuredClone(stored);
        storageSchema.decode(obj as Record<string, unknown>, { fromStorage: true });
        storageSchema.applyDefaults(obj as Record<string, unknown>);
        obj.apiVersion = apiVersion;
        read.set(stored, obj);
      }
      return obj;
    },
  };
}

/**
 * Storage in the storage version through the CRD's conversion webhook: a written object is sent to
 * the storage version; stored objects are decoded and defaulted by the storage version's schema,
 * sent to the version asked for (many in one review), then pruned and defaulted by its schema, as
 * kube's codec does after a conversion. A stored object is converted once (the watch cache shares
 * one stored object with every watcher).
 */
function webhookConversion(
  transport: ConversionTransport,
  conversion: CrdConversion,
  schema: CustomResourceSchema,
  storageSchema: CustomResourceSchema,
  apiVersion: string,
  storageApiVersion: string,
): AsyncStorageConversion {
  const read = new WeakMap<KubeObject, KubeObject>();
  return {
    toStorage: async (obj) => (await convertThroughWebhook(transport, conversion, [obj], storageApiVersion))[0],
    fromStorage: async (stored) => {
      const pending = stored.filter((s) => !read.has(s));
      const decoded = pending.map((s) => {
        const obj = structuredClone(s);
        storageSchema.decode(obj as Record<string, unknown>, { fromStorage: true });
        storageSchema.applyDefaults(obj as Record<string, unknown>);
        return obj;
      });
      const converted = await convertThroughWebhook(transport, conversion, decoded, apiVersion);
      pending.forEach((s, i) => {
        const obj = converted[i];
        if (obj !== decoded[i]) {
          schema.decode(obj as Record<string, unknown>, { fromStorage: true });
          schema.applyDefaults(obj as Record<string, unknown>);
        }
        read.set(s, obj);
      });
      return stored.map((s) => read.get(s)!);
    },
  };
}

/** What building a custom resource's strategies may use. */
export interface CustomResourceStrategyOptions {
  /** How conversion webhooks are called; without it a `Webhook` conversion is served as `None`. */
  conversionTransport?: ConversionTransport;
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

/** The strategy of one served version of a CRD (by default the one `servedVersion` names), or undefined when it serves none. */
export function customResourceStrategy(crd: CustomResourceDefinition, versionName?: string, options: CustomResourceStrategyOptions = {}): CustomResourceStrategy | undefined {
  const wanted = versionName ?? servedVersion(crd)?.name;
  return customResourceStrategies(crd, options).find((s) => s.info.version === wanted);
}

/** A version's schema, as its strategy validates with it. */
function versionSchema(crd: CustomResourceDefinition, version: CrdVersion, kind: string): CustomResourceSchema {
  const group = crd.spec?.group ?? '';
  const scale = version.subresources?.scale;
  return new CustomResourceSchema({
    kind: { group, version: version.name ?? '', kind, namespaced: crd.spec?.scope !== 'Cluster' },
    schema: version.schema?.openAPIV3Schema,
    preserveUnknownFields: crd.spec?.preserveUnknownFields === true,
    ...(scale
      ? {
          scale: {
            specReplicasPath: scale.specReplicasPath ?? '.spec.replicas',
            statusReplicasPath: scale.statusReplicasPath ?? '.status.replicas',
            labelSelectorPath: scale.labelSelectorPath,
          },
        }
      : {}),
  });
}

/** The strategies of every served version of a CRD, highest priority first; none when it has no names yet. */
export function customResourceStrategies(crd: CustomResourceDefinition, options: CustomResourceStrategyOptions = {}): CustomResourceStrategy[] {
  const names = { ...crd.spec?.names, ...crd.status?.acceptedNames };
  if (!names.plural || !names.kind) return [];
  const kind = names.kind;
  const stored = (crd.spec?.versions ?? []).find((v) => v.storage) ?? servedVersion(crd);
  if (!stored?.name) return [];
  const storageSchema = versionSchema(crd, stored, kind);
  const transport = crd.spec?.conversion?.strategy === 'Webhook' ? options.conversionTransport : undefined;
  return servedVersions(crd).map((version) =>
    versionStrategy(crd, version, version.name === stored.name ? storageSchema : versionSchema(crd, version, kind), storageSchema, stored.name!, transport),
  );
}

function versionStrategy(
  crd: CustomResourceDefinition,
  version: CrdVersion,
  schema: CustomResourceSchema,
  storageSchema: CustomResourceSchema,
  storageVersion: string,
  transport: ConversionTransport | undefined,
): CustomResourceStrategy {
  const group = crd.spec?.group ?? '';
  const names = { ...crd.spec?.names, ...crd.status?.acceptedNames } as Required<Pick<CrdNames, 'plural' | 'kind'>> & CrdNames;
  const namespaced = crd.spec?.scope !== 'Cluster';
  const hasStatus = !!version.subresources?.status;
  const scale = scaleOf(version);
  const asRecord = (obj: KubeObject) => obj as Record<string, unknown>;
  // The ratcheting warnings of the update being validated, for the engine to send.
  const updateWarnings = new WeakMap<KubeObject, string[]>();
  const base = defineStrategy(
    {
      group,
      version: version.name ?? '',
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
      customResource: true,
      // kube's key of a custom resource: /registry/<group>/<plural>/<namespace>/<name>.
      storagePrefix: `${group}/${names.plural}`,
      // kube's CRD discovery hashes the storage version with the spec's kind.
      storageVersion: { group, version: storageVersion, kind: crd.spec?.names?.kind ?? names.kind },
      ...(version.deprecated
        ? { deprecation: { since: '', warning: deprecationWarningOf(crd, version, names.kind) } }
        : {}),
    },
    {
      validateName: validateSubdomainName,
      tableColumns: printerColumns(version.additionalPrinterColumns),
      storageConversion: storageConversion(storageSchema, `${group}/${version.name}`, `${group}/${storageVersion}`),
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
  const apiVersion = `${group}/${version.name}`;
  const storageApiVersion = `${group}/${storageVersion}`;
  return {
    ...base,
    ...(transport
      ? { asyncStorageConversion: webhookConversion(transport, crd.spec!.conversion!, schema, storageSchema, apiVersion, storageApiVersion) }
      : {}),
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
