import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { jobStrategy } from './strategy.js';

const prepared = (spec: Record<string, unknown>, uid = 'u-1') => {
  const obj: KubeObject = { metadata: { name: 'pi', namespace: 'ns', uid }, spec };
  prepareNew(jobStrategy, obj);
  return obj;
};
const pod = (restartPolicy = 'Never') => ({ spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy } });
const errors = (spec: Record<string, unknown>) => jobStrategy.validate(prepared(spec)).map(renderFieldError);

describe('jobStrategy', () => {
  it('describes batch/v1 jobs with status, in the all category', () => {
    const { group, resource, shortNames, categories, subresources } = jobStrategy.info;
    assert.deepEqual([group, resource, shortNames, categories, subresources], ['batch', 'jobs', [], ['all'], ['status']]);
  });

  it('applies kube defaults and generates the selector and labels', () => {
    const obj = prepared({ template: pod() });
    const labels = { 'job-name': 'pi', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'u-1', 'batch.kubernetes.io/controller-uid': 'u-1' };
    assert.deepEqual(obj.spec, {
      template: { metadata: { creationTimestamp: null, labels }, spec: { ...pod().spec, dnsPolicy: 'ClusterFirst', securityContext: {}, terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler', containers: (obj.spec as any).template.spec.containers } },
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } },
    });
    assert.deepEqual(obj.metadata?.labels, labels);
    assert.deepEqual(obj.status, {});
    assert.deepEqual(jobStrategy.validate(obj), []);
  });

  it('leaves completions unset when only parallelism is given, and a manual selector alone', () => {
    const obj = prepared({ parallelism: 3, manualSelector: true, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, ...pod() } });
    const spec = obj.spec as Record<string, unknown>;
    assert.deepEqual([spec.completions, spec.parallelism, spec.selector], [undefined, 3, { matchLabels: { a: 'b' } }]);
    assert.deepEqual(jobStrategy.validate(obj), []);
  });

  it('validates as kube does', () => {
    assert.deepEqual(errors({ template: { spec: { containers: [{ name: 'pi', image: 'perl' }] } } }), ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
    assert.deepEqual(errors({ template: pod(), backoffLimit: -1, completionMode: 'Sometimes' }), [
      'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
      'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
    ]);
    assert.deepEqual(errors({ template: pod(), manualSelector: true, selector: { matchLabels: { a: 'b' } } }), [
      'spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`',
    ]);
    assert.deepEqual(errors({ template: { metadata: { labels: { 'job-name': 'other' } }, ...pod() } }), [
      `spec.template.metadata.labels[job-name]: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"u-1", "batch.kubernetes.io/job-name":"pi", "controller-uid":"u-1", "job-name":"other"}: must be 'pi'`,
    ]);
  });

  it('keeps the selector, completions and template once created, unless suspended and never started', () => {
    const old = prepared({ template: pod() });
    const changed = structuredClone(old);
    (changed.spec as any).template.spec.containers[0].image = 'perl:2';
    (changed.spec as any).completions = 2;
    const errs = jobStrategy.validateUpdate(changed, old).map(renderFieldError);
    assert.equal(errs[0], 'spec.completions: Invalid value: 2: field is immutable');
    assert.match(errs[1], /^spec\.template: Invalid value: core\.PodTemplateSpec.*: field is immutable$/);

    const suspended = prepared({ template: pod(), suspend: true });
    const moved = structuredClone(suspended);
    (moved.spec as any).template.spec.nodeSelector = { zone: 'b' };
    assert.deepEqual(jobStrategy.validateUpdate(moved, suspended), []);
  });

  it('prints NAME STATUS COMPLETIONS DURATION AGE, and wide CONTAINERS IMAGES SELECTOR', () => {
    const obj = prepared({ template: pod() });
    const cell = (name: string, o: KubeObject, now = 0) => jobStrategy.tableColumns.find((c) => c.name === name)!.cell(o, now);
    assert.deepEqual(jobStrategy.tableColumns.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Status', 0], ['Completions', 0], ['Duration', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1],
    ]);
    assert.deepEqual([cell('Status', obj), cell('Completions', obj), cell('Duration', obj), cell('Selector', obj)], ['Running', '0/1', '', 'batch.kubernetes.io/controller-uid=u-1']);
    obj.status = { succeeded: 1, startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:00:42Z', conditions: [{ type: 'Complete', status: 'True' }] };
    assert.deepEqual([cell('Status', obj), cell('Completions', obj), cell('Duration', obj)], ['Complete', '1/1', '42s']);
    const parallel = prepared({ parallelism: 3, template: pod() });
    assert.equal(cell('Completions', parallel), '0/1 of 3');
  });
});

describe('jobStrategy field selectors', () => {
  it('selects by status.successful, as kube does', () => {
    const obj = prepared({ template: pod() });
    obj.status = { succeeded: 2 };
    assert.deepEqual(jobStrategy.selectableFields(obj), { 'metadata.name': 'pi', 'metadata.namespace': 'ns', 'status.successful': '2' });
  });
});
