// The admission service's built-in plugins against a real stack, through kubectl: LimitRanger's
// defaults and refusals, NamespaceLifecycle's messages, PodSecurity's refusal and warning,
// ServiceAccount and Priority on a pod, and a
// stack whose KAPI_DISABLE_ADMISSION_PLUGINS switches two of them off. Every message is the one
// kube-apiserver v1.34 answers for the same request.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiRequest, eventually, startTestStack, type TestStack } from './harness.js';

describe('admission plugins', () => {
  let stack: TestStack;
  const kubectl = (args: string[], input?: string) => stack.kubectl(args, input === undefined ? {} : { input });
  const apply = async (obj: unknown) => {
    const res = await kubectl(['apply', '-f', '-'], JSON.stringify(obj));
    assert.equal(res.code, 0, res.stderr);
  };
  const getJson = async (args: string[]) => {
    const res = await kubectl(['get', ...args, '-o', 'json']);
    assert.equal(res.code, 0, res.stderr);
    return JSON.parse(res.stdout);
  };

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1 });
    assert.equal((await kubectl(['create', 'namespace', 'limits'])).code, 0);
    // The namespace's default ServiceAccount is created by a controller just after it.
    await eventually(async () => assert.equal((await kubectl(['-n', 'limits', 'get', 'serviceaccount', 'default'])).code, 0));
  });

  after(async () => {
    await stack?.stop();
  });

  it('LimitRanger: a new pod gets the namespace\'s default requests and limits, and what is out of bounds is refused in kube\'s words', async () => {
    await apply({
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'lr', namespace: 'limits' },
      spec: {
        limits: [
          { type: 'Container', max: { cpu: '1', memory: '1Gi' }, min: { cpu: '100m' }, default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '200m' }, maxLimitRequestRatio: { cpu: '3' } },
          { type: 'Pod', max: { cpu: '2' } },
          { type: 'PersistentVolumeClaim', max: { storage: '2Gi' }, min: { storage: '1Gi' } },
        ],
      },
    });
    const run = await kubectl(['-n', 'limits', 'run', 'd1', '--image=nginx']);
    assert.equal(run.stdout, 'pod/d1 created\n', run.stderr);
    const pod = await getJson(['-n', 'limits', 'pod', 'd1']);
    assert.equal(pod.metadata.annotations['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu, memory request for container d1; cpu, memory limit for container d1');
    assert.deepEqual(pod.spec.containers[0].resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '200m', memory: '256Mi' } });
    assert.equal(pod.status.qosClass, 'Burstable');

    const tooBig = await kubectl(['-n', 'limits', 'run', 'd2', '--image=nginx', '--overrides={"spec":{"containers":[{"name":"d2","image":"nginx","resources":{"limits":{"cpu":"3"},"requests":{"cpu":"50m"}}}]}}']);
    assert.equal(tooBig.code, 1);
    assert.equal(
      tooBig.stderr,
      'Error from server (Forbidden): pods "d2" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, maximum cpu usage per Container is 1, but limit is 3, cpu max limit to request ratio per Container is 3, but provided ratio is 60.000000, maximum cpu usage per Pod is 2, but limit is 3]\n',
    );
    const claim = await kubectl(['-n', 'limits', 'create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'big' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } } }));
    assert.equal(claim.stderr, 'Error from server (Forbidden): error when creating "STDIN": persistentvolumeclaims "big" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi\n');
    // A dry run goes through admission too.
    const dry = await kubectl(['-n', 'limits', 'run', 'd3', '--image=nginx', '--dry-run=server', '-o', 'jsonpath={.spec.containers[0].resources.limits.cpu}']);
    assert.equal(dry.stdout, '500m', dry.stderr);
  });

  it('NamespaceLifecycle: no content in a missing or terminating namespace, and the system namespaces stay', async () => {
    const missing = await kubectl(['-n', 'nowhere', 'create', 'configmap', 'c']);
    assert.equal(missing.stderr, 'error: failed to create configmap: namespaces "nowhere" not found\n');
    const immortal = await kubectl(['delete', 'namespace', 'default']);
    assert.equal(immortal.stderr, 'Error from server (Forbidden): namespaces "default" is forbidden: this namespace may not be deleted\n');

    // A ConfigMap with a finalizer holds its namespace in Terminating.
    assert.equal((await kubectl(['create', 'namespace', 'going'])).code, 0);
    await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'going', finalizers: ['example.com/hold'] } });
    assert.equal((await kubectl(['delete', 'namespace', 'going', '--wait=false'])).code, 0);
    await eventually(async () => assert.equal((await getJson(['namespace', 'going'])).status.phase, 'Terminating'));
    await eventually(async () => {
      const refused = await kubectl(['-n', 'going', 'create', 'configmap', 'late']);
      assert.equal(refused.stderr, 'error: failed to create configmap: configmaps "late" is forbidden: unable to create new content in namespace going because it is being terminated\n');
    });
    const status = await apiRequest(stack, 'POST', '/api/v1/namespaces/going/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' } });
    assert.equal(status.code, 403);
    assert.deepEqual(JSON.parse(status.body).details, {
      name: 'late',
      kind: 'configmaps',
      causes: [{ reason: 'NamespaceTerminating', message: 'namespace going is being terminated', field: 'metadata.namespace' }],
    });
    assert.equal((await kubectl(['-n', 'going', 'patch', 'configmap', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}'])).code, 0);
  });

  it('PodSecurity: a namespace\'s labels enforce, warn about and audit the Pod Security Standards, in kube\'s words', async () => {
    assert.equal((await kubectl(['create', 'namespace', 'secure'])).code, 0);
    assert.equal((await kubectl(['label', 'namespace', 'secure', 'pod-security.kubernetes.io/enforce=restricted'])).code, 0);
    await eventually(async () => assert.equal((await kubectl(['-n', 'secure', 'get', 'serviceaccount', 'default'])).code, 0));
    // The label may take a moment to reach the admission service's informer.
    await eventually(async () => {
      const refused = await kubectl(['-n', 'secure', 'run', 'web', '--image=nginx']);
      assert.equal(
        refused.stderr,
        'Error from server (Forbidden): pods "web" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "web" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "web" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "web" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")\n',
      );
    });

    assert.equal((await kubectl(['label', 'namespace', 'limits', 'pod-security.kubernetes.io/warn=baseline'])).code, 0);
    await eventually(async () => {
      const warned = await kubectl(['-n', 'limits', 'run', `priv-${Date.now()}`, '--image=nginx', '--dry-run=server', '--overrides={"spec":{"containers":[{"name":"priv","image":"nginx","securityContext":{"privileged":true}}]}}']);
      assert.equal(warned.code, 0, warned.stderr);
      assert.equal(warned.stderr, 'Warning: would violate PodSecurity "baseline:latest": privileged (container "priv" must not set securityContext.privileged=true)\n');
    });
    const relabel = await kubectl(['label', 'namespace', 'limits', 'pod-security.kubernetes.io/enforce=bogus']);
    assert.equal(relabel.stderr, 'The Namespace "limits" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "bogus": must be one of privileged, baseline, restricted\n');
  });

  it('ServiceAccount and Priority: a pod runs as an existing account, with its class\'s priority', async () => {
    const critical = await kubectl(['-n', 'limits', 'run', 'critical', '--image=nginx', '--overrides={"spec":{"priorityClassName":"system-cluster-critical"}}']);
    assert.equal(critical.code, 0, critical.stderr);
    const pod = await getJson(['-n', 'limits', 'pod', 'critical']);
    assert.deepEqual([pod.spec.priority, pod.spec.preemptionPolicy, pod.spec.serviceAccountName, pod.spec.serviceAccount], [2000000000, 'PreemptLowerPriority', 'default', 'default']);
    assert.match(pod.spec.volumes[0].name, /^kube-api-access-[a-z0-9]{5}$/);
    // What admission added belongs to no field manager, as in kube.
    const managed = JSON.stringify((await getJson(['-n', 'limits', 'pod', 'critical', '--show-managed-fields'])).metadata.managedFields);
    assert.doesNotMatch(managed, /f:volumes|f:serviceAccountName|f:tolerations|f:priority"/);

    const ghost = await kubectl(['-n', 'limits', 'run', 'ghost', '--image=nginx', '--overrides={"spec":{"serviceAccountName":"ghost"}}']);
    assert.equal(ghost.stderr, 'Error from server (Forbidden): pods "ghost" is forbidden: error looking up service account limits/ghost: serviceaccount "ghost" not found\n');
    const unknownClass = await kubectl(['-n', 'limits', 'run', 'vip', '--image=nginx', '--overrides={"spec":{"priorityClassName":"vip"}}']);
    assert.equal(unknownClass.stderr, 'Error from server (Forbidden): pods "vip" is forbidden: no PriorityClass with name vip was found\n');
    const secondDefault = await kubectl(['create', 'priorityclass', 'fallback', '--value=5', '--global-default']);
    assert.equal(secondDefault.code, 0, secondDefault.stderr);
    const thirdDefault = await kubectl(['create', 'priorityclass', 'other', '--value=6', '--global-default']);
    assert.equal(thirdDefault.stderr, 'error: failed to create priorityclass: priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass fallback is already marked as default. Only one default can exist\n');
  });
});

describe('admission plugins switched off by KAPI_DISABLE_ADMISSION_PLUGINS', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1, env: { KAPI_DISABLE_ADMISSION_PLUGINS: 'ServiceAccount,DefaultTolerationSeconds' } });
  });

  after(async () => {
    await stack?.stop();
  });

  it('leaves a new pod without an account, a token volume or the default tolerations, and still runs the others', async () => {
    const run = await stack.kubectl(['-n', 'default', 'run', 'bare', '--image=nginx']);
    assert.equal(run.code, 0, run.stderr);
    const pod = JSON.parse((await stack.kubectl(['-n', 'default', 'get', 'pod', 'bare', '-o', 'json'])).stdout);
    assert.equal(pod.spec.serviceAccountName, undefined);
    assert.equal(pod.spec.volumes, undefined);
    assert.equal(pod.spec.tolerations, undefined);
    // Priority still runs.
    assert.equal(pod.spec.priority, 0);
    const missing = await stack.kubectl(['-n', 'nowhere', 'create', 'configmap', 'c']);
    assert.equal(missing.stderr, 'error: failed to create configmap: namespaces "nowhere" not found\n');
  });
});
