// StorageObjectInUseProtection: every new PersistentVolume and PersistentVolumeClaim carries kube's
// protection finalizer, so neither goes while a pod (or a claim) still uses it.
import type { AdmissionPlugin } from '@kapi/admission-chain';
import { isResource } from './admission-errors.js';

export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';

export function storageObjectInUseProtection(): AdmissionPlugin {
  return {
    name: 'StorageObjectInUseProtection',
    handles: (op) => op === 'CREATE',
    async admit(a) {
      if (a.subresource || !a.object) return undefined;
      const finalizer = isResource(a, '', 'persistentvolumes') ? PV_PROTECTION_FINALIZER : isResource(a, '', 'persistentvolumeclaims') ? PVC_PROTECTION_FINALIZER : undefined;
      if (!finalizer) return undefined;
      const finalizers = a.object.metadata?.finalizers ?? [];
      if (finalizers.includes(finalizer)) return undefined;
      a.object.metadata = { ...a.object.metadata, finalizers: [...finalizers, finalizer] };
      return a.object;
    },
  };
}
