// DefaultStorageClass: a new PersistentVolumeClaim that names no class (neither spec.storageClassName
// nor the beta annotation) gets the default StorageClass, if there is one.
import type { AdmissionPlugin } from '@kapi/admission-chain';
import { isResource } from './admission-errors.js';
import { RESOURCES, type PluginContext } from './context.js';
import { newestDefault } from './default-class.js';
import { specOf } from './pods.js';
import { waitForReady } from './ready.js';

export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
const IS_DEFAULT = 'storageclass.kubernetes.io/is-default-class';
const BETA_IS_DEFAULT = 'storageclass.beta.kubernetes.io/is-default-class';

export function defaultStorageClass(context: PluginContext): AdmissionPlugin {
  const classes = context.informers.informerFor(RESOURCES.storageClasses);
  return {
    name: 'DefaultStorageClass',
    handles: (op) => op === 'CREATE',
    async admit(a) {
      if (!isResource(a, '', 'persistentvolumeclaims') || a.subresource || !a.object) return undefined;
      const claim = a.object;
      const spec = specOf(claim);
      // The user asked for a class (an empty one too: no class at all).
      if (Object.hasOwn(claim.metadata?.annotations ?? {}, BETA_STORAGE_CLASS_ANNOTATION) || (spec.storageClassName !== undefined && spec.storageClassName !== null)) return undefined;
      await waitForReady(a, [classes]);
      const annotated = (value: string | undefined) => value === 'true';
      const chosen = newestDefault(classes.list(), (c) => annotated(c.metadata?.annotations?.[IS_DEFAULT]) || annotated(c.metadata?.annotations?.[BETA_IS_DEFAULT]));
      if (!chosen) return undefined;
      spec.storageClassName = chosen.metadata?.name;
      return claim;
    },
  };
}
