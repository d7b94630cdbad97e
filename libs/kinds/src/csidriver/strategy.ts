// storage.k8s.io/v1 CSIDriver: what kube needs to know about an installed CSI driver. kube defaults
// the booleans (attachRequired true, the others false), fsGroupPolicy and the lifecycle modes;
// attachRequired and volumeLifecycleModes never change.
import { ageColumn, deepEqual, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject, type TableColumn } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';

export interface CSIDriverSpec {
  attachRequired?: boolean;
  podInfoOnMount?: boolean;
  volumeLifecycleModes?: string[];
  storageCapacity?: boolean;
  fsGroupPolicy?: string;
  tokenRequests?: { audience?: string; expirationSeconds?: number }[];
  requiresRepublish?: boolean;
  seLinuxMount?: boolean;
  nodeAllocatableUpdatePeriodSeconds?: number;
  serviceAccountTokenInSecrets?: boolean;
}

const FS_GROUP_POLICIES = ['File', 'None', 'ReadWriteOnceWithFSType'];
const LIFECYCLE_MODES = ['Persistent', 'Ephemeral'];
const MIN_TOKEN_SECONDS = 10 * 60;
const MAX_TOKEN_SECONDS = 2 ** 32;

const spec = (obj: KubeObject) => (obj.spec ?? {}) as CSIDriverSpec;

function applyDefaults(obj: KubeObject): void {
  const s = (obj.spec && typeof obj.spec === 'object' ? obj.spec : (obj.spec = {})) as CSIDriverSpec;
  s.attachRequired ??= true;
  s.podInfoOnMount ??= false;
  s.storageCapacity ??= false;
  s.fsGroupPolicy ??= 'ReadWriteOnceWithFSType';
  if (!s.volumeLifecycleModes?.length) s.volumeLifecycleModes = ['Persistent'];
  s.requiresRepublish ??= false;
  s.seLinuxMount ??= false;
}

function validateSpec(s: CSIDriverSpec): FieldError[] {
  const errs: FieldError[] = [];
  // kube spells this path "attachedRequired".
  if (s.attachRequired === undefined || s.attachRequired === null) errs.push(field.required('spec.attachedRequired'));
  if (s.podInfoOnMount === undefined || s.podInfoOnMount === null) errs.push(field.required('spec.podInfoOnMount'));
  if (s.storageCapacity === undefined || s.storageCapacity === null) errs.push(field.required('spec.storageCapacity'));
  if (s.fsGroupPolicy !== undefined && s.fsGroupPolicy !== null && !FS_GROUP_POLICIES.includes(s.fsGroupPolicy)) {
    errs.push(field.notSupported('spec.fsGroupPolicy', s.fsGroupPolicy, FS_GROUP_POLICIES));
  }
  const audiences = new Set<string>();
  (s.tokenRequests ?? []).forEach((t, i) => {
    const at = `spec.tokenRequests[${i}]`;
    const audience = t?.audience ?? '';
    if (audiences.has(audience)) {
      errs.push(field.duplicate(`${at}.audience`, audience));
      return;
    }
    audiences.add(audience);
    const seconds = t?.expirationSeconds;
    if (seconds === undefined || seconds === null) return;
    if (seconds < MIN_TOKEN_SECONDS) errs.push(field.invalid(`${at}.expirationSeconds`, seconds, 'may not specify a duration less than 10 minutes'));
    if (seconds > MAX_TOKEN_SECONDS) errs.push(field.invalid(`${at}.expirationSeconds`, seconds, 'may not specify a duration larger than 2^32 seconds'));
  });
  for (const mode of s.volumeLifecycleModes ?? []) {
    if (!LIFECYCLE_MODES.includes(mode)) errs.push(field.notSupported('spec.volumeLifecycleModes', mode, LIFECYCLE_MODES));
  }
  if (s.seLinuxMount === undefined || s.seLinuxMount === null) errs.push(field.required('spec.seLinuxMount'));
  const period = s.nodeAllocatableUpdatePeriodSeconds;
  if (period !== undefined && period !== null && period < 10) {
    errs.push(field.invalid('spec.nodeAllocatableUpdatePeriodSeconds', period, 'must be greater than or equal to 10 seconds'));
  }
  return errs;
}

const column = (name: string, type: TableColumn['type'], description: string, cell: TableColumn['cell']): TableColumn => ({ name, type, format: '', description, priority: 0, cell });

export const csiDriverStrategy = defineStrategy(
  {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'csidrivers',
    kind: 'CSIDriver',
    namespaced: false,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('AttachRequired', 'boolean', 'attachRequired indicates this CSI volume driver requires an attach operation (because it implements the CSI ControllerPublishVolume() method), and that the Kubernetes attach detach controller should call the attach volume interface which checks the volumeattachment status and waits until the volume is attached before proceeding to mounting. The CSI external-attacher coordinates with CSI volume driver and updates the volumeattachment status when the attach operation is complete. If the value is specified to false, the attach operation will be skipped. Otherwise the attach operation will be called.\n\nThis field is immutable.', (obj) => spec(obj).attachRequired ?? true),
      column('PodInfoOnMount', 'boolean', 'podInfoOnMount indicates this CSI volume driver requires additional pod information (like podName, podUID, etc.) during mount operations, if set to true. If set to false, pod information will not be passed on mount. Default is false.', (obj) => spec(obj).podInfoOnMount ?? false),
      column('StorageCapacity', 'boolean', 'storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity that the driver deployment will report by creating CSIStorageCapacity objects with capacity information, if set to true.', (obj) => spec(obj).storageCapacity ?? false),
      column('TokenRequests', 'string', 'tokenRequests indicates the CSI driver needs pods\' service account tokens it is mounting volume for to do necessary authentication. Kubelet will pass the tokens in VolumeContext in the CSI NodePublishVolume calls. The CSI driver should parse and validate the following VolumeContext.', (obj) =>
        spec(obj).tokenRequests ? spec(obj).tokenRequests!.map((t) => t?.audience ?? '').join(',') : '<unset>',
      ),
      column('RequiresRepublish', 'boolean', 'requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume. This field defaults to false.', (obj) => spec(obj).requiresRepublish ?? false),
      column('Modes', 'string', 'volumeLifecycleModes defines what kind of volumes this CSI volume driver supports. The default if the list is empty is "Persistent", which is the usage defined by the CSI specification and implemented in Kubernetes via the usual PV/PVC mechanism.', (obj) =>
        (spec(obj).volumeLifecycleModes ?? []).join(',') || '<none>',
      ),
      ageColumn,
    ],
    defaults: applyDefaults,
    validate: (obj) => validateSpec(spec(obj)),
    validateUpdate(obj, old) {
      const errs: FieldError[] = [];
      if (!deepEqual(spec(obj).attachRequired, spec(old).attachRequired)) errs.push(field.invalid('spec.attachedRequired', spec(obj).attachRequired ?? null, 'field is immutable'));
      if (!deepEqual(spec(obj).volumeLifecycleModes, spec(old).volumeLifecycleModes)) {
        errs.push(field.invalid('spec.volumeLifecycleModes', spec(obj).volumeLifecycleModes ?? null, 'field is immutable'));
      }
      return errs;
    },
  },
);
