// apiextensions.k8s.io/v1 CustomResourceDefinition: storage and validation of the definition (the
// registry's CRD controller sets its NamesAccepted and Established conditions, and the resources it
// defines are served once it is established: ../customresource). The name is `<plural>.<group>`; exactly one version is the storage version,
// which status.storedVersions records from the first create; every version needs a schema in v1, and
// the schemas are checked as kube checks them (structural, defaults, CEL rules and their costs:
// @kapi/structural-schema), reported at spec.validation when all versions share one schema, as kube
// reports them.
import { ageColumn, deepEqual, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { validateCustomResourceDefinitionSchemas } from '@kapi/structural-schema';
import { validateReviewVersions, validateService, validateUrl } from '../admissionregistration/webhooks.js';
import { defineStrategy } from '../strategy.js';
import type { CrdNames, CrdVersion } from '../customresource/strategy.js';
import { specOf } from '../table-columns.js';

export interface CrdSpec {
  group?: string;
  names?: CrdNames;
  scope?: string;
  versions?: CrdVersion[];
  preserveUnknownFields?: boolean;
  conversion?: {
    strategy?: string;
    webhook?: {
      clientConfig?: { url?: string; service?: { namespace?: string; name?: string; path?: string; port?: number }; caBundle?: string };
      conversionReviewVersions?: string[];
    };
  };
}

/**
 * kube's ValidateCustomResourceConversion, at the internal version's paths (`webhookClientConfig`
 * and `conversionReviewVersions` right under spec.conversion), as kube reports them.
 */
function validateConversion(s: CrdSpec): FieldError[] {
  const conversion = s.conversion;
  const strategy = conversion?.strategy;
  if (strategy !== undefined && !CONVERSION_STRATEGIES.includes(strategy)) return [field.notSupported('spec.conversion.strategy', strategy, CONVERSION_STRATEGIES)];
  const at = 'spec.conversion';
  const webhook = conversion?.webhook;
  const errs: FieldError[] = [];
  if (strategy === 'Webhook') {
    const cc = webhook?.clientConfig;
    if (!cc) errs.push(field.required(`${at}.webhookClientConfig`, 'required when strategy is set to Webhook'));
    else if ((cc.url === undefined) === (cc.service === undefined)) errs.push(field.required(`${at}.webhookClientConfig`, 'exactly one of url or service is required'));
    else if (cc.url !== undefined) errs.push(...validateUrl(`${at}.webhookClientConfig.url`, cc.url));
    else errs.push(...validateService(`${at}.webhookClientConfig.service`, cc.service!));
    errs.push(...validateReviewVersions(`${at}.conversionReviewVersions`, webhook?.conversionReviewVersions, ''));
    if (s.preserveUnknownFields) errs.push(field.invalid(`${at}.strategy`, strategy, 'must be None if spec.preserveUnknownFields is true'));
  } else {
    if (webhook?.clientConfig) errs.push(field.forbidden(`${at}.webhookClientConfig`, 'should not be set when strategy is not set to Webhook'));
    if (webhook?.conversionReviewVersions?.length) errs.push(field.forbidden(`${at}.conversionReviewVersions`, 'should not be set when strategy is not set to Webhook'));
  }
  return errs;
}

const SCOPES = ['Cluster', 'Namespaced'];
const CONVERSION_STRATEGIES = ['None', 'Webhook'];
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

const spec = (obj: KubeObject) => (obj.spec ?? {}) as CrdSpec;

/** apiextensions/v1 defaults: singular and listKind from the kind, conversion None. */
function applyDefaults(obj: KubeObject): void {
  const s = specOf<CrdSpec>(obj);
  const names = (s.names ??= {});
  if (!names.singular && names.kind) names.singular = names.kind.toLowerCase();
  if (!names.listKind && names.kind) names.listKind = `${names.kind}List`;
  s.conversion ??= { strategy: 'None' };
  const service = s.conversion.webhook?.clientConfig?.service;
  if (service) service.port ??= 443;
}

function dns1035(path: string, value: string): FieldError[] {
  return DNS1035_LABEL.test(value) && value.length <= 63 ? [] : [field.invalid(path, value, DNS1035_MESSAGE)];
}

function validateNames(n: CrdNames): FieldError[] {
  const errs: FieldError[] = [];
  if (!n.plural) errs.push(field.required('spec.names.plural'));
  else errs.push(...dns1035('spec.names.plural', n.plural));
  if (n.singular) errs.push(...dns1035('spec.names.singular', n.singular));
  if (!n.kind) errs.push(field.required('spec.names.kind'));
  else errs.push(...dns1035('spec.names.kind', n.kind.toLowerCase()));
  if (!n.listKind) errs.push(field.required('spec.names.listKind'));
  else if (n.listKind === n.kind) errs.push(field.invalid('spec.names.listKind', n.listKind, 'kind and listKind may not be the same'));
  return errs;
}

function validateVersions(versions: CrdVersion[]): FieldError[] {
  const errs: FieldError[] = [];
  if (!versions.length) errs.push(field.required('spec.versions', 'must have exactly one version marked as storage version'));
  const names = new Set<string>();
  let unique = true;
  versions.forEach((v, i) => {
    const at = `spec.versions[${i}]`;
    const name = v?.name ?? '';
    if (names.has(name)) unique = false;
    names.add(name);
    errs.push(...dns1035(`${at}.name`, name));
    if (!v?.schema?.openAPIV3Schema) errs.push(field.required(`${at}.schema.openAPIV3Schema`, 'schemas are required'));
  });
  errs.push(...validateCustomResourceDefinitionSchemas({ versions: versions.filter((v) => v && typeof v === 'object') }));
  if (!unique) errs.push(field.invalid('spec.versions', versions, 'must contain unique version names'));
  if (versions.length && versions.filter((v) => v?.storage === true).length !== 1) {
    errs.push(field.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  }
  return errs;
}

function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs: FieldError[] = [];
  const name = obj.metadata?.name ?? '';
  if (name && name !== `${s.names?.plural ?? ''}.${s.group ?? ''}`) errs.push(field.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  if (!s.group) errs.push(field.required('spec.group'));
  else {
    const groupErrs = isDns1123Subdomain(s.group);
    if (groupErrs.length) errs.push(field.invalid('spec.group', s.group, groupErrs.join(',')));
    if (s.group.split('.').length < 2) errs.push(field.invalid('spec.group', s.group, 'should be a domain with at least one dot'));
  }
  if (!s.scope) errs.push(field.required('spec.scope'));
  else if (!SCOPES.includes(s.scope)) errs.push(field.notSupported('spec.scope', s.scope, SCOPES));
  errs.push(...validateNames(s.names ?? {}));
  errs.push(...validateVersions(Array.isArray(s.versions) ? s.versions : []));
  errs.push(...validateConversion(s));
  return errs;
}

/** The finalizer kube adds to a CRD being deleted, until its custom resources are gone. */
export const CUSTOM_RESOURCE_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

const storageVersion = (obj: KubeObject) => spec(obj).versions?.find((v) => v?.storage)?.name;

export const customResourceDefinitionStrategy = defineStrategy(
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    resource: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    // kube-apiserver v1.34 still names v1beta1 as CRDs' storage version (its storageVersionHash).
    storageVersion: { group: 'apiextensions.k8s.io', version: 'v1beta1', kind: 'CustomResourceDefinition' },
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    subresources: ['status'],
    tracksGeneration: true,
    storagePrefix: 'apiextensions.k8s.io/customresourcedefinitions',
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      { name: 'Created At', type: 'date', format: '', description: ageColumn.description, priority: 0, cell: (obj) => obj.metadata?.creationTimestamp ?? '' },
    ],
    defaults: applyDefaults,
    prepareForCreate(obj) {
      const stored = storageVersion(obj);
      obj.status = { acceptedNames: { plural: '', kind: '' }, storedVersions: stored ? [stored] : [] };
    },
    prepareForUpdate(obj, old) {
      // A new storage version joins the stored versions, as kube's strategy records it.
      const stored = storageVersion(obj);
      const status = (obj.status ?? old.status ?? {}) as { storedVersions?: string[] };
      if (stored && !(status.storedVersions ?? []).includes(stored)) obj.status = { ...status, storedVersions: [...(status.storedVersions ?? []), stored] };
    },
    // kube's CRD storage: the first delete marks the CRD and adds the cleanup finalizer, which the
    // registry's CRD controller removes once every custom resource of it is gone.
    finalizesOnDelete: (obj) => !obj.metadata?.deletionTimestamp,
    prepareForDelete(obj) {
      const finalizers = obj.metadata?.finalizers ?? [];
      if (!finalizers.includes(CUSTOM_RESOURCE_CLEANUP_FINALIZER)) obj.metadata = { ...obj.metadata, finalizers: [...finalizers, CUSTOM_RESOURCE_CLEANUP_FINALIZER] };
    },
    validate,
    validateUpdate(obj, old) {
      const errs: FieldError[] = [];
      if (spec(old).scope && !deepEqual(spec(obj).scope, spec(old).scope)) errs.push(field.invalid('spec.scope', spec(obj).scope ?? null, 'field is immutable'));
      return errs;
    },
  },
);
