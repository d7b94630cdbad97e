// storage.k8s.io/v1 StorageClass: how volumes of a class are provisioned. kube defaults reclaimPolicy
// to Delete and volumeBindingMode to Immediate; provisioner, parameters, reclaimPolicy and
// volumeBindingMode never change. The default class is marked "(default)" in `kubectl get sc`.
import { ageColumn, deepEqual, field, isDns1123Subdomain, isQualifiedName, nameColumn, type FieldError, type KubeObject, type TableColumn } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';

export const DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

const RECLAIM_POLICIES = ['Delete', 'Retain'];
const VOLUME_BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

interface TopologySelectorTerm {
  matchLabelExpressions?: { key?: string; values?: string[] }[];
}

interface StorageClassFields {
  provisioner?: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: string;
  mountOptions?: string[];
  allowVolumeExpansion?: boolean;
  volumeBindingMode?: string;
  allowedTopologies?: TopologySelectorTerm[];
}

const sc = (obj: KubeObject) => obj as KubeObject & StorageClassFields;

export function isDefaultStorageClass(obj: KubeObject): boolean {
  const annotations = obj.metadata?.annotations ?? {};
  return annotations[DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true' || annotations[BETA_DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true';
}

function validateParameters(params: Record<string, string> | undefined): FieldError[] {
  const entries = Object.entries(params ?? {});
  if (entries.length > MAX_PARAMETERS) return [field.tooLong('parameters', MAX_PARAMETERS)];
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of entries) {
    if (k.length < 1) errs.push(field.invalid('parameters', k, 'field can not be empty.'));
    size += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (size > MAX_PARAMETERS_SIZE) errs.push(field.tooLong('parameters', MAX_PARAMETERS_SIZE));
  return errs;
}

/** kube's ValidateTopologySelectorTerm for each allowed topology, and no two terms alike. */
function validateAllowedTopologies(terms: TopologySelectorTerm[] | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const seen: Record<string, string[]>[] = [];
  (terms ?? []).forEach((term, i) => {
    const at = `allowedTopologies[${i}]`;
    const exprs: Record<string, string[]> = {};
    (term?.matchLabelExpressions ?? []).forEach((req, j) => {
      const reqAt = `${at}.matchLabelExpressions[${j}]`;
      const values = req?.values ?? [];
      if (!values.length) errs.push(field.required(`${reqAt}.values`));
      const unique: string[] = [];
      values.forEach((v, k) => {
        if (unique.includes(v)) errs.push(field.duplicate(`${reqAt}.values[${k}]`, v));
        else unique.push(v);
      });
      const key = req?.key ?? '';
      for (const msg of isQualifiedName(key)) errs.push(field.invalid(`${reqAt}.key`, key, msg));
      if (key in exprs) errs.push(field.duplicate(`${reqAt}.key`, key));
      exprs[key] = unique.sort();
    });
    if (seen.some((s) => deepEqual(s, exprs))) errs.push(field.duplicate(`${at}.matchLabelExpressions`, ''));
    seen.push(exprs);
  });
  return errs;
}

const column = (name: string, description: string, cell: TableColumn['cell']): TableColumn => ({ name, type: 'string', format: '', description, priority: 0, cell });

function applyDefaults(obj: KubeObject): void {
  sc(obj).reclaimPolicy ??= 'Delete';
  sc(obj).volumeBindingMode ??= 'Immediate';
}

export const storageClassStrategy = defineStrategy(
  {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'storageclasses',
    kind: 'StorageClass',
    namespaced: false,
    shortNames: ['sc'],
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      { ...nameColumn, cell: (obj) => `${obj.metadata?.name ?? ''}${isDefaultStorageClass(obj) ? ' (default)' : ''}` },
      column('Provisioner', 'provisioner indicates the type of the provisioner.', (obj) => sc(obj).provisioner ?? ''),
      column('ReclaimPolicy', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.', (obj) => sc(obj).reclaimPolicy || 'Delete'),
      column(
        'VolumeBindingMode',
        'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.',
        (obj) => sc(obj).volumeBindingMode || 'Immediate',
      ),
      column('AllowVolumeExpansion', 'allowVolumeExpansion shows whether the storage class allow volume expand.', (obj) => sc(obj).allowVolumeExpansion === true),
      ageColumn,
    ],
    defaults: applyDefaults,
    validate(obj) {
      const errs: FieldError[] = [];
      const s = sc(obj);
      const provisioner = s.provisioner ?? '';
      if (!provisioner) errs.push(field.required('provisioner'));
      else for (const msg of isQualifiedName(provisioner.toLowerCase())) errs.push(field.invalid('provisioner', provisioner.toLowerCase(), msg));
      errs.push(...validateParameters(s.parameters));
      if (s.reclaimPolicy && !RECLAIM_POLICIES.includes(s.reclaimPolicy)) errs.push(field.notSupported('reclaimPolicy', s.reclaimPolicy, RECLAIM_POLICIES));
      if (s.volumeBindingMode === undefined || s.volumeBindingMode === null) errs.push(field.required('volumeBindingMode'));
      else if (!VOLUME_BINDING_MODES.includes(s.volumeBindingMode)) errs.push(field.notSupported('volumeBindingMode', s.volumeBindingMode, VOLUME_BINDING_MODES));
      errs.push(...validateAllowedTopologies(s.allowedTopologies));
      return errs;
    },
    validateUpdate(obj, old) {
      const errs: FieldError[] = [];
      if (!deepEqual(sc(obj).parameters, sc(old).parameters)) errs.push(field.forbidden('parameters', 'updates to parameters are forbidden.'));
      if ((sc(obj).provisioner ?? '') !== (sc(old).provisioner ?? '')) errs.push(field.forbidden('provisioner', 'updates to provisioner are forbidden.'));
      if (sc(obj).reclaimPolicy !== sc(old).reclaimPolicy) errs.push(field.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
      if (sc(obj).volumeBindingMode !== sc(old).volumeBindingMode) errs.push(field.invalid('volumeBindingMode', sc(obj).volumeBindingMode ?? null, 'field is immutable'));
      return errs;
    },
  },
);
