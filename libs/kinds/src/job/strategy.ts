// batch/v1 Job: kube's defaults (parallelism and completions 1, backoffLimit 6, NonIndexed, not
// suspended, pods replaced once terminating or failed), the generated selector and pod labels
// (controller-uid and job-name, legacy and batch.kubernetes.io/), validation (pods restart OnFailure
// or Never; selector, completions, completion mode and template fixed once created) and the columns
// NAME STATUS COMPLETIONS DURATION AGE (+ CONTAINERS IMAGES SELECTOR with -o wide).
import { ageColumn, deepEqual, field, humanDuration, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { validatePodTemplateSpec, type PodTemplateSpec } from '../podtemplate/pod-spec.js';
import {  validateLabelSelector, formatLabelSelector, goLabelSelector, selectorMatches, type LabelSelectorObject } from '../label-selector.js';
import { defineStrategy, objectMetaFields } from '../strategy.js';
import { column, defaultTemplate, immutable, invalidRendered, nonNegative, specOf, templateColumns, templateOfSpec } from '../workload/replicated.js';
import { goStringMap } from '../go-syntax.js';

export interface JobSpec {
  parallelism?: number;
  completions?: number;
  activeDeadlineSeconds?: number;
  backoffLimit?: number;
  backoffLimitPerIndex?: number;
  maxFailedIndexes?: number;
  ttlSecondsAfterFinished?: number;
  selector?: LabelSelectorObject | null;
  manualSelector?: boolean | null;
  template?: PodTemplateSpec;
  completionMode?: string;
  suspend?: boolean;
  podFailurePolicy?: unknown;
  podReplacementPolicy?: string;
  successPolicy?: unknown;
  managedBy?: string;
}

interface JobStatus {
  conditions?: { type?: string; status?: string }[];
  succeeded?: number;
  startTime?: string;
  completionTime?: string;
}

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
const LEGACY_JOB_NAME_LABEL = 'job-name';
const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';

const spec = (obj: KubeObject) => (obj.spec ?? {}) as JobSpec;
const status = (obj: KubeObject) => (obj.status ?? {}) as JobStatus;

/** SetDefaults_Job (batch/v1), for a Job's spec; a CronJob's job template gets only the pod defaults. */
function applyDefaults(obj: KubeObject): void {
  const s = specOf<JobSpec>(obj);
  if (s.completions == null && s.parallelism == null) s.completions = 1;
  s.parallelism ??= 1;
  s.backoffLimit ??= s.backoffLimitPerIndex != null ? 2147483647 : 6;
  s.completionMode ??= 'NonIndexed';
  s.suspend ??= false;
  s.podReplacementPolicy ??= s.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  defaultTemplate(s as Record<string, unknown>);
}

/** A Job without a manual selector selects its own pods by uid, which it stamps on its template. */
function generateSelector(obj: KubeObject): void {
  const s = specOf<JobSpec>(obj);
  if (s.manualSelector) return;
  const template = (s.template ??= {});
  const labels = (template.metadata ??= {}).labels ?? {};
  const name = obj.metadata?.name ?? '';
  const uid = obj.metadata?.uid ?? '';
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) labels[key] ??= name;
  for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) labels[key] ??= uid;
  template.metadata.labels = labels;
  const selector = (s.selector ??= {});
  selector.matchLabels = { ...selector.matchLabels };
  selector.matchLabels[CONTROLLER_UID_LABEL] ??= uid;
}

/** A Job without labels of its own takes its template's (kube's defaulting, on every read). */
function copyTemplateLabels(obj: KubeObject): void {
  const labels = spec(obj).template?.metadata?.labels;
  if (labels && !Object.keys(obj.metadata?.labels ?? {}).length) obj.metadata = { ...obj.metadata, labels: { ...labels } };
}

const RESTART_POLICIES = ['OnFailure', 'Never'];
const COMPLETION_MODES = ['NonIndexed', 'Indexed'];
const REPLACEMENT_POLICIES = ['Failed', 'TerminatingOrFailed'];

/** validateJobSpec: what a Job and a CronJob's job template share. */
export function validateJobSpec(s: JobSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex', 'maxFailedIndexes'] as const) {
    errs.push(...nonNegative(s[key], `${path}.${key}`));
  }
  if (s.maxFailedIndexes != null && s.backoffLimitPerIndex == null) errs.push(field.required(`${path}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
  if (s.completionMode != null) {
    if (!COMPLETION_MODES.includes(s.completionMode)) errs.push(field.notSupported(`${path}.completionMode`, s.completionMode, COMPLETION_MODES));
    if (s.completionMode === 'Indexed' && s.completions == null) errs.push(field.required(`${path}.completions`, 'when completion mode is Indexed'));
  }
  if ((s.completionMode ?? 'NonIndexed') === 'NonIndexed') {
    if (s.backoffLimitPerIndex != null) errs.push(field.invalid(`${path}.backoffLimitPerIndex`, s.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (s.maxFailedIndexes != null) errs.push(field.invalid(`${path}.maxFailedIndexes`, s.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (s.podReplacementPolicy != null) {
    const allowed = s.podFailurePolicy ? ['Failed'] : REPLACEMENT_POLICIES;
    if (!allowed.includes(s.podReplacementPolicy)) errs.push(field.notSupported(`${path}.podReplacementPolicy`, s.podReplacementPolicy, allowed));
  }
  const templatePath = `${path}.template`;
  errs.push(...validatePodTemplateSpec(s.template ?? {}, templatePath));
  const restart = s.template?.spec?.restartPolicy ?? '';
  if (restart === 'Always' || restart === '') {
    errs.push(field.required(`${templatePath}.spec.restartPolicy`, 'valid values: "OnFailure", "Never"'));
  } else if (!RESTART_POLICIES.includes(restart)) {
    errs.push(field.notSupported(`${templatePath}.spec.restartPolicy`, restart, RESTART_POLICIES));
  } else if (s.podFailurePolicy && restart !== 'Never') {
    errs.push(field.invalid(`${templatePath}.spec.restartPolicy`, restart, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return errs;
}

/** validateGeneratedSelector: a generated selector and labels must be the ones kube generates. */
function validateGeneratedSelector(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  if (s.manualSelector || !s.selector) return [];
  const errs: FieldError[] = [];
  const uid = obj.metadata?.uid ?? '';
  const name = obj.metadata?.name ?? '';
  if (!uid) errs.push(field.required('metadata.uid'));
  const labels = s.template?.metadata?.labels;
  const expected: Record<string, string> = { [LEGACY_CONTROLLER_UID_LABEL]: uid, [LEGACY_JOB_NAME_LABEL]: name, [CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name };
  for (const [key, value] of Object.entries(expected)) {
    const at = `spec.template.metadata.labels[${key}]`;
    if (!labels || !(key in labels)) errs.push(field.required(at, `must be '${value}'`));
    else if (labels[key] !== value) errs.push(invalidRendered(at, goStringMap(labels), `must be '${value}'`));
  }
  if (!selectorMatches(s.selector, expected)) errs.push(invalidRendered('spec.selector', goLabelSelector(s.selector), '`selector` not auto-generated'));
  return errs;
}

/** ValidateJob: the generated selector, the shared spec rules, and a selector that selects the template. */
function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs = [...validateGeneratedSelector(obj), ...validateJobSpec(s, 'spec')];
  if (!s.selector) errs.push(field.required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(s.selector, 'spec.selector'));
    if (!selectorMatches(s.selector, s.template?.metadata?.labels)) {
      errs.push(invalidRendered('spec.template.metadata.labels', goStringMap(s.template?.metadata?.labels), '`selector` does not match template `labels`'));
    }
  }
  return errs;
}

/** A Job that is suspended and never started may move its pods elsewhere (scheduling directives). */
function schedulingFree(template: PodTemplateSpec | undefined, from: PodTemplateSpec | undefined): PodTemplateSpec | undefined {
  if (!template) return template;
  const spec = { ...template.spec } as Record<string, unknown>;
  const fromSpec = (from?.spec ?? {}) as Record<string, unknown>;
  for (const key of ['nodeSelector', 'tolerations', 'schedulingGates', 'affinity']) spec[key] = fromSpec[key];
  return { metadata: { ...template.metadata, labels: from?.metadata?.labels, annotations: from?.metadata?.annotations }, spec };
}

function validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const s = spec(obj);
  const was = spec(old);
  const errs = [...immutable(s.completions, was.completions, 'spec.completions'), ...immutable(s.selector, was.selector, 'spec.selector', goLabelSelector)];
  const mayReschedule = was.suspend === true && !status(old).startTime;
  const oldTemplate = mayReschedule ? schedulingFree(was.template, s.template) : was.template;
  if (!deepEqual(s.template ?? null, oldTemplate ?? null)) errs.push(invalidRendered('spec.template', `core.PodTemplateSpec${JSON.stringify(s.template ?? {})}`, 'field is immutable'));
  for (const key of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy'] as const) errs.push(...immutable(s[key], was[key], `spec.${key}`));
  return errs;
}

// --- printing ---

const hasCondition = (obj: KubeObject, type: string) => (status(obj).conditions ?? []).some((c) => c.type === type && c.status === 'True');

/** The STATUS column: the first of Complete, Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet, else Running. */
function jobStatus(obj: KubeObject): string {
  if (hasCondition(obj, 'Complete')) return 'Complete';
  if (hasCondition(obj, 'Failed')) return 'Failed';
  if (obj.metadata?.deletionTimestamp) return 'Terminating';
  for (const type of ['Suspended', 'FailureTarget', 'SuccessCriteriaMet']) if (hasCondition(obj, type)) return type;
  return 'Running';
}

function completions(obj: KubeObject): string {
  const { completions: wanted, parallelism } = spec(obj);
  const succeeded = status(obj).succeeded ?? 0;
  if (wanted != null) return `${succeeded}/${wanted}`;
  if (parallelism != null && parallelism > 1) return `${succeeded}/1 of ${parallelism}`;
  return `${succeeded}/1`;
}

function duration(obj: KubeObject, now: number): string {
  const { startTime, completionTime } = status(obj);
  if (!startTime) return '';
  return humanDuration((completionTime ? Date.parse(completionTime) : now) - Date.parse(startTime));
}

/** The wide SELECTOR column of jobs and cronjobs. */
export const selectorColumn = (selectorOf: (obj: KubeObject) => LabelSelectorObject | null | undefined) =>
  column('Selector', 'string', 'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', (obj) => formatLabelSelector(selectorOf(obj)), 1);

export const jobStrategy = defineStrategy(
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true, categories: ['all'], subresources: ['status'], tracksGeneration: true },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('Status', 'string', 'Status of the job.', jobStatus),
      column('Completions', 'string', 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.', completions),
      column('Duration', 'string', 'Time required to complete the job.', duration),
      ageColumn,
      ...templateColumns(templateOfSpec),
      selectorColumn((obj) => spec(obj).selector),
    ],
    defaults: applyDefaults,
    // batch/v1 keeps the pods of a deleted Job unless told otherwise, for compatibility, and says so.
    defaultGarbageCollectionPolicy: 'OrphanDependents',
    orphanByDefaultWarning:
      'child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning',
    prepareForCreate: (obj) => {
      obj.status = {};
      generateSelector(obj);
      copyTemplateLabels(obj);
    },
    prepareForUpdate: (obj) => {
      copyTemplateLabels(obj);
    },
    validate,
    validateUpdate,
    // kube's JobToSelectableFields.
    selectableFields: (obj) => ({ ...objectMetaFields(obj, true), 'status.successful': String(status(obj).succeeded ?? 0) }),
  },
);
