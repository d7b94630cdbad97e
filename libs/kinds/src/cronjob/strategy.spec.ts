import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { scheduleError } from './schedule.js';
import { cronJobStrategy } from './strategy.js';

const jobTemplate = (restartPolicy = 'OnFailure') => ({ spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy } } } });
const prepared = (spec: Record<string, unknown>, name = 'nightly') => {
  const obj: KubeObject = { metadata: { name, namespace: 'ns' }, spec };
  prepareNew(cronJobStrategy, obj);
  return obj;
};
const errors = (spec: Record<string, unknown>, name?: string) => cronJobStrategy.validate(prepared(spec, name)).map(renderFieldError);

describe('cronJobStrategy', () => {
  it('describes batch/v1 cronjobs (cj) with status, in the all category', () => {
    const { resource, shortNames, categories, subresources } = cronJobStrategy.info;
    assert.deepEqual([resource, shortNames, categories, subresources], ['cronjobs', ['cj'], ['all'], ['status']]);
  });

  it('applies kube defaults, and only the pod defaults to the job template', () => {
    const spec = prepared({ schedule: '@hourly', jobTemplate: jobTemplate() }).spec as Record<string, any>;
    assert.deepEqual([spec.concurrencyPolicy, spec.suspend, spec.successfulJobsHistoryLimit, spec.failedJobsHistoryLimit], ['Allow', false, 3, 1]);
    assert.equal(spec.jobTemplate.spec.backoffLimit, undefined);
    // Embedded metadata is served as kube serves it: present, with a null creationTimestamp.
    assert.deepEqual([spec.jobTemplate.metadata, spec.jobTemplate.spec.template.metadata], [{ creationTimestamp: null }, { creationTimestamp: null }]);
    assert.equal(spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
    assert.deepEqual(errors({ schedule: '*/5 * * * *', jobTemplate: jobTemplate() }), []);
  });

  it('validates as kube does', () => {
    assert.deepEqual(errors({ jobTemplate: jobTemplate() }), ['spec.schedule: Required value']);
    assert.deepEqual(errors({ schedule: 'every day', jobTemplate: jobTemplate() }), ['spec.schedule: Invalid value: "every day": expected exactly 5 fields, found 2: [every day]']);
    assert.deepEqual(errors({ schedule: '0 0 * * *', timeZone: 'Mars/Olympus', concurrencyPolicy: 'Sometimes', jobTemplate: jobTemplate('Always') }), [
      'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
      'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ]);
    assert.deepEqual(errors({ schedule: 'TZ=UTC 0 0 * * *', jobTemplate: jobTemplate() }), ['spec.schedule: Invalid value: "TZ=UTC 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
    assert.deepEqual(errors({ schedule: '0 0 * * *', jobTemplate: { spec: { ...jobTemplate().spec, selector: { matchLabels: { a: 'b' } } } } }), [
      'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated',
    ]);
    assert.deepEqual(errors({ schedule: '0 0 * * *', jobTemplate: jobTemplate() }, 'n'.repeat(53)), [`metadata.name: Invalid value: "${'n'.repeat(53)}": must be no more than 52 characters`]);
    assert.deepEqual(errors({ schedule: '0 0 * * *', timeZone: 'Europe/Paris', jobTemplate: jobTemplate() }), []);
  });

  it('reads schedules as robfig/cron does', () => {
    const table: [string, string | undefined][] = [
      ['*/15 0-6,22 1 jan-mar mon-fri', undefined],
      ['@daily', undefined],
      ['@every 1h30m', undefined],
      ['@weekdays', 'unrecognized descriptor: @weekdays'],
      ['61 * * * *', 'end of range (61) above maximum (59): 61'],
      ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
      ['5-2 * * * *', 'beginning of range (5) beyond end of range (2): 5-2'],
      ['*/0 * * * *', 'step of range should be a positive number: */0'],
      ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
      ['a * * * *', 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax'],
      ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
    ];
    for (const [schedule, expected] of table) assert.equal(scheduleError(schedule), expected, schedule);
  });

  it('prints NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE, and wide CONTAINERS IMAGES SELECTOR', () => {
    const obj = prepared({ schedule: '*/5 * * * *', jobTemplate: jobTemplate() });
    const columns = cronJobStrategy.tableColumns;
    assert.deepEqual(columns.map((c) => c.name), ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector']);
    assert.deepEqual(columns.filter((c) => c.name !== 'Age').map((c) => c.cell(obj, 0)), ['nightly', '*/5 * * * *', '<none>', 'False', 0, '<none>', 'c', 'busybox', '<none>']);
  });
});
