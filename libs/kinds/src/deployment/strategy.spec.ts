import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew, prepareChanged } from '../strategy.js';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { decodeProtobufObject, renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { applyScale, scaleColumns, scaleOf } from '../scale.js';
import { deploymentStrategy } from './strategy.js';

const nginx = { name: 'nginx', image: 'nginx:1.27' };
const deployment = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ns' }, spec });
const valid = () => ({ selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [nginx] } } });
const prepared = (spec: Record<string, unknown>) => {
  const obj = deployment(spec);
  prepareNew(deploymentStrategy, obj);
  return obj;
};
const errors = (spec: Record<string, unknown>) => deploymentStrategy.validate(prepared(spec)).map(renderFieldError);

describe('deploymentStrategy.info', () => {
  it('describes apps/v1 deployments with scale and status, in the all category', () => {
    const info = deploymentStrategy.info;
    assert.deepEqual(
      [info.group, info.version, info.resource, info.kind, info.namespaced, info.shortNames, info.categories, info.subresources, info.tracksGeneration],
      ['apps', 'v1', 'deployments', 'Deployment', true, ['deploy'], ['all'], ['scale', 'status'], true],
    );
  });
});

describe('deploymentStrategy defaults', () => {
  it('sets replicas, RollingUpdate 25%/25%, history and deadline, and the pod template defaults', () => {
    const obj = prepared(valid());
    const spec = obj.spec as Record<string, any>;
    assert.deepEqual(obj.status, {});
    assert.equal(spec.replicas, 1);
    assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.progressDeadlineSeconds, 600);
    assert.equal(spec.template.spec.restartPolicy, 'Always');
    assert.equal(spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  });

  it('leaves Recreate without rolling update parameters', () => {
    assert.deepEqual((prepared({ ...valid(), strategy: { type: 'Recreate' } }).spec as Record<string, unknown>).strategy, { type: 'Recreate' });
  });
});

describe('deploymentStrategy.validate', () => {
  it('accepts a valid deployment', () => {
    assert.deepEqual(errors(valid()), []);
  });

  it('reports what kube reports', () => {
    const table: [Record<string, unknown>, string[]][] = [
      [{ ...valid(), selector: undefined }, ['spec.selector: Required value']],
      [
        { ...valid(), selector: { matchLabels: { app: 'other' } } },
        ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'],
      ],
      [
        { ...valid(), selector: {} },
        ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment'],
      ],
      [{ ...valid(), replicas: -1 }, ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
      [
        { ...valid(), strategy: { type: 'Blue' } },
        ['spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"Blue", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"'],
      ],
      [{ ...valid(), strategy: { type: 'Recreate', rollingUpdate: {} } }, ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]],
      [
        { ...valid(), strategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } },
        ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0'],
      ],
      [{ ...valid(), strategy: { rollingUpdate: { maxUnavailable: '120%' } } }, ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%']],
      [{ ...valid(), minReadySeconds: 700 }, ['spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds']],
      [
        { ...valid(), template: { metadata: { labels: { app: 'web' } }, spec: { containers: [nginx], restartPolicy: 'Never' } } },
        ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
      ],
      [
        { ...valid(), template: { metadata: { labels: { app: 'web' } }, spec: { containers: [nginx], activeDeadlineSeconds: 5 } } },
        ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported'],
      ],
    ];
    for (const [spec, expected] of table) assert.deepEqual(errors(spec), expected, JSON.stringify(spec));
  });

  it('keeps the selector immutable', () => {
    const old = prepared(valid());
    const next = prepared({ ...valid(), selector: { matchLabels: { app: 'web', tier: 'x' } } });
    assert.deepEqual(deploymentStrategy.validateUpdate(next, old).map(renderFieldError), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });

  it('counts annotation changes in the generation', () => {
    const old = prepared(valid());
    old.metadata = { ...old.metadata, generation: 3 };
    const next = structuredClone(old);
    next.metadata!.annotations = { note: 'x' };
    prepareChanged(deploymentStrategy, next, old);
    assert.equal(next.metadata?.generation, 4);
  });
});

describe('deploymentStrategy scale', () => {
  it('maps spec.replicas, status.replicas and the selector to an autoscaling/v1 Scale and back', () => {
    const obj = prepared({ ...valid(), selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] } });
    obj.metadata = { ...obj.metadata, uid: 'u1', resourceVersion: '7', creationTimestamp: '2026-01-01T00:00:00Z' };
    obj.status = { replicas: 2 };
    const scale = scaleOf(deploymentStrategy.scale!, obj);
    assert.deepEqual(scale, {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'web', namespace: 'ns', uid: 'u1', resourceVersion: '7', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { replicas: 1 },
      status: { replicas: 2, selector: 'app=web,env in (dev,prod)' },
    });
    const scaled = applyScale(obj, { ...scale, spec: { replicas: 3 } });
    assert.equal((scaled.spec as { replicas: number }).replicas, 3);
    assert.equal(scaled.metadata?.resourceVersion, '7');
    assert.equal(applyScale(obj, { spec: { replicas: 0 } }).metadata?.resourceVersion, undefined);
    assert.deepEqual(scaleColumns.filter((c) => c.name !== 'Age').map((c) => [c.name, c.cell(scale, 0)]), [['Name', 'web'], ['Desired', 1], ['Available', 2]]);
    assert.throws(() => applyScale(obj, { spec: { replicas: -1 } }), /Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0/);
  });
});

describe('deploymentStrategy columns', () => {
  it('prints NAME READY UP-TO-DATE AVAILABLE AGE, and CONTAINERS IMAGES SELECTOR wide', () => {
    const columns = deploymentStrategy.tableColumns;
    assert.deepEqual(columns.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Ready', 0], ['Up-to-date', 0], ['Available', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1],
    ]);
    const obj = prepared(valid());
    obj.status = { readyReplicas: 1, updatedReplicas: 1 };
    assert.deepEqual(columns.filter((c) => c.name !== 'Age').map((c) => c.cell(obj, 0)), ['web', '1/1', 1, 0, 'nginx', 'nginx:1.27', 'app=web']);
  });
});

describe('deploymentStrategy protobuf', () => {
  const LD = WireType.LengthDelimited;
  const V = WireType.Varint;
  const envelope = (apiVersion: string, kind: string, raw: Uint8Array) =>
    Buffer.concat([Buffer.from('k8s\0'), new BinaryWriter().tag(1, LD).fork().tag(1, LD).string(apiVersion).tag(2, LD).string(kind).join().tag(2, LD).bytes(raw).finish()]);

  it("reads what kubectl create deployment sends, keeping an explicit zero", () => {
    // Go writes the template's zero creationTimestamp as an empty Time message.
    const labels = (w: BinaryWriter) => w.tag(8, LD).fork().join().tag(11, LD).fork().tag(1, LD).string('app').tag(2, LD).string('web').join();
    const raw = new BinaryWriter()
      .tag(1, LD).fork().tag(1, LD).string('web').join()
      .tag(2, LD).fork()
      .tag(1, V).int32(0)
      .tag(2, LD).fork().tag(1, LD).fork().tag(1, LD).string('app').tag(2, LD).string('web').join().join()
      .tag(3, LD).fork()
      .tag(1, LD).fork();
    labels(raw).join()
      .tag(2, LD).fork().tag(2, LD).fork().tag(1, LD).string('nginx').tag(2, LD).string('nginx').tag(8, LD).fork().join().join().join()
      .join()
      .tag(4, LD).fork().join()
      .join()
      .tag(3, LD).fork().join();
    assert.deepEqual(decodeProtobufObject(envelope('apps/v1', 'Deployment', raw.finish()), deploymentStrategy.protobuf!), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] } },
        strategy: {},
      },
      status: {},
    });
  });

  it('reads every field of the pod template, a volume with its source inlined as JSON has it', () => {
    // The message is k8s.io/api's (generated): Volume holds its VolumeSource at 2, JSON inlines it.
    const emptyDir = new BinaryWriter().tag(1, LD).string('Memory').tag(2, LD).fork().tag(1, LD).string('64Mi').join().finish();
    const volume = new BinaryWriter().tag(1, LD).string('data').tag(2, LD).fork().tag(2, LD).bytes(emptyDir).join().finish();
    const raw = new BinaryWriter()
      .tag(1, LD).fork().tag(1, LD).string('web').join()
      .tag(2, LD).fork().tag(3, LD).fork().tag(2, LD).fork().tag(1, LD).bytes(volume).join().join().join()
      .finish();
    const obj = decodeProtobufObject(envelope('apps/v1', 'Deployment', raw), deploymentStrategy.protobuf!);
    assert.deepEqual((obj.spec as any).template.spec.volumes, [{ name: 'data', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }]);
  });

  it('reads a status written as protobuf, as kube-controller-manager writes it to deployments/status', () => {
    const condition = new BinaryWriter().tag(1, LD).string('Available').tag(2, LD).string('True').tag(6, LD).fork().tag(1, V).int64(1700000000).join().finish();
    const raw = new BinaryWriter()
      .tag(1, LD).fork().tag(1, LD).string('web').join()
      .tag(3, LD).fork().tag(1, V).int64(4).tag(2, V).int32(3).tag(6, LD).bytes(condition).join()
      .finish();
    const obj = decodeProtobufObject(envelope('apps/v1', 'Deployment', raw), deploymentStrategy.subresourceProtobuf!.status);
    assert.deepEqual(obj.status, { observedGeneration: 4, replicas: 3, conditions: [{ type: 'Available', status: 'True', lastUpdateTime: '2023-11-14T22:13:20Z' }] });
  });

  it('reads a Scale written as protobuf to deployments/scale', () => {
    const raw = new BinaryWriter().tag(1, LD).fork().tag(1, LD).string('web').tag(6, LD).string('42').join().tag(2, LD).fork().tag(1, V).int32(3).join().finish();
    assert.deepEqual(decodeProtobufObject(envelope('autoscaling/v1', 'Scale', raw), deploymentStrategy.subresourceProtobuf!.scale), {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'web', resourceVersion: '42' },
      spec: { replicas: 3 },
    });
  });
});
