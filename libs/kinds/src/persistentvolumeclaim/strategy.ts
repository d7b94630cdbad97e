// core/v1 PersistentVolumeClaim: a request for storage. kube defaults the volume mode, starts every
// claim Pending, and after creation lets only a bound claim's storage request grow.
import { ageColumn, deepEqual, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { accessModesCell, phaseCell, storageClassCell, validateAccessModes, validateVolumeMode, volumeColumn } from '../persistentvolume/strategy.js';
import { compareQuantities, isZero, normalizeResourceList, readQuantity } from '../resourcequota/quantity.js';
import { specDiff } from '../spec-diff.js';
import { defineStrategy } from '../strategy.js';

interface ClaimSpec {
  accessModes?: string[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeName?: string;
  volumeMode?: string;
  storageClassName?: string;
  volumeAttributesClassName?: string;
}

interface ClaimStatus {
  phase?: string;
  accessModes?: string[];
  capacity?: Record<string, string>;
}

const claimSpec = (obj: KubeObject) => (obj.spec ?? {}) as ClaimSpec;
const claimStatus = (obj: KubeObject) => (obj.status ?? {}) as ClaimStatus;

/** SetDefaults_PersistentVolumeClaimSpec, and the requested resources in canonical quantities. */
function applyDefaults(obj: KubeObject): void {
  const spec = claimSpec(obj);
  spec.volumeMode ??= 'Filesystem';
  if (spec.resources && typeof spec.resources === 'object') {
    for (const key of ['requests', 'limits'] as const) {
      const list = normalizeResourceList(spec.resources[key], 'PersistentVolumeClaim');
      if (list) spec.resources[key] = list;
    }
  }
  obj.spec = spec;
}

function validateSpec(spec: ClaimSpec): FieldError[] {
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes', 'at least 1 access mode is required');
  const storage = spec.resources?.requests?.storage;
  if (storage === undefined) errs.push(field.required('spec.resources[storage]'));
  else {
    const q = readQuantity(storage);
    if (!q) errs.push(field.invalid('spec.resources[storage]', storage, 'must be a valid quantity'));
    else if (isZero(q) || q.value < 0n) errs.push(field.invalid('spec.resources[storage]', storage, 'must be greater than zero'));
  }
  errs.push(...validateVolumeMode(spec.volumeMode, 'spec.volumeMode'));
  return errs;
}

/** A bound claim's storage request may grow; nothing else in the spec may change. */
function validateSpecUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const [spec, before] = [claimSpec(obj), claimSpec(old)];
  const errs: FieldError[] = [];
  const munged: ClaimSpec = structuredClone(spec);
  if (claimStatus(old).phase === 'Bound') {
    const now = readQuantity(spec.resources?.requests?.storage);
    const was = readQuantity(before.resources?.requests?.storage);
    const capacity = readQuantity(claimStatus(old).capacity?.storage);
    if (now && was && compareQuantities(now, was) < 0 && (!capacity || compareQuantities(now, capacity) <= 0)) {
      errs.push(field.forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
    }
    munged.resources = before.resources;
  }
  if (!deepEqual(munged, before)) {
    errs.push(field.forbidden('spec', `spec is immutable after creation except resources.requests for bound claims\n${specDiff('core.PersistentVolumeClaimSpec', before, munged)}`));
  }
  return errs;
}

export const persistentVolumeClaimStrategy = defineStrategy(
  {
    group: '',
    version: 'v1',
    resource: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
    namespaced: true,
    shortNames: ['pvc'],
    subresources: ['status'],
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      volumeColumn('Status', 'phase represents the current phase of PersistentVolumeClaim.', 0, phaseCell),
      volumeColumn('Volume', 'volumeName is the binding reference to the PersistentVolume backing this claim.', 0, (o) => claimSpec(o).volumeName ?? ''),
      volumeColumn('Capacity', 'capacity represents the actual resources of the underlying volume.', 0, (o) => (claimSpec(o).volumeName ? claimStatus(o).capacity?.storage ?? '' : '')),
      volumeColumn('Access Modes', 'accessModes contains the actual access modes the volume backing the PVC has.', 0, (o) => (claimSpec(o).volumeName ? accessModesCell(claimStatus(o).accessModes) : '')),
      volumeColumn('StorageClass', 'StorageClass of the pvc', 0, (o) => storageClassCell(o, claimSpec(o).storageClassName)),
      volumeColumn('VolumeAttributesClass', 'VolumeAttributesClass of the pvc', 0, (o) => claimSpec(o).volumeAttributesClassName ?? '<unset>'),
      ageColumn,
      volumeColumn('VolumeMode', 'volumeMode defines what type of volume is required by the claim.', 1, (o) => claimSpec(o).volumeMode ?? '<unset>'),
    ],
    defaults: applyDefaults,
    prepareForCreate(obj) {
      obj.status = { phase: 'Pending' };
    },
    validate: (obj) => validateSpec(claimSpec(obj)),
    validateUpdate: validateSpecUpdate,
  },
);
