// Priority: a new pod's priority and preemption policy come from its PriorityClass (or the global
// default one, else 0 and PreemptLowerPriority); a pod may not state another priority itself; an
// update keeps what creation set. Only one PriorityClass may be the global default.
import type { AdmissionAttributes, AdmissionPlugin } from '@kapi/admission-chain';
import type { KubeObject } from '@kapi/api-machinery';
import { admissionForbidden, isResource } from './admission-errors.js';
import { RESOURCES, type PluginContext } from './context.js';
import { specOf } from './pods.js';
import { waitForReady } from './ready.js';

interface PriorityClassFields {
  value?: number;
  globalDefault?: boolean;
  preemptionPolicy?: string;
}

const fields = (pc: KubeObject) => pc as KubeObject & PriorityClassFields;
const DEFAULT_PREEMPTION_POLICY = 'PreemptLowerPriority';

export function priority(context: PluginContext): AdmissionPlugin {
  const classes = context.informers.informerFor(RESOURCES.priorityClasses);

  /** The global default class; of several (a race), the one of lowest value, as kube picks. */
  function defaultClass(): KubeObject | undefined {
    let found: KubeObject | undefined;
    for (const pc of classes.list()) {
      if (fields(pc).globalDefault && (!found || (fields(found).value ?? 0) > (fields(pc).value ?? 0))) found = pc;
    }
    return found;
  }

  async function admitPod(a: AdmissionAttributes): Promise<KubeObject | undefined> {
    const pod = a.object!;
    const spec = specOf(pod);
    if (a.operation === 'UPDATE') {
      // What creation set is kept when an update leaves it out (validation refuses any other change).
      const old = a.oldObject ? specOf(structuredClone(a.oldObject)) : {};
      if (spec.priority === undefined && old.priority !== undefined) spec.priority = old.priority;
      if (spec.preemptionPolicy === undefined && old.preemptionPolicy !== undefined) spec.preemptionPolicy = old.preemptionPolicy;
      return pod;
    }
    await waitForReady(a, [classes]);
    let value = 0;
    let policy: string | undefined = DEFAULT_PREEMPTION_POLICY;
    if (!spec.priorityClassName) {
      const pc = defaultClass();
      if (pc) {
        spec.priorityClassName = pc.metadata?.name;
        value = fields(pc).value ?? 0;
        policy = fields(pc).preemptionPolicy;
      }
    } else {
      const pc = classes.get('', spec.priorityClassName);
      if (!pc) throw admissionForbidden(a, `no PriorityClass with name ${spec.priorityClassName} was found`);
      value = fields(pc).value ?? 0;
      policy = fields(pc).preemptionPolicy;
    }
    if (spec.priority !== undefined && spec.priority !== null && spec.priority !== value) {
      throw admissionForbidden(a, `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`);
    }
    spec.priority = value;
    if (policy !== undefined) {
      if (spec.preemptionPolicy && spec.preemptionPolicy !== policy) {
        throw admissionForbidden(a, `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
      }
      spec.preemptionPolicy = policy;
    }
    return pod;
  }

  return {
    name: 'Priority',
    handles: (op) => op === 'CREATE' || op === 'UPDATE' || op === 'DELETE',
    async admit(a) {
      if (a.subresource || !isResource(a, '', 'pods') || !a.object) return undefined;
      if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return undefined;
      return admitPod(a);
    },
    async validate(a) {
      if (a.subresource || !isResource(a, 'scheduling.k8s.io', 'priorityclasses') || !a.object) return;
      if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return;
      if (!fields(a.object).globalDefault) return;
      await waitForReady(a, [classes]);
      const existing = defaultClass();
      if (existing && (a.operation === 'CREATE' || existing.metadata?.name !== a.object.metadata?.name)) {
        throw admissionForbidden(a, `PriorityClass ${existing.metadata?.name} is already marked as default. Only one default can exist`);
      }
    },
  };
}
