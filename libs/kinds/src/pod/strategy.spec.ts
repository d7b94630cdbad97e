import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { checkFieldSelector } from '../strategy.js';
import { parseFieldSelector } from '@kapi/api-machinery';
import { podGracePeriod, podQosClass, podStrategy, podSummary } from './strategy.js';

const pod = (spec: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'ns' }, spec, ...extra });
const created = (spec: Record<string, unknown>) => {
  const obj = pod(structuredClone(spec));
  prepareNew(podStrategy, obj);
  return obj;
};
const errors = (spec: Record<string, unknown>) => podStrategy.validate(created(spec)).map(renderFieldError);
const nginx = { name: 'nginx', image: 'nginx:1.27' };
const NOW = Date.parse('2026-01-01T00:10:00Z');

describe('podStrategy.info', () => {
  it('describes core v1 pods with the subresources kube serves', () => {
    const info = podStrategy.info;
    assert.deepEqual([info.resource, info.kind, info.namespaced, info.shortNames, info.categories], ['pods', 'Pod', true, ['po'], ['all']]);
    assert.deepEqual(info.subresources, ['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'proxy', 'resize', 'status']);
  });
});

describe('podStrategy defaults', () => {
  it('defaults what `kubectl run web --image=nginx` leaves out, and starts Pending as BestEffort', () => {
    assert.deepEqual(created({ containers: [{ name: 'web', image: 'nginx' }] }), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'ns' },
      spec: {
        containers: [{ name: 'web', image: 'nginx', imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {} }],
        dnsPolicy: 'ClusterFirst',
        restartPolicy: 'Always',
        securityContext: {},
        terminationGracePeriodSeconds: 30,
        schedulerName: 'default-scheduler',
        enableServiceLinks: true,
      },
      status: { phase: 'Pending', qosClass: 'BestEffort' },
    });
  });

  it('defaults requests to limits, host-network ports and volume sources', () => {
    const obj = created({
      hostNetwork: true,
      containers: [{ ...nginx, ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1', memory: '1Gi' } } }],
      volumes: [{ name: 'scratch' }, { name: 'conf', configMap: { name: 'c' } }],
    });
    const spec = obj.spec as { containers: { resources: unknown; ports: unknown }[]; volumes: unknown };
    assert.deepEqual(spec.containers[0].resources, { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } });
    assert.deepEqual(spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP', hostPort: 80 }]);
    assert.deepEqual(spec.volumes, [{ name: 'scratch', emptyDir: {} }, { name: 'conf', configMap: { name: 'c', defaultMode: 420 } }]);
    assert.equal((obj.status as { qosClass: string }).qosClass, 'Guaranteed');
  });

  it('classifies quality of service as kube does', () => {
    assert.equal(podQosClass({ containers: [{ resources: { requests: { cpu: '100m' } } }] }), 'Burstable');
    assert.equal(podQosClass({ containers: [{ resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } } }] }), 'Burstable');
    assert.equal(podQosClass({ containers: [{ resources: { requests: { 'example.com/gpu': '1' } } }] }), 'BestEffort');
  });

  it('fills serviceAccountName from the deprecated serviceAccount, and shows both', () => {
    const spec = created({ containers: [nginx], serviceAccount: 'robot' }).spec as { serviceAccount: string; serviceAccountName: string };
    assert.deepEqual([spec.serviceAccountName, spec.serviceAccount], ['robot', 'robot']);
  });

  it('marks a gated pod unschedulable', () => {
    const obj = created({ containers: [nginx], schedulingGates: [{ name: 'wait' }] });
    assert.deepEqual((obj.status as { conditions: unknown }).conditions, [
      { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: null, reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' },
    ]);
  });
});

describe('podStrategy.validate', () => {
  it('accepts a minimal pod', () => {
    assert.deepEqual(errors({ containers: [nginx] }), []);
  });

  it('reports what kube reports, with its field paths', () => {
    const table: [Record<string, unknown>, string[]][] = [
      [{}, ['spec.containers: Required value']],
      [{ containers: [nginx, nginx] }, ['spec.containers[1].name: Duplicate value: "nginx"']],
      [{ containers: [nginx], dnsPolicy: 'Google' }, ['spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"']],
      [{ containers: [{ ...nginx, ports: [{ containerPort: 80, name: 'web_1' }] }] }, ['spec.containers[0].ports[0].name: Invalid value: "web_1": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']],
      [{ containers: [{ ...nginx, resources: { limits: { memory: '1Gi' }, requests: { memory: '2Gi' } } }] }, ['spec.containers[0].resources.requests: Invalid value: "2Gi": must be less than or equal to memory limit']],
      [{ containers: [nginx], volumes: [{ name: 'a', emptyDir: {} }, { name: 'a', emptyDir: {} }] }, ['spec.volumes[1].name: Duplicate value: "a"']],
      [{ containers: [nginx], volumes: [{ name: 'a', emptyDir: {}, secret: { secretName: 's' } }] }, ['spec.volumes[0].secret: Forbidden: may not specify more than 1 volume type']],
      [{ containers: [{ ...nginx, volumeMounts: [{ name: 'missing', mountPath: '/x' }] }] }, ['spec.containers[0].volumeMounts[0].name: Not found: "missing"']],
      [{ containers: [{ ...nginx, ports: [{ containerPort: 80, hostPort: 8080 }] }], hostNetwork: true }, ['spec.containers[0].ports[0].containerPort: Invalid value: 80: must match `hostPort` when `hostNetwork` is true']],
    ];
    for (const [spec, expected] of table) assert.deepEqual(errors(spec), expected, JSON.stringify(spec));
  });
});

describe('podStrategy.validateUpdate', () => {
  const before = created({ containers: [nginx], tolerations: [{ key: 'a', operator: 'Exists' }] });
  const update = (change: (spec: Record<string, unknown> & { containers: { image: string }[] }) => void) => {
    const next = structuredClone(before);
    change(next.spec as never);
    return podStrategy.validateUpdate(next, before).map(renderFieldError);
  };

  it('lets images, added tolerations and a shorter deadline change', () => {
    assert.deepEqual(update((s) => (s.containers[0].image = 'nginx:1.28')), []);
    assert.deepEqual(update((s) => (s.tolerations = [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }])), []);
    assert.deepEqual(update((s) => (s.activeDeadlineSeconds = 60)), []);
  });

  it('forbids anything else in kube words', () => {
    const [message] = update((s) => (s.restartPolicy = 'Never'));
    assert.ok(
      message.startsWith(
        'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
      ),
      message,
    );
    assert.deepEqual(update((s) => s.containers.push({ ...nginx, name: 'two' } as never)), ['spec.containers: Forbidden: pod updates may not add or remove containers']);
    assert.deepEqual(update((s) => (s.tolerations = [])), ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds']);
  });
});

describe('pod columns', () => {
  const row = (obj: KubeObject) => podStrategy.tableColumns.map((c) => c.cell(obj, NOW));
  const at = (extra: Partial<KubeObject>, spec: Record<string, unknown> = { containers: [nginx] }) =>
    pod(spec, { ...extra, metadata: { name: 'web', namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z', ...extra.metadata } });

  it('prints NAME READY STATUS RESTARTS AGE, then IP NODE NOMINATED NODE READINESS GATES for -o wide', () => {
    assert.deepEqual(podStrategy.tableColumns.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0], ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1],
    ]);
    assert.deepEqual(row(at({ status: { phase: 'Pending' } })), ['web', '0/1', 'Pending', '0', '10m', '<none>', '<none>', '<none>', '<none>']);
  });

  it('computes STATUS and RESTARTS from container states as the printer does', () => {
    const running = at({
      status: {
        phase: 'Running',
        podIPs: [{ ip: '10.0.0.5' }],
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'nginx', ready: true, restartCount: 2, state: { running: {} }, lastState: { terminated: { finishedAt: '2026-01-01T00:07:00Z' } } }],
      },
    });
    assert.deepEqual(row(running).slice(1, 6), ['1/1', 'Running', '2 (3m ago)', '10m', '10.0.0.5']);
    const waiting = at({ status: { phase: 'Pending', containerStatuses: [{ name: 'nginx', state: { waiting: { reason: 'ImagePullBackOff' } } }] } });
    assert.equal(podSummary(waiting, NOW).status, 'ImagePullBackOff');
    const init = at({ status: { phase: 'Pending', initContainerStatuses: [{ name: 'setup', state: { waiting: { reason: 'PodInitializing' } } }] } }, { containers: [nginx], initContainers: [{ name: 'setup' }] });
    assert.equal(podSummary(init, NOW).status, 'Init:0/1');
    const gated = at({ status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } });
    assert.equal(podSummary(gated, NOW).status, 'SchedulingGated');
    const going = at({ metadata: { name: 'web', deletionTimestamp: '2026-01-01T00:11:00Z' }, status: { phase: 'Running' } });
    assert.equal(podSummary(going, NOW).status, 'Terminating');
  });
});

describe('pod field selectors and graceful deletion', () => {
  it('selects the fields kube supports for pods', () => {
    const obj = created({ containers: [nginx], nodeName: 'n1', serviceAccountName: 'sa' });
    assert.deepEqual(podStrategy.selectableFields(obj), {
      'metadata.name': 'web',
      'metadata.namespace': 'ns',
      'spec.nodeName': 'n1',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': 'sa',
      'spec.hostNetwork': 'false',
      'status.phase': 'Pending',
      'status.podIP': '',
      'status.nominatedNodeName': '',
    });
    checkFieldSelector(podStrategy, parseFieldSelector('status.phase=Running,spec.nodeName='));
  });

  it('waits for the kubelet only for a bound, unfinished pod', () => {
    assert.equal(podGracePeriod(pod({ containers: [nginx] }), undefined), 0);
    assert.equal(podGracePeriod(pod({ nodeName: 'n1', terminationGracePeriodSeconds: 45 }), undefined), 45);
    assert.equal(podGracePeriod(pod({ nodeName: 'n1', terminationGracePeriodSeconds: 45 }), 0), 0);
    assert.equal(podGracePeriod(pod({ nodeName: 'n1' }, { status: { phase: 'Succeeded' } }), 30), 0);
  });
});

describe('pod subresource updates', () => {
  const before = created({ containers: [{ ...nginx, resources: { requests: { cpu: '100m' } } }], restartPolicy: 'Always' });
  const write = (subresource: string, change: (spec: Record<string, unknown> & { containers: Record<string, unknown>[] }) => void) => {
    const next = structuredClone(before);
    change(next.spec as never);
    const rules = podStrategy.subresourceUpdates![subresource];
    const stored = rules.prepareForUpdate(next, before);
    return { stored, errors: [...rules.validateUpdate(stored, before), ...podStrategy.validate(stored)].map(renderFieldError) };
  };

  it('ephemeralcontainers adds debugging containers and keeps everything else', () => {
    const { stored, errors } = write('ephemeralcontainers', (s) => {
      s.ephemeralContainers = [{ name: 'debug', image: 'busybox', targetContainerName: 'nginx' }];
      s.restartPolicy = 'Never';
    });
    assert.deepEqual(errors, []);
    const spec = stored.spec as { restartPolicy: string; ephemeralContainers: unknown[] };
    assert.equal(spec.restartPolicy, 'Always');
    assert.deepEqual(spec.ephemeralContainers, [
      { name: 'debug', image: 'busybox', targetContainerName: 'nginx', imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {} },
    ]);
  });

  it('ephemeralcontainers refuses ports, unknown targets, and removing one', () => {
    assert.deepEqual(write('ephemeralcontainers', (s) => (s.ephemeralContainers = [{ name: 'nginx', image: 'busybox', targetContainerName: 'x', ports: [{ containerPort: 80 }] }])).errors, [
      'spec.ephemeralContainers[0].name: Duplicate value: "nginx"',
      'spec.ephemeralContainers[0].targetContainerName: Not found: "x"',
      'spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container',
    ]);
    const withDebug = write('ephemeralcontainers', (s) => (s.ephemeralContainers = [{ name: 'debug', image: 'busybox' }])).stored;
    const rules = podStrategy.subresourceUpdates!.ephemeralcontainers;
    const dropped = rules.prepareForUpdate({ ...withDebug, spec: { ...(withDebug.spec as object), ephemeralContainers: [] } }, withDebug);
    assert.deepEqual(rules.validateUpdate(dropped, withDebug).map(renderFieldError), ['spec.ephemeralContainers: Forbidden: existing ephemeral containers "debug" may not be removed\n']);
  });

  it('resize changes cpu and memory within the QoS class, and nothing else', () => {
    const grown = write('resize', (s) => {
      s.containers[0].resources = { requests: { cpu: '200m' } };
      s.containers[0].image = 'nginx:2';
    });
    assert.deepEqual(grown.errors, []);
    assert.deepEqual((grown.stored.spec as { containers: { image: string; resources: unknown }[] }).containers.map((c) => [c.image, c.resources]), [['nginx:1.27', { requests: { cpu: '200m' } }]]);
    assert.deepEqual(write('resize', (s) => (s.containers[0].resources = {})).errors, [
      'spec: Invalid value: "Burstable": Pod QOS Class may not change as a result of resizing',
      'spec.containers[0].resources.requests: Forbidden: resource requests cannot be removed',
    ]);
    assert.deepEqual(write('resize', (s) => (s.containers[0].resources = { requests: { cpu: '100m', 'ephemeral-storage': '1Gi' } })).errors, ['spec: Forbidden: only cpu and memory resources are mutable']);
  });
});

describe('pod status updates', () => {
  const before = created({ containers: [nginx] });
  const write = (status: Record<string, unknown>) => {
    const rules = podStrategy.subresourceUpdates!.status;
    const stored = rules.prepareForUpdate({ ...structuredClone(before), status, spec: { containers: [] } }, before);
    return { stored, errors: rules.validateUpdate(stored, before).map(renderFieldError) };
  };

  it('keeps the spec, and podIP and podIPs in step', () => {
    const { stored, errors } = write({ phase: 'Running', qosClass: 'BestEffort', podIP: '10.0.0.7' });
    assert.deepEqual(errors, []);
    assert.deepEqual(stored.spec, before.spec);
    assert.deepEqual(stored.status, { phase: 'Running', qosClass: 'BestEffort', podIP: '10.0.0.7', podIPs: [{ ip: '10.0.0.7' }] });
    assert.equal((write({ qosClass: 'BestEffort', podIPs: [{ ip: '10.0.0.8' }] }).stored.status as { podIP: string }).podIP, '10.0.0.8');
  });

  it('keeps the QoS class when a status comes without one, as kube backfills it', () => {
    const { stored, errors } = write({ phase: 'Running' });
    assert.deepEqual(errors, []);
    assert.equal((stored.status as { qosClass: string }).qosClass, 'BestEffort');
  });

  it('refuses a new QoS class and addresses that are not IPs', () => {
    assert.deepEqual(write({ qosClass: 'Guaranteed', podIPs: [{ ip: 'nope' }] }).errors, [
      'status.qosClass: Invalid value: "Guaranteed": field is immutable',
      'status.podIPs[0]: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]);
  });
});
