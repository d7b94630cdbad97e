// TaintNodesByCondition: a new Node starts tainted node.kubernetes.io/not-ready:NoSchedule, so no pod
// is scheduled to it before the node controller finds it ready and removes the taint.
import type { AdmissionPlugin } from '@kapi/admission-chain';
import { isResource } from './admission-errors.js';
import { TAINT_NODE_NOT_READY } from './default-toleration-seconds.js';
import { specOf } from './pods.js';

export function taintNodesByCondition(): AdmissionPlugin {
  return {
    name: 'TaintNodesByCondition',
    handles: (op) => op === 'CREATE',
    async admit(a) {
      if (!isResource(a, '', 'nodes') || a.subresource || !a.object) return undefined;
      const spec = specOf(a.object);
      const taints = Array.isArray(spec.taints) ? spec.taints : [];
      if (taints.some((t) => t?.key === TAINT_NODE_NOT_READY && t?.effect === 'NoSchedule')) return undefined;
      spec.taints = [...taints, { key: TAINT_NODE_NOT_READY, effect: 'NoSchedule' }];
      return a.object;
    },
  };
}
