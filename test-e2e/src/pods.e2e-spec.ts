// Pods, Nodes, volumes and disruption budgets through kubectl: `kubectl run` and the defaults kube
// gives a pod, kube's columns, binding a pod to a node, eviction against a PodDisruptionBudget,
// graceful deletion, and what the node-facing subresources answer without a node.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiRequest, startTestStack, type TestStack } from './harness.js';

const NS = 'default';
const podsPath = `/api/v1/namespaces/${NS}/pods`;

describe('pods', () => {
  let stack: TestStack;
  const kubectl = (args: string[], input?: string) => stack.kubectl(args, input === undefined ? {} : { input });
  const createJson = async (obj: unknown) => {
    const res = await kubectl(['create', '-f', '-'], JSON.stringify(obj));
    assert.equal(res.code, 0, res.stderr);
    return res.stdout;
  };
  const getJson = async (args: string[]) => {
    const res = await kubectl(['get', ...args, '-o', 'json']);
    assert.equal(res.code, 0, res.stderr);
    return JSON.parse(res.stdout);
  };
  /** Acts as the kubelet would: the pod is running and ready. */
  const markRunning = async (name: string) => {
    const res = await apiRequest(stack, 'PATCH', `${podsPath}/${name}/status`, { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(res.code, 200, res.body);
  };
  const evict = (name: string) => apiRequest(stack, 'POST', `${podsPath}/${name}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: NS } });

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1 });
  });

  after(async () => {
    await stack?.stop();
  });

  it('runs a pod with the defaults kube gives it', async () => {
    const run = await kubectl(['-n', NS, 'run', 'web', '--image=nginx']);
    assert.equal(run.stdout, 'pod/web created\n', run.stderr);
    const pod = await getJson(['-n', NS, 'pod', 'web']);
    const { volumes, containers, ...spec } = pod.spec;
    assert.deepEqual(spec, {
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount: 'default',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
      tolerations: [
        { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
        { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
      ],
    });
    assert.equal(volumes.length, 1);
    assert.match(volumes[0].name, /^kube-api-access-[a-z0-9]{5}$/);
    assert.equal(volumes[0].projected.defaultMode, 420);
    assert.deepEqual(containers, [
      {
        name: 'web',
        image: 'nginx',
        imagePullPolicy: 'Always',
        resources: {},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        volumeMounts: [{ name: volumes[0].name, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
      },
    ]);
    assert.deepEqual(pod.status, { phase: 'Pending', qosClass: 'BestEffort' });
    assert.deepEqual(pod.metadata.labels, { run: 'web' });
  });

  it('prints kube columns, wide ones too, and selects by pod fields', async () => {
    const table = await kubectl(['-n', NS, 'get', 'pods']);
    assert.match(table.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nweb\s+0\/1\s+Pending\s+0\s+\d+s\n$/, table.stderr);
    const wide = await kubectl(['-n', NS, 'get', 'pods', '-o', 'wide']);
    assert.match(wide.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\nweb\s+0\/1\s+Pending\s+0\s+\d+s\s+<none>\s+<none>\s+<none>\s+<none>\n$/);
    assert.match((await kubectl(['-n', NS, 'get', 'pods', '--field-selector', 'status.phase=Pending,spec.nodeName=', '-o', 'name'])).stdout, /^pod\/web\n$/);
    assert.equal((await kubectl(['-n', NS, 'get', 'pods', '--field-selector', 'spec.restartPolicy=Never', '-o', 'name'])).stdout, '');
    const bad = await kubectl(['-n', NS, 'get', 'pods', '--field-selector', 'spec.image=nginx']);
    assert.match(bad.stderr, /field label not supported: spec.image/);
  });

  it('refuses an invalid pod and a forbidden update with kube field paths and wording', async () => {
    const res = await kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad', namespace: NS }, spec: { containers: [{ name: 'Bad_Name' }], restartPolicy: 'Sometimes' } }));
    assert.match(res.stderr, /The Pod "bad" is invalid: \n\* spec.containers\[0\].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of/);
    assert.match(res.stderr, /\* spec.containers\[0\].image: Required value/);
    assert.match(res.stderr, /\* spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"/);
    const patch = await kubectl(['-n', NS, 'patch', 'pod', 'web', '-p', '{"spec":{"restartPolicy":"Never"}}']);
    assert.match(patch.stderr, /The Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`,`spec.initContainers\[\*\].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` \(only additions to existing tolerations\),`spec.terminationGracePeriodSeconds` \(allow it to be set to 1 if it was previously negative\)/);
    const image = await kubectl(['-n', NS, 'patch', 'pod', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/containers/0/image","value":"nginx:1.27"}]']);
    assert.equal(image.stdout, 'pod/web patched\n', image.stderr);
    const web = await getJson(['-n', NS, 'pod', 'web']);
    assert.deepEqual([web.spec.containers[0].image, web.spec.containers[0].imagePullPolicy], ['nginx:1.27', 'Always']);
    assert.equal(web.metadata.generation, 2);
  });

  it('binds a pod to a node once', async () => {
    await createJson({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', labels: { 'node-role.kubernetes.io/control-plane': '' } }, status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.33.0' } } });
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } };
    const bound = await apiRequest(stack, 'POST', `${podsPath}/web/binding`, binding);
    assert.equal(bound.code, 201, bound.body);
    assert.equal(JSON.parse(bound.body).status, 'Success');
    const pod = await getJson(['-n', NS, 'pod', 'web']);
    assert.equal(pod.spec.nodeName, 'node-1');
    assert.deepEqual(
      pod.status.conditions.map((c: { type: string; status: string }) => [c.type, c.status]),
      [['PodScheduled', 'True']],
    );
    const again = await apiRequest(stack, 'POST', `${podsPath}/web/binding`, { ...binding, target: { kind: 'Node', name: 'node-2' } });
    assert.equal(again.code, 409);
    const status = JSON.parse(again.body);
    assert.equal(status.reason, 'Conflict');
    assert.equal(status.message, 'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "node-1"');
    assert.match((await kubectl(['-n', NS, 'get', 'pods', '-o', 'wide'])).stdout, /\nweb\s+0\/1\s+Pending\s+0\s+\d+s\s+<none>\s+node-1\s+<none>\s+<none>\n$/);
    assert.match((await kubectl(['-n', NS, 'get', 'pods', '--field-selector', 'spec.nodeName=node-1', '-o', 'name'])).stdout, /^pod\/web\n$/);
  });

  it('answers the node-facing subresources without hanging', async () => {
    await kubectl(['-n', NS, 'run', 'idle', '--image=busybox']);
    const exec = await kubectl(['-n', NS, 'exec', 'idle', '--', 'true']);
    assert.notEqual(exec.code, 0);
    assert.match(exec.stderr, /pod idle does not have a host assigned/);
    const log = await apiRequest(stack, 'GET', `${podsPath}/idle/log`);
    assert.deepEqual([log.code, log.body], [200, '']);
    const wrong = await apiRequest(stack, 'GET', `${podsPath}/idle/log?container=nope`);
    assert.equal(wrong.code, 400);
    assert.equal(JSON.parse(wrong.body).message, 'container nope is not valid for pod idle');
    for (const path of ['proxy/', 'proxy/healthz']) {
      const proxy = await apiRequest(stack, 'GET', `${podsPath}/idle/${path}`);
      assert.deepEqual([proxy.code, JSON.parse(proxy.body).message], [400, 'address not allowed']);
    }
    // The pod is still there: no subresource deleted or changed it.
    assert.equal((await getJson(['-n', NS, 'pod', 'idle'])).status.phase, 'Pending');
  });

  it('adds ephemeral containers and resizes only through their subresources', async () => {
    const merge = { 'Content-Type': 'application/merge-patch+json' };
    const debug = await apiRequest(stack, 'PATCH', `${podsPath}/idle/ephemeralcontainers`, { spec: { ephemeralContainers: [{ name: 'debug', image: 'busybox', targetContainerName: 'idle' }], restartPolicy: 'Never' } }, merge);
    assert.equal(debug.code, 200, debug.body);
    const pod = JSON.parse(debug.body);
    assert.equal(pod.spec.restartPolicy, 'Always');
    assert.deepEqual(pod.spec.ephemeralContainers.map((c: { name: string; imagePullPolicy: string }) => [c.name, c.imagePullPolicy]), [['debug', 'Always']]);
    const direct = await apiRequest(stack, 'PATCH', `${podsPath}/idle`, { spec: { ephemeralContainers: [] } }, merge);
    assert.equal(direct.code, 422);
    assert.match(JSON.parse(direct.body).message, /^Pod "idle" is invalid: spec: Forbidden: pod updates may not change fields other than/);
    const resize = await apiRequest(stack, 'PATCH', `${podsPath}/idle/resize`, { spec: { containers: [{ name: 'idle', resources: { requests: { cpu: '100m' } } }] } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    assert.equal(resize.code, 422, resize.body);
    assert.equal(JSON.parse(resize.body).message, 'Pod "idle" is invalid: spec: Invalid value: "BestEffort": Pod QOS Class may not change as a result of resizing');
  });

  it('evicts a pod unless its disruption budget forbids it', async () => {
    await kubectl(['-n', NS, 'run', 'guarded', '--image=nginx', '--labels=app=guarded']);
    await kubectl(['-n', NS, 'run', 'free', '--image=nginx', '--labels=app=free']);
    await markRunning('guarded');
    await markRunning('free');
    assert.equal((await kubectl(['-n', NS, 'create', 'pdb', 'guard', '--selector=app=guarded', '--min-available=1'])).stdout, 'poddisruptionbudget.policy/guard created\n');
    assert.match((await kubectl(['-n', NS, 'get', 'pdb'])).stdout, /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\nguard\s+1\s+N\/A\s+0\s+\d+s\n$/);

    // No disruption controller has looked at the budget yet.
    let refused = await evict('guarded');
    assert.equal(refused.code, 429, refused.body);
    let status = JSON.parse(refused.body);
    assert.equal(status.reason, 'TooManyRequests');
    assert.equal(status.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(status.details.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget guard is still being processed by the server.' }]);

    // Acting as the disruption controller: one healthy pod, none to spare.
    const pdbStatus = await apiRequest(stack, 'PATCH', `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/guard/status`, { status: { observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(pdbStatus.code, 200, pdbStatus.body);
    refused = await evict('guarded');
    assert.equal(refused.code, 429);
    status = JSON.parse(refused.body);
    assert.deepEqual(status.details.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget guard needs 1 healthy pods and has 1 currently' }]);
    assert.equal((await getJson(['-n', NS, 'pod', 'guarded'])).metadata.name, 'guarded');

    const allowed = await evict('free');
    assert.equal(allowed.code, 201, allowed.body);
    assert.equal(JSON.parse(allowed.body).status, 'Success');
    assert.match((await kubectl(['-n', NS, 'get', 'pod', 'free'])).stderr, /Error from server \(NotFound\): pods "free" not found/);
  });

  it('drains a node through the eviction subresource', async () => {
    await createJson({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-2' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    await kubectl(['-n', NS, 'run', 'drained', '--image=nginx']);
    const bound = await apiRequest(stack, 'POST', `${podsPath}/drained/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'drained' }, target: { kind: 'Node', name: 'node-2' } });
    assert.equal(bound.code, 201, bound.body);
    const drain = await kubectl(['drain', 'node-2', '--force', '--grace-period=0', '--timeout=60s']);
    assert.equal(drain.code, 0, drain.stderr);
    assert.match(drain.stdout, /^node\/node-2 cordoned\n/);
    assert.match(drain.stdout, /pod\/drained evicted\n/);
    assert.match(drain.stdout, /node\/node-2 drained\n$/);
    assert.match((await kubectl(['-n', NS, 'get', 'pod', 'drained'])).stderr, /pods "drained" not found/);
  });

  it('deletes an unbound pod at once and leaves a bound one for its kubelet', async () => {
    const gone = await kubectl(['-n', NS, 'delete', 'pod', 'idle']);
    assert.equal(gone.stdout, 'pod "idle" deleted\n', gone.stderr);
    assert.match((await kubectl(['-n', NS, 'get', 'pod', 'idle'])).stderr, /pods "idle" not found/);

    const marked = await kubectl(['-n', NS, 'delete', 'pod', 'web', '--wait=false']);
    assert.equal(marked.stdout, 'pod "web" deleted\n', marked.stderr);
    const web = await getJson(['-n', NS, 'pod', 'web']);
    assert.equal(web.metadata.deletionGracePeriodSeconds, 30);
    assert.ok(Date.parse(web.metadata.deletionTimestamp) > Date.parse(web.metadata.creationTimestamp));
    assert.match((await kubectl(['-n', NS, 'get', 'pod', 'web'])).stdout, /\nweb\s+0\/1\s+Terminating\s+0\s+\d+s\n$/);
    // A status write from the kubelet does not finish the deletion; a zero grace period does.
    await markRunning('web');
    assert.equal((await getJson(['-n', NS, 'pod', 'web'])).metadata.deletionGracePeriodSeconds, 30);
    const forced = await kubectl(['-n', NS, 'delete', 'pod', 'web', '--grace-period=0', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match((await kubectl(['-n', NS, 'get', 'pod', 'web'])).stderr, /pods "web" not found/);
  });

  it('creates nodes, volumes and claims and prints their tables', async () => {
    const nodes = await kubectl(['get', 'nodes']);
    assert.match(nodes.stdout, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\nnode-1\s+Ready\s+control-plane\s+\d+s\s+v1\.33\.0\nnode-2\s+Ready,SchedulingDisabled\s+<none>\s+\d+s\s+\n$/, nodes.stderr);
    assert.equal((await kubectl(['cordon', 'node-1'])).stdout, 'node/node-1 cordoned\n');
    assert.match((await kubectl(['get', 'nodes', '--field-selector', 'spec.unschedulable=true'])).stdout, /\nnode-1\s+Ready,SchedulingDisabled\s+control-plane\s+\d+s\s+v1\.33\.0\nnode-2\s/);
    // No kubelet is ever dialled: the node's proxy answers, and never reads or writes the node itself.
    const proxy = await apiRequest(stack, 'GET', '/api/v1/nodes/node-1/proxy');
    assert.deepEqual([proxy.code, JSON.parse(proxy.body).message], [500, 'Internal error occurred: no preferred addresses found; known addresses: []']);
    assert.equal((await apiRequest(stack, 'DELETE', '/api/v1/nodes/node-1/proxy')).code, 500);
    assert.equal((await getJson(['node', 'node-1'])).metadata.name, 'node-1');
    assert.match((await kubectl(['get', 'nodes', '-o', 'wide'])).stdout, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME\n/);

    await createJson({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/pv-1' } } });
    const pv = await getJson(['pv', 'pv-1']);
    assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Retain');
    assert.equal(pv.spec.volumeMode, 'Filesystem');
    assert.equal(pv.status.phase, 'Pending');
    assert.match(
      (await kubectl(['get', 'pv'])).stdout,
      /^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE\npv-1\s+1Gi\s+RWO\s+Retain\s+Pending\s+<unset>\s+\d+s\n$/,
    );
    const noSource = await kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-2' }, spec: { accessModes: ['ReadWriteOnce'] } }));
    assert.match(noSource.stderr, /The PersistentVolume "pv-2" is invalid: \n\* spec.accessModes|spec.capacity: Required value/);

    await createJson({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: NS }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    const pvc = await getJson(['-n', NS, 'pvc', 'data']);
    assert.equal(pvc.spec.volumeMode, 'Filesystem');
    assert.deepEqual(pvc.status, { phase: 'Pending' });
    assert.match(
      (await kubectl(['-n', NS, 'get', 'pvc'])).stdout,
      /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE\ndata\s+Pending\s+<unset>\s+\d+s\n$/,
    );
    const grow = await kubectl(['-n', NS, 'patch', 'pvc', 'data', '-p', '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}']);
    assert.match(grow.stderr, /The PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests for bound claims/);
  });
});
