// PersistentVolumeClaimResize: a claim may grow only when it is bound and its StorageClass (the same
// before and after) allows volume expansion.
import type { AdmissionPlugin } from '@kapi/admission-chain';
import type { KubeObject } from '@kapi/api-machinery';
import { readQuantity } from '@kapi/kinds';
import { admissionForbidden, isResource } from './admission-errors.js';
import { RESOURCES, type PluginContext } from './context.js';
import { BETA_STORAGE_CLASS_ANNOTATION } from './default-storage-class.js';
import { compareQuantities } from './quantities.js';
import { waitForReady } from './ready.js';

const storageRequest = (claim: KubeObject) => readQuantity((claim.spec as { resources?: { requests?: { storage?: unknown } } } | undefined)?.resources?.requests?.storage);
/** GetPersistentVolumeClaimClass: the beta annotation first, then spec.storageClassName. */
const classOf = (claim: KubeObject) => claim.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? ((claim.spec as { storageClassName?: string } | undefined)?.storageClassName || '');

export function persistentVolumeClaimResize(context: PluginContext): AdmissionPlugin {
  const classes = context.informers.informerFor(RESOURCES.storageClasses);
  return {
    name: 'PersistentVolumeClaimResize',
    handles: (op) => op === 'UPDATE',
    async validate(a) {
      if (!isResource(a, '', 'persistentvolumeclaims') || a.subresource || !a.object || !a.oldObject) return;
      const [before, after] = [storageRequest(a.oldObject), storageRequest(a.object)];
      const zero = { value: 0n, scale: 0, format: 'DecimalSI' as const };
      if (compareQuantities(after ?? zero, before ?? zero) <= 0) return;
      if ((a.oldObject.status as { phase?: string } | undefined)?.phase !== 'Bound') throw admissionForbidden(a, 'Only bound persistent volume claims can be expanded');
      const [newClass, oldClass] = [classOf(a.object), classOf(a.oldObject)];
      let allowed = false;
      if (newClass && newClass === oldClass) {
        await waitForReady(a, [classes]);
        allowed = (classes.get('', newClass) as { allowVolumeExpansion?: boolean } | undefined)?.allowVolumeExpansion === true;
      }
      if (!allowed) throw admissionForbidden(a, 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
    },
  };
}
