// batch/v1 CronJob: kube's defaults (concurrencyPolicy Allow, not suspended, keep 3 successful and
// 1 failed jobs, pod defaults for the job template), its validation (robfig/cron's messages for the
// schedule, time zones, the job template's rules, names of at most 52 characters) and the columns
// NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE (+ CONTAINERS IMAGES SELECTOR with -o wide).
import { ageColumn, ageOf, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import type { PodTemplateSpec } from '../podtemplate/pod-spec.js';
import {  selectorColumn, validateJobSpec, type JobSpec } from '../job/strategy.js';
import { defineStrategy } from '../strategy.js';
import { child, column, defaultTemplate, embeddedMetadata, invalidRendered, nonNegative, specOf, templateColumns } from '../workload/replicated.js';
import { goLabelSelector } from '../label-selector.js';
import { isTimeZone, scheduleError } from './schedule.js';

interface CronJobSpec {
  schedule?: string;
  timeZone?: string | null;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: string;
  suspend?: boolean;
  jobTemplate?: { metadata?: Record<string, unknown>; spec?: JobSpec };
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
}

const spec = (obj: KubeObject) => (obj.spec ?? {}) as CronJobSpec;
const jobTemplateOf = (obj: KubeObject): PodTemplateSpec | undefined => spec(obj).jobTemplate?.spec?.template;

/** SetDefaults_CronJob (batch/v1). */
function prepare(obj: KubeObject): void {
  const s = specOf<CronJobSpec>(obj);
  s.concurrencyPolicy ||= 'Allow';
  s.suspend ??= false;
  s.successfulJobsHistoryLimit ??= 3;
  s.failedJobsHistoryLimit ??= 1;
  const jobTemplate = child<NonNullable<CronJobSpec['jobTemplate']>>(s as Record<string, unknown>, 'jobTemplate');
  embeddedMetadata(jobTemplate as Record<string, unknown>);
  defaultTemplate(child(jobTemplate as Record<string, unknown>, 'spec'));
}

const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];
const ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

function validateTimeZone(zone: string | null | undefined, path: string): FieldError[] {
  if (zone === undefined || zone === null) return [];
  if (zone === '') return [field.invalid(path, zone, 'timeZone must be nil or non-empty string')];
  if (zone.split('/').some((part) => part === '.' || part === '..' || part.startsWith('-') || !ZONE_PART.test(part))) {
    return [field.invalid(path, zone, `unknown time zone ${zone}`)];
  }
  if (zone.toLowerCase() === 'local') return [field.invalid(path, zone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  return isTimeZone(zone) ? [] : [field.invalid(path, zone, `unknown time zone ${zone}`)];
}

/**
 * validateCronJobSpec. kube lets an update keep a legacy TZ= schedule and an unchanged time zone
 * unchecked; kapi validates both on every write, as it never stored either.
 */
function validateSpec(s: CronJobSpec): FieldError[] {
  const errs: FieldError[] = [];
  const schedule = s.schedule ?? '';
  if (!schedule) errs.push(field.required('spec.schedule'));
  else {
    const parseError = scheduleError(schedule);
    if (parseError) errs.push(field.invalid('spec.schedule', schedule, parseError));
    if (schedule.includes('TZ')) errs.push(field.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  errs.push(...nonNegative(s.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  errs.push(...validateTimeZone(s.timeZone, 'spec.timeZone'));
  const policy = s.concurrencyPolicy ?? '';
  if (!policy) errs.push(field.required('spec.concurrencyPolicy'));
  else if (!CONCURRENCY_POLICIES.includes(policy)) errs.push(field.notSupported('spec.concurrencyPolicy', policy, CONCURRENCY_POLICIES));
  const jobSpec = s.jobTemplate?.spec ?? {};
  errs.push(...validateJobSpec(jobSpec, 'spec.jobTemplate.spec'));
  // The jobs' selectors are generated when they are created.
  if (jobSpec.selector) errs.push(invalidRendered('spec.jobTemplate.spec.selector', goLabelSelector(jobSpec.selector), '`selector` will be auto-generated'));
  if (jobSpec.manualSelector) errs.push(field.notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  errs.push(...nonNegative(s.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'), ...nonNegative(s.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  return errs;
}

const MAX_NAME = 52;

function lastSchedule(obj: KubeObject, now: number): string {
  const last = (obj.status as { lastScheduleTime?: string } | undefined)?.lastScheduleTime;
  return last ? ageOf(last, now) : '<none>';
}

export const cronJobStrategy = defineStrategy(
  { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', namespaced: true, shortNames: ['cj'], categories: ['all'], subresources: ['status'], tracksGeneration: true },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.', (obj) => spec(obj).schedule ?? ''),
      column('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones', (obj) => spec(obj).timeZone ?? '<none>'),
      column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.', (obj) => (spec(obj).suspend === undefined ? '<unset>' : spec(obj).suspend ? 'True' : 'False')),
      column('Active', 'integer', 'A list of pointers to currently running jobs.', (obj) => ((obj.status as { active?: unknown[] } | undefined)?.active ?? []).length),
      column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.', lastSchedule),
      ageColumn,
      ...templateColumns(jobTemplateOf),
      selectorColumn((obj) => spec(obj).jobTemplate?.spec?.selector),
    ],
    defaults: prepare,
    prepareForCreate: (obj) => {
      obj.status = {};
    },
    validate: (obj) => {
      const errs = validateSpec(spec(obj));
      const name = obj.metadata?.name ?? '';
      if (name.length > MAX_NAME) errs.push(field.invalid('metadata.name', name, `must be no more than ${MAX_NAME} characters`));
      return errs;
    },
  },
);
