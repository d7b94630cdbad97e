// RuntimeClass: a new pod that names a RuntimeClass must find it (an informer, then a live lookup),
// gets its overhead (and may not state another) and its scheduling constraints (node selector, which
// may not conflict, and tolerations merged).
import type { AdmissionAttributes, AdmissionPlugin } from '@kapi/admission-chain';
import { deepEqual, type KubeObject } from '@kapi/api-machinery';
import { admissionForbidden, isResource } from './admission-errors.js';
import { RESOURCES, type PluginContext } from './context.js';
import { specOf, tolerationsOf, type Json } from './pods.js';
import { resourceList, compareQuantities } from './quantities.js';
import { waitForReady } from './ready.js';

interface RuntimeClassFields {
  overhead?: { podFixed?: Record<string, string> };
  scheduling?: { nodeSelector?: Record<string, string>; tolerations?: Json[] };
}

/** Semantic equality of two resource lists: the same names, equal quantities. */
function sameResources(a: unknown, b: unknown): boolean {
  const [x, y] = [resourceList(a), resourceList(b)];
  if (x.size !== y.size) return false;
  for (const [name, q] of x) if (!y.has(name) || compareQuantities(q, y.get(name)!) !== 0) return false;
  return true;
}

const hasOverhead = (spec: Json) => !!spec.overhead && typeof spec.overhead === 'object' && Object.keys(spec.overhead).length > 0;

/** kube's MergeTolerations: the pod's, plus the class's that no existing toleration already covers. */
function mergeTolerations(first: Json[], second: Json[]): Json[] {
  const merged = [...first];
  const covers = (a: Json, b: Json) => {
    if (deepEqual(a, b)) return true;
    if ((a.effect ?? '') !== '' && a.effect !== b.effect) return false;
    if (a.effect === 'NoExecute' && a.tolerationSeconds !== undefined && a.tolerationSeconds !== null && (b.tolerationSeconds === undefined || b.tolerationSeconds === null || b.tolerationSeconds > a.tolerationSeconds)) return false;
    if ((a.operator ?? 'Equal') === 'Exists') return !a.key || a.key === b.key;
    return a.key === b.key && (b.operator ?? 'Equal') === 'Equal' && (a.value ?? '') === (b.value ?? '');
  };
  for (const t of second) if (!merged.some((m) => covers(m, t))) merged.push(t);
  return merged;
}

export function runtimeClass(context: PluginContext): AdmissionPlugin {
  const classes = context.informers.informerFor(RESOURCES.runtimeClasses);

  const ignored = (a: AdmissionAttributes) => a.subresource !== '' || !isResource(a, '', 'pods') || !a.object;

  async function classOf(a: AdmissionAttributes, spec: Json): Promise<(KubeObject & RuntimeClassFields) | undefined> {
    const name = spec.runtimeClassName;
    if (name === undefined || name === null) return undefined;
    await waitForReady(a, [classes]);
    // The informer may lag behind a class just created: look it up live before refusing.
    const found = classes.get('', name) ?? (await context.api.get(RESOURCES.runtimeClasses, '', name));
    if (!found) throw admissionForbidden(a, `pod rejected: RuntimeClass ${JSON.stringify(name)} not found`);
    return found as KubeObject & RuntimeClassFields;
  }

  return {
    name: 'RuntimeClass',
    handles: (op) => op === 'CREATE',
    async admit(a) {
      if (ignored(a)) return undefined;
      const spec = specOf(a.object!);
      const rc = await classOf(a, spec);
      if (!rc) return undefined;
      const podFixed = rc.overhead?.podFixed;
      if (podFixed) {
        if (hasOverhead(spec) && !sameResources(podFixed, spec.overhead)) throw admissionForbidden(a, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
        spec.overhead = { ...podFixed };
      }
      const scheduling = rc.scheduling;
      if (scheduling) {
        const selector: Record<string, string> = spec.nodeSelector && typeof spec.nodeSelector === 'object' ? spec.nodeSelector : {};
        for (const [key, value] of Object.entries(scheduling.nodeSelector ?? {})) {
          if (Object.hasOwn(selector, key) && selector[key] !== value) {
            throw admissionForbidden(a, `conflict: runtimeClass.scheduling.nodeSelector[${key}] = ${value}; pod.spec.nodeSelector[${key}] = ${selector[key]}`);
          }
          selector[key] = value;
        }
        if (Object.keys(selector).length) spec.nodeSelector = selector;
        const merged = mergeTolerations(tolerationsOf(spec), Array.isArray(scheduling.tolerations) ? scheduling.tolerations : []);
        if (merged.length) spec.tolerations = merged;
      }
      return a.object;
    },
    async validate(a) {
      if (ignored(a)) return;
      const spec = specOf(a.object!);
      const rc = await classOf(a, spec);
      const podFixed = rc?.overhead?.podFixed;
      if (podFixed) {
        if (!sameResources(podFixed, spec.overhead)) throw admissionForbidden(a, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
      } else if (hasOverhead(spec)) {
        throw admissionForbidden(a, 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
      }
    },
  };
}
