// Workload kinds through kubectl: create, the printed tables, kube's defaults, the scale subresource
// (kubectl scale, and a stale Scale's conflict), rollout restart, kube's selector error, jobs and
// cronjobs, and `kubectl get all`.
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
});
