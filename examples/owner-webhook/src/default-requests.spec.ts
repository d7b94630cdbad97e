import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubernetesObject } from '@kapi/admission-webhook-kit';
import { defaultRequests } from './default-requests.js';
import { container, deployment, pod, reviewOf } from './test-support/reviews.js';
import { run } from './test-support/verdicts.js';

const containersOf = (object: KubernetesObject | undefined, ...path: string[]) => {
  let at: any = object;
  for (const field of path) at = at[field];
  return at.containers.map((c: any) => [c.name, c.resources]);
};

describe('default-requests: containers that request nothing get default requests', () => {
  const webhook = defaultRequests();

  test('a Pod: each container and init container without requests gets cpu 100m and memory 128Mi, with a warning for each', async () => {
    const outcome = await run(webhook, reviewOf('CREATE', pod('p', 'team-a', [container('app'), container('sidecar', { requests: { cpu: '1' } })], [container('init')])));
    assert.equal(outcome.allowed, true);
    assert.deepEqual(containersOf(outcome.object, 'spec'), [
      ['app', { requests: { cpu: '100m', memory: '128Mi' } }],
      ['sidecar', { requests: { cpu: '1' } }],
    ]);
    assert.deepEqual((outcome.object as any).spec.initContainers[0].resources, { requests: { cpu: '100m', memory: '128Mi' } });
    assert.deepEqual(outcome.warnings, [
      'container "init" has no resource requests; the default ones were added (cpu: 100m, memory: 128Mi)',
      'container "app" has no resource requests; the default ones were added (cpu: 100m, memory: 128Mi)',
    ]);
    assert.deepEqual(outcome.auditAnnotations, { 'defaulted-containers': 'init,app' });
  });

  test('the patch touches only the requests', async () => {
    const outcome = await run(webhook, reviewOf('CREATE', pod('p', 'team-a', [container('app')])));
    assert.deepEqual(outcome.operations, [{ op: 'add', path: '/spec/containers/0/resources/requests', value: { cpu: '100m', memory: '128Mi' } }]);
  });

  test('a resource with a limit is left to the API server, which defaults its request to the limit', async () => {
    const outcome = await run(
      webhook,
      reviewOf('CREATE', pod('p', 'team-a', [container('cpu-limited', { limits: { cpu: '50m' } }), container('limited', { limits: { cpu: '1', memory: '1Gi' } })])),
    );
    assert.deepEqual(containersOf(outcome.object, 'spec'), [
      ['cpu-limited', { limits: { cpu: '50m' }, requests: { memory: '128Mi' } }],
      ['limited', { limits: { cpu: '1', memory: '1Gi' } }],
    ]);
  });

  test('pod templates: Deployments and CronJobs', async () => {
    const fromDeployment = await run(webhook, reviewOf('CREATE', deployment('web', 'team-a', { owner: 'alice' })));
    assert.deepEqual(containersOf(fromDeployment.object, 'spec', 'template', 'spec'), [['nginx', { requests: { cpu: '100m', memory: '128Mi' } }]]);
    const cronJob = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: 'team-a' },
      spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: { containers: [container('job')], restartPolicy: 'OnFailure' } } } } },
    };
    const fromCronJob = await run(webhook, reviewOf('CREATE', cronJob));
    assert.deepEqual(containersOf(fromCronJob.object, 'spec', 'jobTemplate', 'spec', 'template', 'spec'), [['job', { requests: { cpu: '100m', memory: '128Mi' } }]]);
  });

  test('nothing to do: no patch at all', async () => {
    const outcome = await run(webhook, reviewOf('CREATE', pod('p', 'team-a', [container('app', { requests: { memory: '1Gi' } })])));
    assert.deepEqual({ allowed: outcome.allowed, operations: outcome.operations, warnings: outcome.warnings }, { allowed: true, operations: undefined, warnings: undefined });
  });

  test('only creates are defaulted, and only the kinds it knows', async () => {
    const existing = deployment('web', 'team-a', {});
    assert.equal((await run(webhook, reviewOf('UPDATE', existing, existing))).operations, undefined);
    assert.equal((await run(webhook, reviewOf('CREATE', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }))).operations, undefined);
  });

  test('other defaults when configured', async () => {
    const outcome = await run(defaultRequests({ cpu: '250m', memory: '256Mi' }), reviewOf('CREATE', pod('p', 'team-a', [container('app')])));
    assert.deepEqual(containersOf(outcome.object, 'spec'), [['app', { requests: { cpu: '250m', memory: '256Mi' } }]]);
  });
});
