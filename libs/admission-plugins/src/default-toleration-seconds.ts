// DefaultTolerationSeconds: a new pod that does not tolerate not-ready and unreachable nodes itself
// tolerates them for --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds
// (KAPI_DEFAULT_NOT_READY_TOLERATION_SECONDS, KAPI_DEFAULT_UNREACHABLE_TOLERATION_SECONDS; 300 each).
import type { AdmissionPlugin } from '@kapi/admission-chain';
import { isResource } from './admission-errors.js';
import type { PluginContext } from './context.js';
import { specOf, tolerationsOf, type Json } from './pods.js';

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';

/** Whether a toleration covers a NoExecute taint with this key (an empty key or effect matches any). */
const covers = (t: Json, key: string) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect);

export function defaultTolerationSeconds(context: PluginContext): AdmissionPlugin {
  const defaults = [
    { key: TAINT_NODE_NOT_READY, seconds: context.settings.defaultNotReadyTolerationSeconds },
    { key: TAINT_NODE_UNREACHABLE, seconds: context.settings.defaultUnreachableTolerationSeconds },
  ];
  return {
    name: 'DefaultTolerationSeconds',
    handles: (op) => op === 'CREATE',
    async admit(a) {
      if (!isResource(a, '', 'pods') || a.subresource || !a.object) return undefined;
      const spec = specOf(a.object);
      const tolerations = tolerationsOf(spec);
      const added = defaults.filter(({ key }) => !tolerations.some((t) => covers(t, key)));
      if (!added.length) return undefined;
      spec.tolerations = [...(Array.isArray(spec.tolerations) ? spec.tolerations : []), ...added.map(({ key, seconds }) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds }))];
      return a.object;
    },
  };
}
