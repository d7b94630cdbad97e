// core/v1 PersistentVolume: cluster-scoped storage. kube defaults the reclaim policy (Retain) and the
// volume mode (Filesystem), starts every volume Pending, wants capacity, access modes and exactly one
// volume source, and prints `kubectl get pv`'s columns.
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject, type TableColumn } from '@kapi/api-machinery';
import { nowTimestamp } from '@kapi/api-machinery';
import { normalizeResourceList, readQuantity } from '../resourcequota/quantity.js';
import { defineStrategy } from '../strategy.js';

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
/** The volume sources of a PersistentVolume, in the order kube counts them. */
const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'flocker', 'nfs', 'rbd', 'quobyte', 'cephfs',
  'iscsi', 'cinder', 'fc', 'flexVolume', 'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume',
  'azureDisk', 'scaleIO', 'local', 'storageos', 'csi',
];
const ACCESS_MODE_SHORT: [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

interface PersistentVolumeSpec {
  capacity?: Record<string, string>;
  accessModes?: string[];
  persistentVolumeReclaimPolicy?: string;
  volumeMode?: string;
  storageClassName?: string;
  volumeAttributesClassName?: string;
  claimRef?: { namespace?: string; name?: string };
  [source: string]: unknown;
}

const pvSpec = (obj: KubeObject) => (obj.spec ?? {}) as PersistentVolumeSpec;
const pvStatus = (obj: KubeObject) => (obj.status ?? {}) as { phase?: string; reason?: string };

/** GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order, each once. */
export function accessModesCell(modes: string[] | undefined): string {
  return ACCESS_MODE_SHORT.filter(([mode]) => (modes ?? []).includes(mode))
    .map(([, short]) => short)
    .join(',');
}

/** The volume's phase, or Terminating once it is being deleted. */
export function phaseCell(obj: KubeObject): string {
  return obj.metadata?.deletionTimestamp ? 'Terminating' : pvStatus(obj).phase ?? '';
}

/** The storage class: the beta annotation that preceded the field wins, as kube's helper reads it. */
export function storageClassCell(obj: KubeObject, name: string | undefined): string {
  return obj.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? name ?? '';
}

/** At least one known access mode, and ReadWriteOncePod alone; a claim says why one is required. */
export function validateAccessModes(modes: string[] | undefined, path: string, requiredDetail = ''): FieldError[] {
  if (!modes?.length) return [field.required(path, requiredDetail)];
  const errs = modes.filter((m) => !ACCESS_MODES.includes(m)).map((m) => field.notSupported(path, m, ACCESS_MODES));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) errs.push(field.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

export function validateVolumeMode(mode: string | undefined, path: string): FieldError[] {
  return mode !== undefined && !VOLUME_MODES.includes(mode) ? [field.notSupported(path, mode, VOLUME_MODES)] : [];
}

export const volumeColumn = (name: string, description: string, priority: number, cell: TableColumn['cell']): TableColumn => ({ name, type: 'string', format: '', description, priority, cell });

/** SetDefaults_PersistentVolume, and the capacity in canonical quantities. */
function applyDefaults(obj: KubeObject): void {
  const spec = pvSpec(obj);
  spec.persistentVolumeReclaimPolicy ||= 'Retain';
  spec.volumeMode ??= 'Filesystem';
  const capacity = normalizeResourceList(spec.capacity, 'PersistentVolume');
  if (capacity) spec.capacity = capacity;
  obj.spec = spec;
}

function validateSpec(spec: PersistentVolumeSpec): FieldError[] {
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes');
  const capacity = spec.capacity ?? {};
  const names = Object.keys(capacity);
  if (!names.length) errs.push(field.required('spec.capacity'));
  if (!names.includes('storage') || names.length > 1) {
    // kube prints the whole list with Go's %#v here.
    const list = `core.ResourceList{${names.map((n) => `${JSON.stringify(n)}:${JSON.stringify(capacity[n])}`).join(', ')}}`;
    errs.push({ type: 'FieldValueNotSupported', field: 'spec.capacity', detail: `Unsupported value: ${list}: supported values: "storage"` });
  }
  const storage = capacity.storage;
  if (storage !== undefined && !readQuantity(storage)) errs.push(field.invalid('spec.capacity[storage]', storage, 'must be a valid quantity'));
  const reclaim = spec.persistentVolumeReclaimPolicy ?? '';
  if (!RECLAIM_POLICIES.includes(reclaim)) errs.push(field.notSupported('spec.persistentVolumeReclaimPolicy', reclaim, RECLAIM_POLICIES));
  errs.push(...validateVolumeMode(spec.volumeMode, 'spec.volumeMode'));
  const sources = PV_SOURCES.filter((s) => spec[s] !== undefined && spec[s] !== null);
  if (!sources.length) errs.push(field.required('spec', 'must specify a volume type'));
  for (const extra of sources.slice(1)) errs.push(field.forbidden(`spec.${extra}`, 'may not specify more than 1 volume type'));
  return errs;
}

export const persistentVolumeStrategy = defineStrategy(
  { group: '', version: 'v1', resource: 'persistentvolumes', kind: 'PersistentVolume', namespaced: false, shortNames: ['pv'], subresources: ['status'] },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      volumeColumn('Capacity', 'capacity is the description of the persistent volume\'s resources and capacity.', 0, (o) => pvSpec(o).capacity?.storage ?? ''),
      volumeColumn('Access Modes', 'accessModes contains all ways the volume can be mounted.', 0, (o) => accessModesCell(pvSpec(o).accessModes)),
      volumeColumn('Reclaim Policy', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.', 0, (o) => pvSpec(o).persistentVolumeReclaimPolicy ?? ''),
      volumeColumn('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim.', 0, phaseCell),
      volumeColumn('Claim', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.', 0, (o) => {
        const ref = pvSpec(o).claimRef;
        return ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '';
      }),
      volumeColumn('StorageClass', 'StorageClass of the pv', 0, (o) => storageClassCell(o, pvSpec(o).storageClassName)),
      volumeColumn('VolumeAttributesClass', 'VolumeAttributesClass of the pv', 0, (o) => pvSpec(o).volumeAttributesClassName ?? '<unset>'),
      volumeColumn('Reason', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.', 0, (o) => pvStatus(o).reason ?? ''),
      ageColumn,
      volumeColumn('VolumeMode', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', 1, (o) => pvSpec(o).volumeMode ?? '<unset>'),
    ],
    defaults: applyDefaults,
    prepareForCreate(obj) {
      obj.status = { phase: 'Pending', lastPhaseTransitionTime: nowTimestamp() };
    },
    validate: (obj) => validateSpec(pvSpec(obj)),
    validateUpdate(obj, old) {
      const errs: FieldError[] = [];
      if (pvSpec(obj).volumeMode !== pvSpec(old).volumeMode) errs.push(field.invalid('spec.volumeMode', pvSpec(obj).volumeMode ?? '', 'field is immutable'));
      return errs;
    },
  },
);
