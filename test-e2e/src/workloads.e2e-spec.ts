// Workload kinds through kubectl: create, the printed tables, kube's defaults, the scale subresource
// (kubectl scale, and a stale Scale's conflict), rollout restart, kube's selector error, jobs and
// cronjobs, HorizontalPodAutoscalers in autoscaling/v2 and v1, and `kubectl get all`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { apiRequest, startTestStack, type TestStack } from './harness.js';

const NS = 'wl';

describe('workloads', () => {
  let stack: TestStack;
  const kubectl = (...args: string[]) => stack.kubectl(['-n', NS, ...args]);

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1 });
    assert.equal((await stack.kubectl(['create', 'namespace', NS])).code, 0);
  });

  after(async () => {
    await stack?.stop();
  });

  it('creates a deployment and prints it as kube does, narrow and wide', async () => {
    const created = await kubectl('create', 'deployment', 'web', '--image=nginx');
    assert.equal(created.stdout, 'deployment.apps/web created\n', created.stderr);
    const table = await kubectl('get', 'deploy');
    assert.match(table.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/1\s+0\s+0\s+\d+s\n$/);
    const wide = await kubectl('get', 'deployments.apps', 'web', '-o', 'wide');
    assert.match(wide.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\nweb\s+0\/1\s+0\s+0\s+\d+s\s+nginx\s+nginx\s+app=web\n$/);
  });

  it('shows kube defaults in -o yaml', async () => {
    const res = await kubectl('get', 'deployment', 'web', '-o', 'yaml');
    const obj = parseYaml(res.stdout);
    assert.equal(obj.metadata.generation, 1);
    assert.deepEqual(obj.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(obj.spec.replicas, 1);
    assert.equal(obj.spec.revisionHistoryLimit, 10);
    assert.equal(obj.spec.progressDeadlineSeconds, 600);
    assert.deepEqual(obj.spec.selector, { matchLabels: { app: 'web' } });
    const pod = obj.spec.template.spec;
    assert.deepEqual(
      [pod.restartPolicy, pod.dnsPolicy, pod.schedulerName, pod.terminationGracePeriodSeconds, pod.containers[0].imagePullPolicy, pod.containers[0].terminationMessagePath],
      ['Always', 'ClusterFirst', 'default-scheduler', 30, 'Always', '/dev/termination-log'],
    );
  });

  it('scales through the scale subresource, and refuses a stale Scale with 409', async () => {
    const scaled = await kubectl('scale', 'deployment/web', '--replicas=3');
    assert.equal(scaled.stdout, 'deployment.apps/web scaled\n', scaled.stderr);
    const obj = JSON.parse((await kubectl('get', 'deployment', 'web', '-o', 'json')).stdout);
    assert.equal(obj.spec.replicas, 3);
    assert.equal(obj.metadata.generation, 2);

    const path = `/apis/apps/v1/namespaces/${NS}/deployments/web/scale`;
    const scale = JSON.parse((await apiRequest(stack, 'GET', path)).body);
    assert.deepEqual(
      { kind: scale.kind, apiVersion: scale.apiVersion, name: scale.metadata.name, spec: scale.spec, status: scale.status, rv: scale.metadata.resourceVersion },
      { kind: 'Scale', apiVersion: 'autoscaling/v1', name: 'web', spec: { replicas: 3 }, status: { replicas: 0, selector: 'app=web' }, rv: obj.metadata.resourceVersion },
    );
    const stale = await apiRequest(stack, 'PUT', path, { ...scale, metadata: { ...scale.metadata, resourceVersion: String(Number(scale.metadata.resourceVersion) - 1) }, spec: { replicas: 5 } });
    assert.equal(stale.code, 409, stale.body);
    assert.match(JSON.parse(stale.body).message, /^Operation cannot be fulfilled on deployments.apps "web": the object has been modified/);
    const negative = await apiRequest(stack, 'PUT', path, { ...scale, spec: { replicas: -1 } });
    assert.equal(negative.code, 422, negative.body);
    assert.equal(JSON.parse(negative.body).message, 'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');

    const printed = await kubectl('get', 'deployment', 'web', '--subresource=scale');
    assert.match(printed.stdout, /^NAME\s+DESIRED\s+AVAILABLE\s+AGE\nweb\s+3\s+0\s+\d+s\n$/, printed.stderr);

    const current = await kubectl('scale', 'deployment/web', '--replicas=2', '--current-replicas=3');
    assert.equal(current.stdout, 'deployment.apps/web scaled\n', current.stderr);
  });

  it('restarts a rollout by stamping the template, which bumps the generation', async () => {
    const before = JSON.parse((await kubectl('get', 'deployment', 'web', '-o', 'json')).stdout);
    const res = await kubectl('rollout', 'restart', 'deployment/web');
    assert.equal(res.stdout, 'deployment.apps/web restarted\n', res.stderr);
    const after = JSON.parse((await kubectl('get', 'deployment', 'web', '-o', 'json')).stdout);
    assert.equal(after.metadata.generation, before.metadata.generation + 1);
    assert.match(after.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'], /^\d{4}-\d\d-\d\dT/);
  });

  it("refuses a selector that does not match the template with kube's error", async () => {
    const bad = await stack.kubectl(['-n', NS, 'create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'bad' },
        spec: { selector: { matchLabels: { app: 'other' } }, template: { metadata: { labels: { app: 'bad' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
      }),
    });
    assert.equal(
      bad.stderr,
      'The Deployment "bad" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"bad"}: `selector` does not match template `labels`\n',
    );
  });
  it('serves ReplicaSets, StatefulSets, DaemonSets and ReplicationControllers with their tables and scale', async () => {
    const pod = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: app, image: 'nginx:1.27' }] } });
    const items = [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs1' }, spec: { replicas: 2, selector: { matchLabels: { app: 'rs1' } }, template: pod('rs1') } },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { selector: { matchLabels: { app: 'db' } }, template: pod('db') } },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: pod('agent') } },
      { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc1' }, spec: { template: pod('rc1') } },
    ];
    const created = await stack.kubectl(['-n', NS, 'create', '-f', '-'], { input: items.map((item) => JSON.stringify(item)).join('\n---\n') });
    assert.equal(created.stdout, 'replicaset.apps/rs1 created\nstatefulset.apps/db created\ndaemonset.apps/agent created\nreplicationcontroller/rc1 created\n', created.stderr);

    assert.match((await kubectl('get', 'rs', '-o', 'wide')).stdout, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\nrs1\s+2\s+0\s+0\s+\d+s\s+rs1\s+nginx:1.27\s+app=rs1\n$/);
    assert.match((await kubectl('get', 'ds')).stdout, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\nagent\s+0\s+0\s+0\s+0\s+0\s+<none>\s+\d+s\n$/);
    assert.match((await kubectl('get', 'rc', '-o', 'wide')).stdout, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\nrc1\s+1\s+0\s+0\s+\d+s\s+rc1\s+nginx:1.27\s+app=rc1\n$/);

    for (const target of ['statefulset/db', 'rc/rc1']) {
      const scaled = await kubectl('scale', target, '--replicas=3');
      assert.equal(scaled.code, 0, scaled.stderr);
    }
    assert.match((await kubectl('get', 'sts')).stdout, /^NAME\s+READY\s+AGE\ndb\s+0\/3\s+\d+s\n$/);
    const sts = JSON.parse((await kubectl('get', 'sts', 'db', '-o', 'json')).stdout);
    assert.deepEqual([sts.spec.podManagementPolicy, sts.spec.updateStrategy, sts.spec.persistentVolumeClaimRetentionPolicy], [
      'OrderedReady',
      { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      { whenDeleted: 'Retain', whenScaled: 'Retain' },
    ]);
    const rc = JSON.parse((await kubectl('get', 'rc', 'rc1', '-o', 'json')).stdout);
    assert.deepEqual([rc.spec.replicas, rc.spec.selector, rc.metadata.labels], [3, { app: 'rc1' }, { app: 'rc1' }]);
    const ds = await kubectl('scale', 'daemonset/agent', '--replicas=2');
    assert.notEqual(ds.code, 0);
  });

  it('creates a job with a generated selector and kube defaults, and prints it', async () => {
    const created = await kubectl('create', 'job', 'pi', '--image=busybox', '--', 'echo', 'hi');
    assert.equal(created.stdout, 'job.batch/pi created\n', created.stderr);
    const job = parseYaml((await kubectl('get', 'job', 'pi', '-o', 'yaml')).stdout);
    const uid = job.metadata.uid;
    const generated = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' };
    assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    assert.deepEqual(job.spec.template.metadata.labels, generated);
    assert.deepEqual(job.metadata.labels, generated);
    assert.deepEqual(
      [job.spec.parallelism, job.spec.completions, job.spec.backoffLimit, job.spec.completionMode, job.spec.suspend, job.spec.podReplacementPolicy, job.spec.template.spec.restartPolicy],
      [1, 1, 6, 'NonIndexed', false, 'TerminatingOrFailed', 'Never'],
    );
    const table = await kubectl('get', 'jobs');
    assert.match(table.stdout, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\npi\s+Running\s+0\/1\s+\d+s\n$/);
    const wide = await kubectl('get', 'job', 'pi', '-o', 'wide');
    assert.match(wide.stdout, new RegExp(`^NAME\\s+STATUS\\s+COMPLETIONS\\s+DURATION\\s+AGE\\s+CONTAINERS\\s+IMAGES\\s+SELECTOR\\npi\\s+Running\\s+0/1\\s+\\d+s\\s+pi\\s+busybox\\s+batch.kubernetes.io/controller-uid=${uid}\\n$`));

    const always = await stack.kubectl(['-n', NS, 'create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'always' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } }),
    });
    assert.equal(always.stderr, 'The Job "always" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"\n');
  });

  it('creates a cronjob, prints it, and refuses a bad schedule with the cron parser\'s words', async () => {
    const created = await kubectl('create', 'cronjob', 'nightly', '--image=busybox', '--schedule=*/5 * * * *');
    assert.equal(created.stdout, 'cronjob.batch/nightly created\n', created.stderr);
    const obj = JSON.parse((await kubectl('get', 'cj', 'nightly', '-o', 'json')).stdout);
    assert.deepEqual(
      [obj.spec.concurrencyPolicy, obj.spec.suspend, obj.spec.successfulJobsHistoryLimit, obj.spec.failedJobsHistoryLimit, obj.spec.jobTemplate.spec.template.spec.restartPolicy],
      ['Allow', false, 3, 1, 'OnFailure'],
    );
    const table = await kubectl('get', 'cronjobs');
    assert.match(table.stdout, /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\nnightly\s+\*\/5 \* \* \* \*\s+<none>\s+False\s+0\s+<none>\s+\d+s\n$/);
    const bad = await kubectl('create', 'cronjob', 'bad', '--image=busybox', '--schedule=61 * * * *');
    assert.equal(bad.stderr, 'error: failed to create cronjob: CronJob.batch "bad" is invalid: spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61\n');
  });

  it('describes a deployment and starts a job from a cronjob', async () => {
    const described = await kubectl('describe', 'deployment', 'web');
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /^Name:\s+web$/m);
    assert.match(described.stdout, /^Selector:\s+app=web$/m);
    assert.match(described.stdout, /^StrategyType:\s+RollingUpdate$/m);
    assert.match(described.stdout, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);

    const manual = await kubectl('create', 'job', 'manual', '--from=cronjob/nightly');
    assert.equal(manual.stdout, 'job.batch/manual created\n', manual.stderr);
    const job = JSON.parse((await kubectl('get', 'job', 'manual', '-o', 'json')).stdout);
    assert.equal(job.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.deepEqual(job.metadata.ownerReferences.map((r: { kind: string; name: string; controller: boolean }) => [r.kind, r.name, r.controller]), [['CronJob', 'nightly', true]]);
    assert.equal(job.spec.template.spec.restartPolicy, 'OnFailure');
    assert.equal(job.spec.template.metadata.labels['batch.kubernetes.io/job-name'], 'manual');
  });

  it('autoscales a deployment with an autoscaling/v2 HorizontalPodAutoscaler', async () => {
    const created = await kubectl('autoscale', 'deployment', 'web', '--min=2', '--max=5', '--cpu-percent=50');
    assert.equal(created.stdout, 'horizontalpodautoscaler.autoscaling/web autoscaled\n', created.stderr);
    const table = await kubectl('get', 'hpa');
    assert.match(table.stdout, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\nweb\s+Deployment\/web\s+cpu: <unknown>\/50%\s+2\s+5\s+0\s+\d+s\n$/);
  });

  it('serves the same HorizontalPodAutoscalers as autoscaling/v1, converted as kube converts them', async () => {
    const groupDoc = JSON.parse((await apiRequest(stack, 'GET', '/apis/autoscaling')).body);
    assert.deepEqual(groupDoc.versions.map((v: { version: string }) => v.version), ['v2', 'v1']);
    assert.equal(groupDoc.preferredVersion.version, 'v2');
    const resources = JSON.parse((await apiRequest(stack, 'GET', '/apis/autoscaling/v1')).body).resources.map((r: { name: string; kind: string }) => [r.name, r.kind]);
    assert.deepEqual(resources, [['horizontalpodautoscalers', 'HorizontalPodAutoscaler'], ['horizontalpodautoscalers/status', 'HorizontalPodAutoscaler']]);

    // Created in v1: minReplicas and the CPU target defaulted, read back the same in v2.
    const v1Path = `/apis/autoscaling/v1/namespaces/${NS}/horizontalpodautoscalers`;
    const v2Path = `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers`;
    const created = await apiRequest(stack, 'POST', v1Path, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'legacy' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 4 } });
    assert.equal(created.code, 201, created.body);
    const v1 = JSON.parse(created.body);
    assert.deepEqual([v1.apiVersion, v1.spec, v1.status], ['autoscaling/v1', { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 4, targetCPUUtilizationPercentage: 80 }, { currentReplicas: 0, desiredReplicas: 0 }]);
    const dry = await apiRequest(stack, 'POST', `${v1Path}?dryRun=All`, { ...v1, metadata: { name: 'dry' }, spec: { ...v1.spec, targetCPUUtilizationPercentage: undefined }, status: undefined });
    assert.equal(dry.code, 201, dry.body);
    assert.equal(JSON.parse(dry.body).spec.targetCPUUtilizationPercentage, 80);
    const v2 = JSON.parse((await apiRequest(stack, 'GET', `${v2Path}/legacy`)).body);
    assert.equal(v2.apiVersion, 'autoscaling/v2');
    assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    assert.equal(v2.metadata.resourceVersion, v1.metadata.resourceVersion);

    // Written in v2 with what v1 cannot say: v1 carries it in annotations, and a v1 update keeps it.
    const metrics = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
    ];
    const updated = await apiRequest(stack, 'PUT', `${v2Path}/legacy`, { ...v2, spec: { ...v2.spec, metrics } });
    assert.equal(updated.code, 200, updated.body);
    const asV1 = JSON.parse((await apiRequest(stack, 'GET', `${v1Path}/legacy`)).body);
    assert.equal(asV1.spec.targetCPUUtilizationPercentage, 60);
    assert.equal(asV1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'], '[{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"10"}}]');
    const v1Update = await apiRequest(stack, 'PUT', `${v1Path}/legacy`, { ...asV1, spec: { ...asV1.spec, maxReplicas: 6 } });
    assert.equal(v1Update.code, 200, v1Update.body);
    const back = JSON.parse((await apiRequest(stack, 'GET', `${v2Path}/legacy`)).body);
    assert.equal(back.spec.maxReplicas, 6);
    assert.deepEqual(back.spec.metrics, [metrics[1], metrics[0]]);
    assert.equal(back.metadata.annotations, undefined);

    // The status subresource through v1: the current CPU utilization becomes v2's current metric.
    const current = JSON.parse((await apiRequest(stack, 'GET', `${v1Path}/legacy`)).body);
    const status = await apiRequest(stack, 'PUT', `${v1Path}/legacy/status`, { ...current, status: { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 42 } });
    assert.equal(status.code, 200, status.body);
    assert.deepEqual(JSON.parse(status.body).status, { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 42 });
    const withStatus = JSON.parse((await apiRequest(stack, 'GET', `${v2Path}/legacy`)).body);
    assert.deepEqual(withStatus.status, { currentReplicas: 2, desiredReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 42 } } }] });

    // A v1 watch and list see v1 objects; kubectl prints them as for v2.
    const list = JSON.parse((await apiRequest(stack, 'GET', v1Path)).body);
    assert.deepEqual([list.kind, list.apiVersion, list.items.map((i: { apiVersion?: string; metadata: { name: string } }) => i.metadata.name)], ['HorizontalPodAutoscalerList', 'autoscaling/v1', ['legacy', 'web']]);
    const table = await kubectl('get', 'horizontalpodautoscalers.v1.autoscaling', 'legacy');
    assert.match(table.stdout, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\nlegacy\s+Deployment\/web\s+<unknown>\/10, cpu: <unknown>\/60%\s+1\s+6\s+2\s+\d+s\n$/, table.stderr);
    assert.equal((await kubectl('delete', 'horizontalpodautoscalers.v1.autoscaling', 'legacy')).code, 0);
  });

  it('lists every workload with kubectl get all', async () => {
    const res = await kubectl('get', 'all');
    assert.equal(res.code, 0, res.stderr);
    for (const name of ['deployment.apps/web', 'job.batch/pi', 'cronjob.batch/nightly', 'horizontalpodautoscaler.autoscaling/web']) {
      assert.match(res.stdout, new RegExp(`^${name.replace(/[./]/g, '\\$&')}\\s`, 'm'), res.stdout);
    }
  });
});
