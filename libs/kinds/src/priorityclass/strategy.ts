// scheduling.k8s.io/v1 PriorityClass: a named pod priority. Values above one billion belong to the
// system classes, and so does the `system-` prefix; value and preemptionPolicy never change. That a
// single class is the global default is the Priority admission plugin's check (it reads the others),
// not this strategy's: a strategy sees one object.
import { ageColumn, badRequest, deepEqual, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject, type TableColumn } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';

export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';
const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'];

export interface PriorityClassFields {
  value?: number;
  globalDefault?: boolean;
  description?: string;
  preemptionPolicy?: string;
}

/** The classes kube-apiserver creates at start; only these may use the `system-` prefix. */
export const SYSTEM_PRIORITY_CLASSES: readonly (PriorityClassFields & { name: string })[] = [
  { name: 'system-node-critical', value: SYSTEM_CRITICAL_PRIORITY + 1000, description: 'Used for system critical pods that must not be moved from their current node.' },
  {
    name: 'system-cluster-critical',
    value: SYSTEM_CRITICAL_PRIORITY,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

const pc = (obj: KubeObject) => obj as KubeObject & PriorityClassFields;

/** Why a `system-` name is not a known system class, in kube's words, or undefined when it is one. */
function systemClassMismatch(name: string, value: number, globalDefault: boolean): string | undefined {
  const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (known.value !== value) return `value of ${name} PriorityClass must be ${known.value}`;
  if (Boolean(known.globalDefault) !== globalDefault) return `globalDefault of ${name} PriorityClass must be ${Boolean(known.globalDefault)}`;
  return undefined;
}

function prepare(obj: KubeObject): void {
  const p = pc(obj);
  const value = p.value ?? 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 31) || value > 2 ** 31 - 1) {
    throw badRequest(
      `PriorityClass in version "v1" cannot be handled as a PriorityClass: json: cannot unmarshal ${typeof value === 'number' ? `number ${value}` : typeof value} into Go struct field PriorityClass.value of type int32`,
    );
  }
  p.value = value;
  p.preemptionPolicy ??= 'PreemptLowerPriority';
  // globalDefault is omitted when false, as Go's omitempty does.
  if (p.globalDefault === false) delete p.globalDefault;
}

const column = (name: string, type: TableColumn['type'], description: string, cell: TableColumn['cell']): TableColumn => ({ name, type, format: '', description, priority: 0, cell });

export const priorityClassStrategy = defineStrategy(
  {
    group: 'scheduling.k8s.io',
    version: 'v1',
    resource: 'priorityclasses',
    kind: 'PriorityClass',
    namespaced: false,
    shortNames: ['pc'],
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('Value', 'integer', 'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.', (obj) => pc(obj).value ?? 0),
      column(
        'Global-Default',
        'boolean',
        'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.',
        (obj) => pc(obj).globalDefault === true,
      ),
      ageColumn,
      column('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.', (obj) => pc(obj).preemptionPolicy ?? ''),
    ],
    defaults: prepare,
    prepareForCreate(obj) {
      obj.metadata = { ...obj.metadata, generation: 1 };
    },
    validate(obj) {
      const errs: FieldError[] = [];
      const p = pc(obj);
      const name = obj.metadata?.name ?? '';
      const value = p.value ?? 0;
      if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
        const why = systemClassMismatch(name, value, p.globalDefault === true);
        if (why) {
          errs.push(field.forbidden('metadata.name', `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${why}`));
        }
      } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
        errs.push(field.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
      }
      if (p.preemptionPolicy !== undefined) {
        if (p.preemptionPolicy === '') errs.push(field.required('preemptionPolicy'));
        else if (!PREEMPTION_POLICIES.includes(p.preemptionPolicy)) errs.push(field.notSupported('preemptionPolicy', p.preemptionPolicy, PREEMPTION_POLICIES));
      }
      return errs;
    },
    validateUpdate(obj, old) {
      const errs: FieldError[] = [];
      if ((pc(obj).value ?? 0) !== (pc(old).value ?? 0)) errs.push(field.forbidden('value', 'may not be changed in an update.'));
      if (!deepEqual(pc(obj).preemptionPolicy, pc(old).preemptionPolicy)) errs.push(field.invalid('preemptionPolicy', pc(obj).preemptionPolicy ?? null, 'field is immutable'));
      return errs;
    },
  },
);
