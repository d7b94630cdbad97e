// What the workload kinds (Deployment, ReplicaSet, StatefulSet, DaemonSet, ReplicationController,
// Job, CronJob) share: their pod template's defaults and validation, the selector rules, the
// numeric and int-or-percent checks, and the printing columns.
import { field, validateAnnotations, validateLabels, type FieldError, type KubeObject, type TableColumn } from '@kapi/api-machinery';
import { applyPodSpecDefaults, validatePodTemplateSpec, type PodTemplateSpec } from '../podtemplate/pod-spec.js';
import { validateLabelSelector, goLabelSelector, isEmptySelector, selectorMatches, type LabelSelectorObject } from '../label-selector.js';
import { goStringMap } from '../go-syntax.js';

/** A field error whose bad value kube-apiserver prints with Go's %#v (maps, structs). */
export function invalidRendered(path: string, rendered: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field: path, detail: `Invalid value: ${rendered}: ${detail}` };
}

/** NotSupported for a bad value kube-apiserver prints with Go's %#v (a strategy struct). */
export function notSupportedRendered(path: string, rendered: string, supported: string[]): FieldError {
  return { type: 'FieldValueNotSupported', field: path, detail: `Unsupported value: ${rendered}: supported values: ${supported.map((v) => JSON.stringify(v)).join(', ')}` };
}

/** A pointer as Go's %#v prints it inside a struct: its type and nil, or some address. */
export const goPointer = (type: string, value: unknown) => `(*${type})(${value === undefined || value === null ? 'nil' : '0xc000000000'})`;

/** The object at `key` of `parent`, created empty when absent or not an object. */
export function child<T extends object>(parent: Record<string, unknown>, key: string): T {
  const value = parent[key];
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as T;
  const created = {} as T;
  parent[key] = created;
  return created;
}

/** The spec of an object, created when absent. */
export const specOf = <T extends object>(obj: KubeObject): T => child<T>(obj as Record<string, unknown>, 'spec');

/**
 * Embedded object metadata as kube-apiserver 1.33 serves it: always present, with Go's zero
 * creationTimestamp written as null.
 */
export function embeddedMetadata(parent: Record<string, unknown>): void {
  const meta = child<Record<string, unknown>>(parent, 'metadata');
  if (!('creationTimestamp' in meta)) meta.creationTimestamp = null;
}

/** SetDefaults for the pod template held at `parent.template`. */
export function defaultTemplate(parent: Record<string, unknown>): void {
  const template = child<PodTemplateSpec>(parent, 'template');
  embeddedMetadata(template as Record<string, unknown>);
  applyPodSpecDefaults(child(template as Record<string, unknown>, 'spec'));
}

export function nonNegative(value: unknown, path: string): FieldError[] {
  if (value === undefined || value === null) return [];
  return typeof value === 'number' && value < 0 ? [field.invalid(path, value, 'must be greater than or equal to 0')] : [];
}

/** The selector of a workload: required, well formed and, unless `allowEmpty`, not empty. */
export function validateSelector(selector: LabelSelectorObject | null | undefined, path: string, emptyMessage?: string): FieldError[] {
  if (!selector) return [field.required(path)];
  const errs = validateLabelSelector(selector, path);
  if (emptyMessage && isEmptySelector(selector)) errs.push(invalidRendered(path, goLabelSelector(selector), emptyMessage));
  return errs;
}

export interface TemplateRules {
  /** The kind named in "activeDeadlineSeconds in <owner> is not Supported"; none when allowed (Jobs). */
  owner?: string;
  /** The restart policies the kind's pods may have. */
  restartPolicies?: string[];
  /** StatefulSets check only the template's labels and annotations, not its pod spec. */
  metadataOnly?: boolean;
}

/**
 * ValidatePodTemplateSpecForReplicaSet (and its kin): the template exists, its labels match the
 * selector, it is a valid pod template, and its pods restart as the kind allows.
 */
export function validateSelectedTemplate(
  template: PodTemplateSpec | undefined,
  selector: LabelSelectorObject | null | undefined,
  path: string,
  rules: TemplateRules = {},
): FieldError[] {
  if (!template) return [field.required(path)];
  const errs: FieldError[] = [];
  if (selector && !isEmptySelector(selector) && !selectorMatches(selector, template.metadata?.labels)) {
    errs.push(invalidRendered(`${path}.metadata.labels`, goStringMap(template.metadata?.labels), '`selector` does not match template `labels`'));
  }
  if (rules.metadataOnly) {
    errs.push(...validateLabels(template.metadata?.labels, `${path}.labels`), ...validateAnnotations(template.metadata?.annotations, `${path}.annotations`));
  } else {
    errs.push(...validatePodTemplateSpec(template, path));
  }
  const restartPolicies = rules.restartPolicies ?? ['Always'];
  const restart = template.spec?.restartPolicy ?? '';
  if (!restartPolicies.includes(restart)) errs.push(field.notSupported(`${path}.spec.restartPolicy`, restart, restartPolicies));
  const deadline = (template.spec as { activeDeadlineSeconds?: number } | undefined)?.activeDeadlineSeconds;
  if (rules.owner && deadline !== undefined && deadline !== null) {
    errs.push(field.forbidden(`${path}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${rules.owner} is not Supported`));
  }
  return errs;
}

/** An unchanged field, or kube's "field is immutable" with the new value printed as Go prints it. */
export function immutable(next: unknown, old: unknown, path: string, render: (v: never) => string = (v) => JSON.stringify(v)): FieldError[] {
  if (JSON.stringify(next ?? null) === JSON.stringify(old ?? null)) return [];
  return [invalidRendered(path, next === undefined || next === null ? 'null' : render(next as never), 'field is immutable')];
}

/** apps/v1's rule for Deployments, ReplicaSets and DaemonSets: spec.selector never changes. */
export function immutableSelector(obj: KubeObject, old: KubeObject): FieldError[] {
  const selectorOf = (o: KubeObject) => (o.spec as { selector?: LabelSelectorObject | null } | undefined)?.selector;
  return immutable(selectorOf(obj), selectorOf(old), 'spec.selector', goLabelSelector);
}

// --- intstr.IntOrString ---

export type IntOrString = number | string;

/** An IntOrString as Go's %#v prints it. */
export function goIntOrString(value: IntOrString | undefined): string {
  if (typeof value === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(value)}}`;
  return `intstr.IntOrString{Type:0, IntVal:${value ?? 0}, StrVal:""}`;
}

const PERCENT = /^[0-9]+%$/;

/** ValidatePositiveIntOrPercent. */
export function validatePositiveIntOrPercent(value: IntOrString | undefined, path: string): FieldError[] {
  if (typeof value === 'string') {
    return PERCENT.test(value)
      ? []
      : [invalidRendered(path, goIntOrString(value), "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  }
  return nonNegative(value, path);
}

/**
 * SetDefaults for the update strategy at `spec[key]` of a Deployment or DaemonSet: RollingUpdate
 * unless a type is set and, for a rolling update, the kind's maxUnavailable and maxSurge where absent.
 */
export function defaultRollingUpdate(spec: object, key: string, defaults: { maxUnavailable: IntOrString; maxSurge: IntOrString }): void {
  const strategy = child<{ type?: string }>(spec as Record<string, unknown>, key);
  strategy.type ||= 'RollingUpdate';
  if (strategy.type !== 'RollingUpdate') return;
  const rolling = child<{ maxUnavailable?: IntOrString; maxSurge?: IntOrString }>(strategy, 'rollingUpdate');
  rolling.maxUnavailable ??= defaults.maxUnavailable;
  rolling.maxSurge ??= defaults.maxSurge;
}

/** The value of an int or a percentage, as getIntOrPercentValue reads it. */
export function intOrPercentValue(value: IntOrString | undefined): number {
  if (typeof value === 'string') return PERCENT.test(value) ? Number(value.slice(0, -1)) : 0;
  return value ?? 0;
}

/** IsNotMoreThan100Percent. */
export function notMoreThan100Percent(value: IntOrString | undefined, path: string): FieldError[] {
  return typeof value === 'string' && PERCENT.test(value) && intOrPercentValue(value) > 100 ? [invalidRendered(path, goIntOrString(value), 'must not be greater than 100%')] : [];
}

// --- printing ---

export const column = (name: string, type: TableColumn['type'], description: string, cell: TableColumn['cell'], priority = 0): TableColumn => ({
  name,
  type,
  format: '',
  description,
  priority,
  cell,
});

/** The -o wide CONTAINERS and IMAGES columns of a kind whose pod template `templateOf` finds. */
export function templateColumns(templateOf: (obj: KubeObject) => PodTemplateSpec | undefined): TableColumn[] {
  const containers = (obj: KubeObject) => templateOf(obj)?.spec?.containers ?? [];
  return [
    column('Containers', 'string', 'Names of each container in the template.', (obj) => containers(obj).map((c) => c?.name ?? '').join(','), 1),
    column('Images', 'string', 'Images referenced by each container in the template.', (obj) => containers(obj).map((c) => c?.image ?? '').join(','), 1),
  ];
}

export const templateOfSpec = (obj: KubeObject) => (obj.spec as { template?: PodTemplateSpec } | undefined)?.template;

/** Numbers of a status, 0 when absent (Go's zero value). */
export const statusCount = (obj: KubeObject, key: string): number => ((obj.status as Record<string, unknown> | undefined)?.[key] as number | undefined) ?? 0;
