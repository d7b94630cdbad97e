// DefaultIngressClass: a new Ingress that names no class (neither spec.ingressClassName nor the
// kubernetes.io/ingress.class annotation) gets the default IngressClass, if there is one.
import type { AdmissionPlugin } from '@kapi/admission-chain';
import { isResource } from './admission-errors.js';
import { RESOURCES, type PluginContext } from './context.js';
import { newestDefault } from './default-class.js';
import { specOf } from './pods.js';
import { waitForReady } from './ready.js';

const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const IS_DEFAULT = 'ingressclass.kubernetes.io/is-default-class';

export function defaultIngressClass(context: PluginContext): AdmissionPlugin {
  const classes = context.informers.informerFor(RESOURCES.ingressClasses);
  return {
    name: 'DefaultIngressClass',
    handles: (op) => op === 'CREATE',
    async admit(a) {
      if (!isResource(a, 'networking.k8s.io', 'ingresses') || a.subresource || !a.object) return undefined;
      const ingress = a.object;
      const spec = specOf(ingress);
      if (spec.ingressClassName !== undefined && spec.ingressClassName !== null) return undefined;
      if (Object.hasOwn(ingress.metadata?.annotations ?? {}, INGRESS_CLASS_ANNOTATION)) return undefined;
      await waitForReady(a, [classes]);
      const chosen = newestDefault(classes.list(), (c) => c.metadata?.annotations?.[IS_DEFAULT] === 'true');
      if (!chosen) return undefined;
      spec.ingressClassName = chosen.metadata?.name;
      return ingress;
    },
  };
}
